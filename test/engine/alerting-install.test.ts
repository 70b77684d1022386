/**
 * The alerting add-on installed for real: `helk install` of `lab` + `alerting` builds HELK's
 * ElastAlert layer on the real ElastAlert 2 fixture (helk-test/elastalert2, its CONTRACT.md),
 * converts HELK's Sigma rules before ElastAlert starts, and runs it on the real Elasticsearch.
 * The four shared data sets are replayed with `helk replay` into Kafka, where the real Spark join
 * writes `sysmon-join` (the "(joined)" rules' documents); the same events are indexed as HELK's
 * Logstash writes them (its pipeline run by test/helpers/logstash-eval.ts with the Kafka record
 * time as event.ingested: Logstash cannot run here, and `lab` has none). Every alert of
 * images/elastalert/sigma/EXPECTED.md must be in `helk-alerts`, no other, and still so after
 * ElastAlert's next run; `helk rules list` and `helk status` count them.
 */
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../helpers/containers.js";
import { ELASTALERT_FIXTURE } from "../helpers/doubles.js";
import { bulkIndex } from "../helpers/es-bulk.js";
import { helkPipeline } from "../helpers/logstash-config.js";
import { fromKafka, runPipeline } from "../helpers/logstash-eval.js";
import { MORDOR_DIR, readMordorSet, readmeCounts } from "../helpers/mordor.js";
import { helk } from "../helpers/run-cli.js";
import { readExpected } from "../helpers/sigma-expected.js";
import { createTestStack, JUPYTER_FIXTURE, requireImages, requireLabImages, type TestStack } from "../helpers/test-stack.js";

interface Row {
  id: string | null;
  title: string | null;
  origin: "helk" | "user";
  state: string;
  names: string[];
  alerts?: number | null;
}

let stack: TestStack;
let es: Client;

/** ElastAlert rule name → alerts expected over all four data sets (EXPECTED.md's rows summed). */
function expectedByName(rows: Row[]): Map<string, number> {
  const { counts } = readExpected();
  const out = new Map<string, number>();
  for (const [key, perSet] of Object.entries(counts)) {
    const [id, target] = key.split(" ");
    const title = rows.find((r) => r.id === id)?.title;
    if (!title) throw new Error(`EXPECTED.md names rule ${id}, which helk rules list does not show`);
    out.set(
      target === "join" ? `${title} (joined)` : title,
      Object.values(perSet).reduce((a, b) => a + b, 0),
    );
  }
  return out;
}

/** Alerts in helk-alerts by rule name. */
async function alertsByName(): Promise<Map<string, number>> {
  const exists = await es.indices.exists({ index: "helk-alerts" });
  if (!exists) return new Map();
  await es.indices.refresh({ index: "helk-alerts" });
  const r = await es.search<unknown, { names: { buckets: { key: string; doc_count: number }[] } }>({
    index: "helk-alerts",
    size: 0,
    aggs: { names: { terms: { field: "rule_name", size: 100 } } },
  });
  return new Map((r.aggregations?.names.buckets ?? []).map((b) => [b.key, b.doc_count]));
}

async function listRules(): Promise<Row[]> {
  const r = await helk(["rules", "list", "--json", ...stack.flags]);
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { rules: Row[] }).rules;
}

const nonZero = (m: Map<string, number>) => new Map([...m].filter(([, n]) => n > 0));

describe.sequential("alerting add-on: HELK's Sigma rules raise exactly the expected alerts on the replayed data sets", () => {
  beforeAll(async () => {
    await requireLabImages();
    await requireImages([ELASTALERT_FIXTURE], "run scripts/build-elastalert-image.sh");
    stack = createTestStack("alerting", "lab", {
      addons: ["alerting"],
      images: { jupyter: JUPYTER_FIXTURE },
      timeouts: { healthSeconds: 300 },
    });
    const r = await helk(["install", "--non-interactive", "--yes", "--json", ...stack.flags]);
    if (r.exitCode !== 0) throw new Error(`install failed (${r.exitCode}): ${r.stderr}\n${r.stdout}`);
    es = new Client({
      node: `http://127.0.0.1:${stack.ports.elasticsearch}`,
      auth: { username: "elastic", password: stack.secrets().elasticPassword as string },
    });
  });
  afterAll(async () => {
    await es?.close();
    await stack?.cleanup();
  });

  it("install converted HELK's rules before ElastAlert started: `helk rules list` shows them loaded, with no alert yet", async () => {
    const rows = await listRules();
    const helkRules = rows.filter((r) => r.origin === "helk");
    expect(helkRules.length).toBeGreaterThanOrEqual(5);
    expect(helkRules.map((r) => `${r.title}: ${r.state}`)).toEqual(helkRules.map((r) => `${r.title}: loaded`));
    expect(helkRules.map((r) => r.alerts)).toEqual(helkRules.map(() => 0));
    // Every rule EXPECTED.md counts is among the names ElastAlert runs.
    const names = new Set(rows.flatMap((r) => r.names));
    for (const name of expectedByName(rows).keys()) expect(names, name).toContain(name);
  });

  it("the four data sets replayed and indexed: every expected alert in helk-alerts, no other, and no more after ElastAlert's next run", async () => {
    const replay = await helk(["replay", "--json", "--bootstrap", `127.0.0.1:${stack.ports.kafka}`, MORDOR_DIR]);
    expect(replay.exitCode, replay.stderr).toBe(0);
    const pipeline = helkPipeline();
    for (const { file } of readmeCounts()) {
      const set = await readMordorSet(file);
      const docs = set.events.flatMap((e) => runPipeline(pipeline, fromKafka(e, "winlogbeat")).outputs);
      await bulkIndex(
        es,
        docs.map((d) => ({ index: d.index, source: d.source, ...(d.documentId ? { id: d.documentId } : {}) })),
        file,
      );
    }
    const expected = nonZero(expectedByName(await listRules()));
    const want = JSON.stringify([...expected].sort());
    // ElastAlert runs every minute over the last 15 minutes of event.ingested; the join's
    // documents come as its micro-batches do.
    await until("the expected alerts", 300_000, async () =>
      JSON.stringify([...(await alertsByName())].sort()) === want ? true : undefined,
    );
    const reached = new Date().toISOString();
    // One more complete run of every rule after that: a rule that saw its documents again must
    // not alert twice (ElastAlert keeps the ids it processed), and nothing else may fire.
    await until("ElastAlert's next run of every alerting rule", 180_000, async () => {
      await es.indices.refresh({ index: "helk-alerts_status" });
      const r = await es.search<unknown, { names: { buckets: { key: string }[] } }>({
        index: "helk-alerts_status",
        size: 0,
        query: { range: { "@timestamp": { gt: reached } } },
        aggs: { names: { terms: { field: "rule_name", size: 100 } } },
      });
      const ran = new Set((r.aggregations?.names.buckets ?? []).map((b) => b.key));
      return [...expected.keys()].every((n) => ran.has(n)) ? true : undefined;
    });
    expect([...(await alertsByName())].sort()).toEqual([...expected].sort());
  });

  it("`helk rules list` counts each rule's alerts; `helk status` counts them in the last hour", async () => {
    const rows = await listRules();
    const expected = expectedByName(rows);
    for (const row of rows.filter((r) => r.origin === "helk")) {
      const want = row.names.reduce((a, n) => a + (expected.get(n) ?? 0), 0);
      expect(row.alerts, row.title ?? row.id ?? "").toBe(want);
    }
    const status = await helk(["status", "--json", ...stack.flags]);
    const alerts = (JSON.parse(status.stdout) as { alerts?: { lastHour: Record<string, number> | null; total: number | null } }).alerts;
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    expect(alerts?.total).toBe(total);
    expect(nonZero(new Map(Object.entries(alerts?.lastHour ?? {})))).toEqual(nonZero(expected));
  });
});
