/**
 * HELK's index templates on the real Elasticsearch (the 8.19.5 fixture) with both layouts the
 * winlogbeat topic carries, as Logstash would write them: the hand-written Winlogbeat 8 sample,
 * and the shared Mordor sets flat and converted to Winlogbeat 8 (every Sysmon EID 1 and 3, and
 * every tenth event of any kind: other Sysmon events, Security, PowerShell...), each run through HELK's pipeline files by the model
 * in test/helpers/logstash-eval.ts (Logstash cannot run here) and indexed into the index the
 * pipeline's output names. Both orders (Winlogbeat 8 first, then flat first) index with zero
 * errors, and the mapped types are the templates' own, not whatever the first document implied.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionElasticsearch } from "../../engine/provision/elasticsearch.js";
import { createSandbox, type Sandbox, until } from "../helpers/containers.js";
import { ES_FIXTURE } from "../helpers/doubles.js";
import { SECRETS } from "../helpers/fixtures.js";
import { helkPipeline } from "../helpers/logstash-config.js";
import { fromKafka, type Indexed, runPipeline } from "../helpers/logstash-eval.js";
import { isSysmonFlat, readMordorSet, readmeCounts } from "../helpers/mordor.js";
import { requireImages } from "../helpers/test-stack.js";
import { toWinlogbeat8 } from "../helpers/winlogbeat8.js";

const ROOT = join(import.meta.dirname, "../..");
const PIPELINE = helkPipeline();
const SAMPLE = readFileSync(join(ROOT, "test/fixtures/winlogbeat8/sysmon-sample.ndjson"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Record<string, unknown>);

const written = (events: Record<string, unknown>[]): Indexed[] =>
  events.flatMap((e) => runPipeline(PIPELINE, fromKafka(e, "winlogbeat")).outputs);

let box: Sandbox;
let es: Client;
let flat: Indexed[];
let winlogbeat8: Indexed[];

beforeAll(async () => {
  await requireImages([ES_FIXTURE], "run scripts/build-fixture-images.sh");
  const picked = (await Promise.all(readmeCounts().map((c) => readMordorSet(c.file)))).flatMap((set) =>
    set.events.filter((e, i) => (isSysmonFlat(e) && (e.EventID === 1 || e.EventID === 3)) || i % 10 === 0),
  );
  flat = written(picked);
  winlogbeat8 = [...written(SAMPLE), ...written(picked.map(toWinlogbeat8))];
  box = await createSandbox("eswlb8");
  await box.run("es", ES_FIXTURE, {
    publish: 9200,
    env: { "discovery.type": "single-node", "xpack.security.enabled": "false", ES_JAVA_OPTS: "-Xms512m -Xmx512m" },
  });
  const url = `http://127.0.0.1:${await box.port("es", 9200)}`;
  es = new Client({ node: url });
  await until("the fixture answers", 120_000, async () =>
    (await es.cluster.health({ wait_for_status: "yellow", timeout: "5s" })) ? true : undefined,
  );
  // The built-in logs template (logs-*-*) is installed moments after start; HELK's must win over it.
  await until("the built-in logs template", 60_000, async () =>
    (await es.indices.existsIndexTemplate({ name: "logs" })) ? true : undefined,
  );
  await provisionElasticsearch({ access: { nodes: [url], external: false }, manageUsers: false, secrets: SECRETS, retentionDays: 7 });
}, 300_000);
afterAll(async () => {
  await es?.close();
  await box?.cleanup();
});

/** Bulk-indexes documents as Logstash's elasticsearch output does (index action, optional id); returns the item errors. */
async function index(docs: Indexed[]): Promise<string[]> {
  const errors: string[] = [];
  for (let i = 0; i < docs.length; i += 2000) {
    const operations = docs
      .slice(i, i + 2000)
      .flatMap((d) => [{ index: { _index: d.index, ...(d.documentId ? { _id: d.documentId } : {}) } }, d.source]);
    const r = await es.bulk({ operations, refresh: false });
    for (const item of r.items) {
      const e = item.index?.error;
      if (e) errors.push(`${item.index?._index}: ${e.type}: ${e.reason}`);
    }
  }
  await es.indices.refresh({ index: "logs-*" });
  return errors;
}

const countByIndex = (docs: Indexed[]) => docs.reduce((m, d) => m.set(d.index, (m.get(d.index) ?? 0) + 1), new Map<string, number>());

async function mappedType(index: string, field: string): Promise<string | undefined> {
  const r = await es.indices.getFieldMapping({ index, fields: field });
  const mapping = Object.values(r)[0]?.mappings[field]?.mapping as Record<string, { type?: string }> | undefined;
  return mapping ? Object.values(mapping)[0]?.type : undefined;
}

describe.sequential("Winlogbeat 8 and flat events in HELK's indices (real Elasticsearch 8.19.5)", () => {
  it.each([
    ["Winlogbeat 8 first, then flat", () => [winlogbeat8, flat]],
    ["flat first, then Winlogbeat 8", () => [flat, winlogbeat8]],
  ])("%s: every document indexed, none refused; each index holds what was sent to it", async (_order, batches) => {
    // Elasticsearch 8 deletes indices by name only (action.destructive_requires_name).
    const old = (await es.cat.indices({ index: "logs-endpoint-winevent*", format: "json", h: ["index"] })).map((c) => c.index as string);
    if (old.length) await es.indices.delete({ index: old });
    const [first, second] = batches() as [Indexed[], Indexed[]];
    expect(first.length).toBeGreaterThan(1000);
    expect(await index(first)).toEqual([]);
    expect(await index(second)).toEqual([]);
    const expected = countByIndex([...first, ...second]);
    const counts = await es.cat.indices({ index: "logs-endpoint-winevent*", format: "json", h: ["index", "docs.count"] });
    expect(new Map(counts.map((c) => [c.index as string, Number(c["docs.count"])]))).toEqual(expected);
    // The sample's date and the four sets' dates, each in a Sysmon and a Windows index.
    expect([...expected.keys()].filter((i) => i.startsWith("logs-endpoint-winevent-sysmon-")).length).toBe(5);
  });

  it.each([
    ["winlog.event_id", "keyword"],
    ["winlog.provider_name", "keyword"],
    ["winlog.channel", "keyword"],
    ["winlog.computer_name", "keyword"],
    ["winlog.event_data.ProcessGuid", "keyword"],
    ["winlog.event_data.UtcTime", "keyword"],
    ["winlog.event_data.DestinationPort", "keyword"],
    ["winlog.record_id", "long"],
    ["winlog.process.pid", "long"],
    ["winlog.process.thread.id", "long"],
    ["host.name", "keyword"],
    ["event.code", "keyword"],
    ["event.created", "date"],
    ["message", "text"],
    ["EventID", "integer"],
    ["ProcessGuid", "keyword"],
    ["DestinationIp", "ip"],
    ["DestinationPort", "integer"],
    ["UtcTime", "date"],
    ["Message", "text"],
    ["RecordNumber", "long"],
  ])("%s is mapped as %s in a Sysmon index holding both layouts", async (field, type) => {
    // cmd_bitsadmin's day: its flat events and their conversions share the index.
    expect(await mappedType("logs-endpoint-winevent-sysmon-2020.10.23", field)).toBe(type);
  });

  it("NXLog's forwarding host (a string in two of the sets) is log.source.address, beside Winlogbeat's host object", async () => {
    // empire_launcher's day: its flat events carry `host` as a string.
    expect(await mappedType("logs-endpoint-winevent-sysmon-2020.07.22", "log.source.address")).toBe("keyword");
    expect(await mappedType("logs-endpoint-winevent-sysmon-2020.07.22", "host.name")).toBe("keyword");
    const both = await es.count({
      index: "logs-endpoint-winevent-sysmon-2020.07.22",
      query: {
        bool: { should: [{ exists: { field: "log.source.address" } }, { exists: { field: "host.name" } }], minimum_should_match: 1 },
      },
    });
    const all = await es.count({ index: "logs-endpoint-winevent-sysmon-2020.07.22" });
    expect(both.count).toBe(all.count);
  });

  it("searches by the flat fields find both layouts: EID 3 to a destination, by ProcessGuid", async () => {
    const eid3 = flat.filter((d) => d.index.startsWith("logs-endpoint-winevent-sysmon-2020.10.23") && d.source.EventID === 3);
    expect(eid3.length).toBeGreaterThan(0);
    const guid = eid3[0]?.source.ProcessGuid as string;
    const expected = eid3.filter((d) => d.source.ProcessGuid === guid).length;
    const r = await es.count({
      index: "logs-endpoint-winevent-sysmon-*",
      query: { bool: { filter: [{ term: { EventID: 3 } }, { term: { ProcessGuid: guid } }] } },
    });
    // Once flat, once as Winlogbeat 8.
    expect(r.count).toBe(2 * expected);
    const nested = await es.count({
      index: "logs-endpoint-winevent-sysmon-*",
      query: { bool: { filter: [{ term: { "winlog.event_id": "3" } }, { term: { "winlog.event_data.ProcessGuid": guid } }] } },
    });
    expect(nested.count).toBe(expected);
  });
});
