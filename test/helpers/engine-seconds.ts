/**
 * Seconds each engine-tier file took in a whole run, for test/helpers/engine-sequencer.ts.
 * Measured: session 28's clean-clone `.ci/run` (commit 17c051a, 2026-12-03), two files at once
 * with the heavy lane, from vitest's JSON report (a heavy file's wait for the lane excluded).
 * A wrong figure costs idle time, never a failure: the heavy lane (heavy-lane.ts) keeps two
 * heavy files apart whatever the order.
 */
export const ENGINE_SECONDS: Record<string, number> = {
  "hunt-join.test.ts": 517,
  "notebook-analysis-install.test.ts": 490,
  "lab-e2e.test.ts": 462,
  "external-clusters.test.ts": 270,
  "lifecycle.test.ts": 212,
  "failures.test.ts": 191,
  "alerting-install.test.ts": 146,
  "install-logins.test.ts": 138,
  "wizard.test.ts": 115,
  "elastalert-sigma.test.ts": 93,
  "templates-first.test.ts": 91,
  "doctor.test.ts": 79,
  "upgrade.test.ts": 71,
  "analysis-install.test.ts": 66,
  "fresh-debian.test.ts": 56,
  "reconfigure.test.ts": 55,
  "images-archive.test.ts": 51,
  "es-hadoop.test.ts": 40,
  "kafka-three-brokers.test.ts": 40,
  "kafka-sasl.test.ts": 38,
  "double-ksqldb.test.ts": 37,
  "kafka-topics-provision.test.ts": 32, // failed in that run
  "replay-kafka.test.ts": 23,
  "compose-accepts.test.ts": 22,
  "winlogbeat8-elasticsearch.test.ts": 22,
  "notebook-fixture.test.ts": 17,
  "doubles-kibana.test.ts": 17,
  "verify-cleanup.test.ts": 13,
  "double-logstash.test.ts": 8,
  "rules-converter.test.ts": 7,
  "fixture-elasticsearch.test.ts": 6,
  "kafka-fixture-contract.test.ts": 5,
  "rules-alerts-es.test.ts": 3,
  "double-nginx.test.ts": 1,
};
