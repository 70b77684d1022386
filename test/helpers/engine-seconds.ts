/**
 * Seconds each engine-tier file took in a whole run, for test/helpers/engine-sequencer.ts.
 * Measured: session 27's local run of the whole suite with any two engine files at once
 * (.test-output/vitest-run1.json, 2026-12-02). They are rough: files beside a heavy one ran
 * slower than alone, and the four marked failed there. A wrong figure costs idle time, never a
 * failure: the heavy lane (heavy-lane.ts) keeps two heavy files apart whatever the order.
 */
export const ENGINE_SECONDS: Record<string, number> = {
  "hunt-join.test.ts": 838,
  "notebook-analysis-install.test.ts": 837,
  "external-clusters.test.ts": 453,
  "lifecycle.test.ts": 361,
  "lab-e2e.test.ts": 345, // failed in that run
  "failures.test.ts": 330, // failed in that run
  "fresh-debian.test.ts": 199,
  "alerting-install.test.ts": 183, // failed in that run
  "install-logins.test.ts": 176,
  "doctor.test.ts": 138,
  "es-hadoop.test.ts": 136,
  "elastalert-sigma.test.ts": 133,
  "analysis-install.test.ts": 109,
  "engine-stop.test.ts": 104,
  "templates-first.test.ts": 98,
  "wizard.test.ts": 85,
  "images-archive.test.ts": 77,
  "upgrade.test.ts": 70,
  "kafka-three-brokers.test.ts": 64,
  "kafka-sasl.test.ts": 58,
  "notebook-fixture.test.ts": 56,
  "winlogbeat8-elasticsearch.test.ts": 56,
  "compose-accepts.test.ts": 51,
  "reconfigure.test.ts": 51,
  "double-ksqldb.test.ts": 41,
  "rules-converter.test.ts": 22,
  "doubles-kibana.test.ts": 20,
  "verify-cleanup.test.ts": 16,
  "replay-kafka.test.ts": 15, // failed in that run
  "double-logstash.test.ts": 10,
  "fixture-elasticsearch.test.ts": 7,
  "rules-alerts-es.test.ts": 7,
  "kafka-fixture-contract.test.ts": 6,
  "kafka-topics-provision.test.ts": 5,
  "double-nginx.test.ts": 1,
};
