/**
 * External mode on real clusters HELK does not own: a three-broker KRaft Kafka with SCRAM and
 * an Elasticsearch node with security, started as their own compose project
 * (test/helpers/external-clusters.ts). HELK's lab profile then runs only Jupyter and the Spark
 * join, attached to the clusters' network; preflight refuses a wrong password and a user
 * without the privileges HELK needs; provisioning lands in the clusters (topics with 3
 * replicas and min.insync.replicas 2, templates); replay and the join land there; a broker
 * killed mid-replay costs no event, and `helk status` reports the degraded cluster.
 */
import { statSync } from "node:fs";
import { Client } from "@elastic/elasticsearch";
import { execa } from "execa";
import { ConfigResourceTypes, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notYet } from "../helpers/es-not-yet.js";
import { type ExternalClusters, startExternalClusters } from "../helpers/external-clusters.js";
import { helk } from "../helpers/run-cli.js";
import { topicEnd } from "../helpers/stack-clients.js";
import {
  containerIds,
  createTestStack,
  JUPYTER_FIXTURE,
  requireLabImages,
  statusWhenReady,
  type TestStack,
} from "../helpers/test-stack.js";

const MORDOR = new URL("../../../shared/datasets/mordor/", import.meta.url).pathname;
const KAFKA_USER = "helk_ext";
const KAFKA_PASSWORD = `kafka-${process.pid}-Secret`;
const ES_PASSWORD = `es-${process.pid}-Secret`;

let clusters: ExternalClusters;
let stack: TestStack;
let es: Client;
let kafka: Kafka;

const env = () => ({ HELK_KAFKA_EXTERNAL_PASSWORD: KAFKA_PASSWORD, HELK_ELASTICSEARCH_EXTERNAL_PASSWORD: ES_PASSWORD });

function externalConfig(esUser = "elastic"): Record<string, unknown> {
  return {
    images: { jupyter: JUPYTER_FIXTURE },
    timeouts: { healthSeconds: 300 },
    dockerNetwork: clusters.network,
    kafka: { external: { bootstrap: clusters.bootstrap, sasl: { mechanism: "SCRAM-SHA-512", username: KAFKA_USER } } },
    elasticsearch: { external: { urls: [clusters.elasticsearchUrl], username: esUser } },
  };
}

/**
 * The topic's growth since `before`, once it reaches `expected` or after the deadline. After a
 * leader moves, the new leader's high watermark catches up with what was acknowledged within
 * moments, so a read right after the replay may still show less.
 */
async function growth(before: number, expected: number, ms = 60_000): Promise<number> {
  const started = Date.now();
  const reads: number[] = [];
  for (;;) {
    const grown = (await topicEnd(kafka, "winlogbeat")) - before;
    reads.push(grown);
    if (grown >= expected || Date.now() > started + ms) {
      // In the CI log: how the high watermarks caught up, as evidence either way.
      console.info(`winlogbeat grew by ${reads.join(" → ")} in ${Date.now() - started} ms (expected ${expected})`);
      return grown;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Documents in `sysmon-join`; 0 while the job's first document has not created it or its shard. */
async function joinedCount(): Promise<number> {
  try {
    await es.indices.refresh({ index: "sysmon-join", ignore_unavailable: true, allow_no_indices: true });
    return (await es.count({ index: "sysmon-join", ignore_unavailable: true, allow_no_indices: true })).count;
  } catch (err) {
    if (notYet(err)) return 0;
    throw err;
  }
}

async function waitForJoined(n: number, ms = 180_000): Promise<number> {
  const until = Date.now() + ms;
  for (;;) {
    const c = await joinedCount();
    if (c >= n || Date.now() > until) return c;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

describe.sequential("external mode: HELK on a three-broker Kafka and an Elasticsearch it does not own", () => {
  beforeAll(async () => {
    await requireLabImages();
    clusters = await startExternalClusters({
      name: "ext",
      sasl: { username: KAFKA_USER, password: KAFKA_PASSWORD },
      elasticPassword: ES_PASSWORD,
    });
    es = new Client({ node: clusters.elasticsearchUrl, auth: { username: "elastic", password: ES_PASSWORD } });
    kafka = new Kafka({
      brokers: clusters.bootstrap,
      logLevel: logLevel.NOTHING,
      sasl: { mechanism: "scram-sha-512", username: KAFKA_USER, password: KAFKA_PASSWORD },
      retry: { retries: 12, maxRetryTime: 5000 },
    });
    stack = createTestStack("ext", "lab", externalConfig());
    // vitest.config.ts's hook timeout (600 s): four JVMs start here, and `compose up --wait` alone
    // may use its 240 s on a busy 2-core machine (CI timed out a 300 s hook here).
  });
  afterAll(async () => {
    await es?.close();
    // HELK first: its containers hold the clusters' network.
    await stack?.cleanup();
    await clusters?.down();
  });

  it("preflight refuses a wrong Kafka password before anything starts, naming the fix", async () => {
    const r = await helk(["install", "--non-interactive", "--yes", ...stack.flags], {
      env: { ...env(), HELK_KAFKA_EXTERNAL_PASSWORD: "not-the-password" },
    });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain(`Kafka refused ${KAFKA_USER}'s SASL login`);
    expect(r.stderr).toContain("HELK_KAFKA_EXTERNAL_PASSWORD");
    expect(r.stderr).not.toContain("not-the-password");
    expect(await containerIds(stack.project)).toEqual({});
  });

  it("preflight names the privileges a user without them lacks", async () => {
    await es.security.putRole({ name: "helk_reader", cluster: ["monitor"], indices: [{ names: ["logs-*"], privileges: ["read"] }] });
    await es.security.putUser({ username: "helk_reader", password: ES_PASSWORD, roles: ["helk_reader"] });
    stack.writeConfig(externalConfig("helk_reader"));
    const r = await helk(["install", "--non-interactive", "--yes", ...stack.flags], { env: env() });
    stack.writeConfig(externalConfig());
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain("helk_reader lacks: cluster privilege manage_index_templates");
    expect(r.stderr).toMatch(/create_doc on sysmon-join/);
    expect(await containerIds(stack.project)).toEqual({});
  });

  it("installs with no local Kafka or Elasticsearch; status shows the clusters healthy", async () => {
    const r = await helk(["install", "--non-interactive", "--yes", "--json", ...stack.flags], { env: env() });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(Object.keys(await containerIds(stack.project)).sort()).toEqual(["jupyter", "stream-join"]);

    const { exitCode, status } = await statusWhenReady(stack, 120_000);
    expect(exitCode, JSON.stringify(status)).toBe(0);
    const kafkaRow = status.services.find((s) => s.name === "kafka");
    expect(kafkaRow).toMatchObject({ state: "external", probe: "ok" });
    expect(kafkaRow?.detail).toMatch(/^3 brokers, controller \d, 5 topics/);
    expect(status.services.find((s) => s.name === "elasticsearch")).toMatchObject({ state: "external", probe: "ok" });
  });

  it("provisioning landed in the clusters: topics with 3 replicas and min.insync.replicas 2, templates", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: ["winlogbeat"] });
      const partitions = meta.topics[0]?.partitions ?? [];
      expect(partitions).toHaveLength(3);
      for (const p of partitions) expect(p.replicas).toHaveLength(3);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: "winlogbeat", configNames: ["min.insync.replicas"] }],
      });
      expect(configs.resources[0]?.configEntries[0]?.configValue).toBe("2");
    } finally {
      await admin.disconnect();
    }
    const templates = await es.indices.getIndexTemplate({ name: "helk-*" });
    expect(templates.index_templates.map((t) => t.name)).toEqual(expect.arrayContaining(["helk-sysmon-join"]));
  });

  it("replay publishes to the external cluster and the Spark join writes to the external Elasticsearch", async () => {
    const before = await topicEnd(kafka, "winlogbeat");
    const r = await helk(["replay", "--json", ...stack.flags, `${MORDOR}empire_launcher_sct_regsvr32.zip`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { bootstrap: string }).bootstrap).toContain(`(SASL SCRAM-SHA-512 as ${KAFKA_USER})`);
    expect((await topicEnd(kafka, "winlogbeat")) - before).toBe(2390);
    expect(await waitForJoined(11)).toBe(11);
  });

  it("helk verify follows a synthetic pair through the external Kafka into the external sysmon-join, and cleans up", async () => {
    const r = await helk(["verify", "--json", "--timeout", "90", ...stack.flags]);
    const report = await es.get({ index: "helk-stream-status", id: "sysmon-join" }).catch((e: Error) => e.message);
    expect(r.exitCode, `${r.stdout}${r.stderr}\njoin status: ${JSON.stringify(report)}`).toBe(0);
    const v = JSON.parse(r.stdout) as { ok: boolean; hops: { hop: string; outcome: string; path: string }[] };
    expect(v.hops.map((h) => `${h.hop}:${h.outcome}`)).toEqual(["kafka:passed", "normalised:skipped", "joined:passed"]);
    expect(v.hops[0]?.path).toContain(clusters.bootstrap.join(","));
    expect(await joinedCount()).toBe(11);
  });

  // Failed on kafkajs ("The broker received an out of order sequence number" after 900 of 8,121
  // events, exit 10) and was skipped; replay's producer since issue 15 resends a partition's failed
  // batches in order with their first numbers (engine/replay/pipeline.ts).
  it("a broker killed mid-replay costs no event; status reports the degraded cluster, then healthy again", async () => {
    const before = await topicEnd(kafka, "winlogbeat");
    const replay = helk(["replay", "--json", "--rate", "1500", ...stack.flags, `${MORDOR}covenant_dcom_executeexcel4macro_allowed.zip`]);
    let replayEnded = false;
    void replay.finally(() => {
      replayEnded = true;
    });
    // Kill once the replay is under way, reading the topic's end offsets at that moment.
    let atKill = before;
    for (const until = Date.now() + 60_000; atKill < before + 500 && !replayEnded && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 100));
      atKill = await topicEnd(kafka, "winlogbeat");
    }
    await clusters.killBroker(2);
    const endedBeforeKill = replayEnded;
    // Strictly inside the replay: some of its events were in, not all, and it was still running.
    expect(atKill, "end offsets at the kill").toBeGreaterThan(before);
    expect(atKill, "end offsets at the kill").toBeLessThan(before + 8121);
    expect(endedBeforeKill, "replay ended before the kill").toBe(false);
    const r = await replay;
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { events: number }).events).toBe(8121);
    // Every acknowledged event is there once: no loss, no duplicate.
    expect(await growth(before, 8121)).toBe(8121);

    const degraded = await helk(["status", "--json", ...stack.flags]);
    expect(degraded.exitCode).toBe(6);
    const row = (JSON.parse(degraded.stdout) as { services: { name: string; probe?: string; detail: string }[] }).services.find(
      (s) => s.name === "kafka",
    );
    expect(row?.probe).toBe("failed");
    expect(row?.detail).toMatch(/^degraded: \d+ of \d+ partitions under-replicated; 2 brokers/);

    // The join goes on with two brokers: the covenant data set adds exactly its 20.
    expect(await waitForJoined(31)).toBe(31);

    await clusters.startBroker(2);
    const { exitCode, status } = await statusWhenReady(stack, 120_000);
    expect(exitCode, JSON.stringify(status)).toBe(0);
    expect(await joinedCount()).toBe(31);
  });

  it("an API key instead of a user: a re-install moves the join to it, and verify passes through it", async () => {
    const key = await es.security.createApiKey({ name: `helk-${process.pid}` });
    stack.writeConfig({
      ...externalConfig(),
      elasticsearch: { external: { urls: [clusters.elasticsearchUrl], apiKey: true } },
    });
    const r = await helk(["install", "--non-interactive", "--yes", "--json", ...stack.flags], {
      env: { HELK_ELASTICSEARCH_EXTERNAL_API_KEY: key.encoded },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const v = await helk(["verify", "--json", "--timeout", "90", ...stack.flags]);
    expect(v.exitCode, v.stdout + v.stderr).toBe(0);
    const c = JSON.parse((await helk(["credentials", "--json", ...stack.flags])).stdout) as Record<string, unknown>;
    expect(c.externalElasticsearchApiKey).toBe(key.encoded);
    // Back to the user for the checks below.
    stack.writeConfig(externalConfig());
    expect((await helk(["install", "--non-interactive", "--yes", "--json", ...stack.flags])).exitCode).toBe(0);
  }, 420_000); // two installs (each waits until status passes) and a verify

  it("helk credentials shows the clusters' logins, and no HELK-made Elasticsearch user", async () => {
    const r = await helk(["credentials", "--json", ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(c.externalKafka).toEqual({ mechanism: "SCRAM-SHA-512", user: KAFKA_USER, password: KAFKA_PASSWORD });
    expect(c.externalElasticsearch).toEqual({ user: "elastic", password: ES_PASSWORD });
    expect(Object.keys(c).sort()).toEqual(["externalElasticsearch", "externalKafka", "jupyterToken"]);
  });

  it("no secret of the clusters is in the compose files or the install log", async () => {
    const files = await execa("grep", ["-rl", "-e", KAFKA_PASSWORD, "-e", ES_PASSWORD, stack.home, stack.logFile], { reject: false });
    // Only the 0600 state file and the env files of the services that log in to the clusters
    // (the join, and Jupyter, whose notebooks read Elasticsearch as the operator's user) hold them.
    const holding = files.stdout.split("\n").filter(Boolean);
    expect(holding.map((f) => f.replace(`${stack.home}/`, "")).sort()).toEqual([
      "secrets/helk-state.json",
      "secrets/jupyter.env",
      "secrets/stream-join.env",
    ]);
    for (const f of holding) expect(statSync(f).mode & 0o777, f).toBe(0o600);
  });
});
