/**
 * HELK's Logstash pipeline on both layouts the winlogbeat topic carries: the flat Mordor sets
 * and Winlogbeat 8's (the hand-written sample, and the sets converted by
 * test/helpers/winlogbeat8.ts). Logstash cannot run here: the pipeline files are parsed with
 * Logstash's grammar and run by the model in test/helpers/logstash-eval.ts (its header says what
 * it evaluates and what it does not). Proves: the routing conditions send an event to the same
 * index family in both layouts, and the fields the templates, saved searches and the joins use
 * come out with the same values.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { indexTemplates } from "../../compose/elasticsearch-templates.js";
import { helkPipeline, parseLogstashConfig } from "../helpers/logstash-config.js";
import { type Event, evalCondition, fromKafka, type Json, parseCondition, runPipeline } from "../helpers/logstash-eval.js";
import { isSysmonFlat, type MordorSet, readMordorSet, readmeCounts } from "../helpers/mordor.js";
import { toWinlogbeat8 } from "../helpers/winlogbeat8.js";

const SECTIONS = helkPipeline();
const SAMPLE = readFileSync(new URL("../fixtures/winlogbeat8/sysmon-sample.ndjson", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Record<string, unknown>);

const run = (json: Record<string, unknown>, topic = "winlogbeat") => {
  const r = runPipeline(SECTIONS, fromKafka(json, topic));
  if (r.outputs.length !== 1) throw new Error(`${r.outputs.length} outputs for one event`);
  return r.outputs[0] as { index: string; documentId?: string; source: Event };
};
const family = (index: string) => index.replace(/-\d{4}\.\d{2}\.\d{2}$/, "");
const props = (name: string) => indexTemplates().find((t) => t.name === name)?.body.template.mappings.properties as Record<string, unknown>;

let sets: MordorSet[];
/** Each set's events through the pipeline: flat, and converted to Winlogbeat 8 first. */
let ran: { file: string; pairs: { flat: Record<string, unknown>; a: ReturnType<typeof run>; b: ReturnType<typeof run> }[] }[];
beforeAll(async () => {
  sets = await Promise.all(readmeCounts().map((c) => readMordorSet(c.file)));
  ran = sets.map((set) => ({ file: set.file, pairs: set.events.map((flat) => ({ flat, a: run(flat), b: run(toWinlogbeat8(flat)) })) }));
}, 120_000);

describe("the model runs the real pipeline files", () => {
  it("conditions: Logstash's truthiness, comparisons, regexps and a reference into a string", () => {
    const e = { host: "wec", winlog: { channel: "Microsoft-Windows-Sysmon/Operational" }, n: 3 } as Event;
    expect(evalCondition(parseCondition('[winlog][channel] == "Microsoft-Windows-Sysmon/Operational"'), e)).toBe(true);
    expect(evalCondition(parseCondition("[host] and ![host][name]"), e)).toBe(true);
    expect(evalCondition(parseCondition("[n] > 2 and [winlog][channel] =~ /Sysmon/ and !([x] or [y])"), e)).toBe(true);
    expect(evalCondition(parseCondition('[winlog][channel] in ["a", "b"]'), e)).toBe(false);
    expect(() => parseCondition("[a] === 1")).toThrow(/not understood/);
  });

  it("refuses what it does not model (an unknown ruby snippet, a mutate option it does not apply)", () => {
    const ruby = parseLogstashConfig("filter { ruby { code => \"event.set('x', 1)\" } }");
    expect(() => runPipeline(ruby, {})).toThrow(/ruby code at line 1 is not modelled/);
    const gsub = parseLogstashConfig('filter { mutate { gsub => ["a", "b", "c"] } }');
    expect(() => runPipeline(gsub, {})).toThrow(/mutate option gsub is not modelled/);
  });
});

describe("routing: the same index family for an event in either layout", () => {
  it("every event of every set and its Winlogbeat 8 conversion go to the same index; Sysmon (by the README's definition) to the Sysmon one", () => {
    for (const set of ran) {
      const wrong: string[] = [];
      let sysmon = 0;
      for (const { flat, a: ra, b: rb } of set.pairs) {
        const a = ra.index;
        const b = rb.index;
        const expected = isSysmonFlat(flat) ? "logs-endpoint-winevent-sysmon" : "logs-endpoint-winevent";
        if (a !== b || family(a) !== expected) wrong.push(`${a} / ${b}, expected ${expected}: ${JSON.stringify(flat).slice(0, 100)}`);
        if (family(b) === "logs-endpoint-winevent-sysmon") sysmon++;
      }
      expect(wrong.slice(0, 5), set.file).toEqual([]);
      expect(sysmon, set.file).toBe(set.pairs.filter((p) => isSysmonFlat(p.flat)).length);
      expect(sysmon, set.file).toBeGreaterThan(0);
    }
  });

  it.each([
    ["the provider alone", { provider_name: "Microsoft-Windows-Sysmon" }],
    ["the channel alone", { channel: "Microsoft-Windows-Sysmon/Operational" }],
  ])("a Winlogbeat 8 event naming Sysmon by %s is a Sysmon event", (_what, winlog) => {
    const e = { "@timestamp": "2026-11-30T09:14:02.417Z", winlog: { event_id: "1", event_data: { ProcessGuid: "{x}" }, ...winlog } };
    expect(family(run(e).index)).toBe("logs-endpoint-winevent-sysmon");
  });

  it("the sample: four Sysmon events and one Security logon; the daily index is the event's own date", () => {
    expect(SAMPLE.map((e) => run(e).index)).toEqual([
      "logs-endpoint-winevent-2026.11.30",
      "logs-endpoint-winevent-sysmon-2026.11.30",
      "logs-endpoint-winevent-sysmon-2026.11.30",
      "logs-endpoint-winevent-sysmon-2026.11.30",
      "logs-endpoint-winevent-sysmon-2026.11.30",
    ]);
  });
});

describe("field copies: Winlogbeat 8 events carry the flat fields the flat path produces", () => {
  /**
   * The flat fields the Sysmon template maps (the names HELK's searches and joins use): not the
   * Winlogbeat objects (winlog, host, event, ...), not `message` (Winlogbeat's own), and not
   * NXLog's TimeCreated, Keywords and Task, which Winlogbeat carries only as @timestamp,
   * winlog.keywords and winlog.task.
   */
  const mapped = Object.entries(props("helk-sysmon"))
    .filter(([f, m]) => !(m as { properties?: unknown }).properties && !["TimeCreated", "Keywords", "Task", "message"].includes(f))
    .map(([f]) => f);

  it("for every event of every set: each template-mapped field has the same value in both layouts", () => {
    let compared = 0;
    const differ: string[] = [];
    for (const set of ran) {
      for (const { a: ra, b: rb } of set.pairs) {
        const a = ra.source;
        const b = rb.source;
        // The converter leaves out NXLog's TimeCreated; @timestamp is the same instant in both.
        for (const f of mapped) {
          if (JSON.stringify(b[f]) !== JSON.stringify(a[f]))
            differ.push(`${set.file} ${f}: ${JSON.stringify(a[f])} / ${JSON.stringify(b[f])}`);
          if (a[f] !== undefined) compared++;
        }
        // Windows' "-" for a missing address or port is removed in both layouts.
        for (const f of ["SourceIp", "DestinationIp", "SourcePort", "DestinationPort"])
          if (b[f] === "-") differ.push(`${set.file} ${f} is "-"`);
      }
    }
    expect(mapped).toEqual(
      expect.arrayContaining(["EventID", "Hostname", "Message", "ProcessGuid", "Image", "DestinationIp", "RecordNumber"]),
    );
    expect(differ.slice(0, 10)).toEqual([]);
    // Not vacuous: tens of thousands of field values compared across the four sets.
    expect(compared).toBeGreaterThan(50_000);
  });

  it("the sample's EID 1 and EID 3: flat fields lifted, types converted, winlog.* kept as sent", () => {
    const create = run(SAMPLE[1] as Record<string, unknown>).source;
    expect(create).toMatchObject({
      EventID: 1,
      SourceName: "Microsoft-Windows-Sysmon",
      Channel: "Microsoft-Windows-Sysmon/Operational",
      Hostname: "WKS-HELK-07.helk.test",
      RecordNumber: 1201,
      ProcessGuid: "{8A1C3E5B-7D2F-6A4B-1C00-000000001F03}",
      Image: "C:\\Windows\\System32\\regsvr32.exe",
      User: "HELK\\analyst",
      UtcTime: "2026-11-30T09:14:02.401Z",
      hash: { sha256: "0A6B2F6E5F1A2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5" },
      Message: "Process Create:\nRuleName: -",
      winlog: { event_id: "1", event_data: { ProcessGuid: "{8A1C3E5B-7D2F-6A4B-1C00-000000001F03}" } },
      host: { name: "WKS-HELK-07.helk.test" },
    });
    expect(create).not.toHaveProperty("@metadata");
    const connect = run(SAMPLE[2] as Record<string, unknown>).source;
    expect(connect).toMatchObject({ EventID: 3, SourcePort: 49822, DestinationPort: 8080, DestinationIp: "10.0.2.2" });
  });

  it("NXLog's string `host` leaves no string at `host` (Winlogbeat's host is an object): it becomes log.source.address", () => {
    const withHost = sets.flatMap((s) => s.events).filter((e) => typeof e.host === "string");
    expect(withHost.length).toBeGreaterThan(1000);
    for (const e of withHost.slice(0, 2000)) {
      const out = run(e).source;
      expect(out.host).toBeUndefined();
      expect((out.log as { source?: { address?: Json } }).source?.address).toBe(e.host);
    }
    expect(run(SAMPLE[0] as Record<string, unknown>).source.host).toEqual({ name: "WKS-HELK-07.helk.test" });
  });

  it("ksqlDB's joined documents keep their own index and a content id (a replayed join is the same document)", () => {
    const joined = {
      ProcessGuid: "{x}",
      Hostname: "h",
      network_time: "2026-11-30T09:14:05.902Z",
      SourceIp: "10.0.2.15",
      DestinationPort: "8080",
    };
    const a = run({ "@timestamp": "2026-12-01T00:00:00Z", ...joined }, "SYSMON_JOIN");
    const b = run({ "@timestamp": "2026-12-01T00:00:00Z", ...joined }, "SYSMON_JOIN");
    expect(a.index).toBe("sysmon-join-2026.12.01");
    expect(a.documentId).toMatch(/^[0-9a-f]{64}$/);
    expect(b.documentId).toBe(a.documentId);
  });
});
