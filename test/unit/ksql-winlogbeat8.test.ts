/**
 * HELK's ksqlDB statements on both layouts that reach the winlogbeat topic: the flat Mordor sets
 * and Winlogbeat 8's (the hand-written sample in Winlogbeat's exact shape, and the Mordor sets
 * converted by test/helpers/winlogbeat8.ts). ksqlDB cannot run here: the events are read with the
 * statements' declared schema the way ksqlDB's JSON reader does, and the EID 1 / EID 3 streams'
 * WHERE and SELECT are evaluated by test/helpers/ksql-statements.ts. Windows are not modelled:
 * in arrival time a replayed set arrives within seconds, inside the 5-minute join window.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  checkStatements,
  columnRefs,
  deserialize,
  parseExpression,
  parseStatement,
  parseType,
  project,
  type SqlType,
  type StreamStatement,
  splitStatements,
  type Value,
} from "../helpers/ksql-statements.js";
import { isSysmonFlat, type MordorSet, readMordorSet, readmeCounts } from "../helpers/mordor.js";
import { type FlatEvent, toWinlogbeat8 } from "../helpers/winlogbeat8.js";

const SQL = readFileSync(new URL("../../images/ksqldb/statements/sysmon-join.sql", import.meta.url), "utf8");
const SAMPLE = readFileSync(new URL("../fixtures/winlogbeat8/sysmon-sample.ndjson", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Record<string, unknown>);

const statements = splitStatements(SQL).map(parseStatement);
const byName = new Map(statements.map((s) => [s.name, s]));
const streams = checkStatements(statements);
const SOURCE = streams.get("WINLOGBEAT_STREAM") as Map<string, SqlType>;
const PC = byName.get("SYSMON_PROCESS_CREATE") as StreamStatement;
const NC = byName.get("SYSMON_NETWORK_CONNECT") as StreamStatement;
const COUNTS = readmeCounts();

let sets: MordorSet[];
/** Each set through the EID 1 / EID 3 streams, flat and converted (the heavy part, done once). */
let streamed: { file: string; events: FlatEvent[]; flat: Record<string, Value>[][]; converted: Record<string, Value>[][] }[];
beforeAll(async () => {
  sets = await Promise.all(COUNTS.map((c) => readMordorSet(c.file)));
  streamed = sets.map((set) => {
    const converted = set.events.map(toWinlogbeat8);
    return {
      file: set.file,
      events: set.events,
      flat: [PC, NC].map((s) => selected(s, set.events)),
      converted: [PC, NC].map((s) => selected(s, converted)),
    };
  });
}, 180_000);

/** Does a JSON event hold this column path, matched as ksqlDB matches (exact name, then upper-cased)? */
function holds(event: unknown, path: string[]): boolean {
  let v: unknown = event;
  for (const name of path) {
    if (v === null || typeof v !== "object") return false;
    const o = v as Record<string, unknown>;
    const key = name in o ? name : Object.keys(o).find((k) => k.toUpperCase() === name);
    if (key === undefined || o[key] === null) return false;
    v = o[key];
  }
  return true;
}

/** Every column path a statement reads from its source (SELECT, WHERE, PARTITION BY). */
function pathsRead(s: StreamStatement): string[][] {
  const sel = s.select as NonNullable<StreamStatement["select"]>;
  const exprs = [...sel.items.map((i) => i.expression), sel.where ?? "", sel.partitionBy ?? ""].filter(Boolean);
  const seen = new Map<string, string[]>();
  for (const r of exprs.flatMap((e) => columnRefs(parseExpression(e)))) seen.set([r.column, ...r.path].join("->"), [r.column, ...r.path]);
  return [...seen.values()];
}

const eidOf = (e: Record<string, unknown>) => String((e.winlog as { event_id?: string } | undefined)?.event_id ?? e.EventID);
const rows = (events: Record<string, unknown>[]) =>
  events.map((e) => {
    const r = deserialize(e, SOURCE);
    if ("error" in r) throw new Error(`record refused: ${r.error}`);
    return r.row;
  });
const selected = (s: StreamStatement, events: Record<string, unknown>[]) =>
  rows(events)
    .map((r) => project(s, r))
    .filter((r): r is Record<string, Value> => r !== undefined);

describe("every field path the EID 1 and EID 3 statements read exists in the layouts HELK receives", () => {
  it.each([
    ["SYSMON_PROCESS_CREATE (EID 1)", PC, "1"],
    ["SYSMON_NETWORK_CONNECT (EID 3)", NC, "3"],
  ])("%s: winlog->... paths in Winlogbeat 8's events, the others in the flat Mordor events", (_name, s, eid) => {
    const paths = pathsRead(s);
    const nested = paths.filter((p) => p[0] === "WINLOG");
    const flat = paths.filter((p) => p[0] !== "WINLOG");
    expect(nested.length).toBeGreaterThanOrEqual(5);
    expect(flat.length).toBeGreaterThanOrEqual(5);
    const sampleEvents = SAMPLE.filter((e) => eidOf(e) === eid);
    const flatEvents = sets.flatMap((x) => x.events).filter((e) => isSysmonFlat(e) && String(e.EventID) === eid);
    const converted = flatEvents.map(toWinlogbeat8);
    expect(sampleEvents.length).toBeGreaterThan(0);
    // Winlogbeat's own shape (the hand-written sample) and the converted sets hold every nested path.
    expect(nested.filter((p) => !sampleEvents.some((e) => holds(e, p))).map((p) => p.join("->"))).toEqual([]);
    expect(nested.filter((p) => !converted.some((e) => holds(e, p))).map((p) => p.join("->"))).toEqual([]);
    // The flat paths are the Mordor layout's (`@timestamp` is in both).
    expect(flat.filter((p) => !flatEvents.some((e) => holds(e, p))).map((p) => p.join("->"))).toEqual([]);
    // Each flat value has its nested twin: no output column that only one layout fills.
    for (const layout of [sampleEvents, converted.slice(0, 50)]) {
      const out = selected(s, layout);
      expect(out.length).toBeGreaterThan(0);
      const empty = Object.keys(out[0] as object).filter((c) => out.every((r) => r[c] === null));
      expect(empty).toEqual([]);
    }
  });

  it("the check is real: a path Winlogbeat 8 does not send is found missing", () => {
    const ev = SAMPLE.find((e) => eidOf(e) === "1");
    expect(holds(ev, ["WINLOG", "EVENT_DATA", "PROCESSGUID"])).toBe(true);
    expect(holds(ev, ["WINLOG", "EVENT_DATA", "DESTINATIONIP"])).toBe(false);
    expect(holds(ev, ["PROCESSGUID"])).toBe(false);
  });
});

describe("the statements evaluated on both layouts", () => {
  it("every event of every set deserializes in both layouts (none would be dropped by ksqlDB's JSON reader)", { timeout: 60_000 }, () => {
    for (const set of sets) {
      const all = [...set.events, ...set.events.map(toWinlogbeat8)];
      const refused = all.map((e) => deserialize(e, SOURCE)).filter((r) => "error" in r);
      expect(refused, set.file).toEqual([]);
    }
    expect(SAMPLE.map((e) => deserialize(e, SOURCE)).filter((r) => "error" in r)).toEqual([]);
  });

  it("EID 1 and EID 3 streams select the same events with the same values from a set and its Winlogbeat 8 conversion", () => {
    for (const set of streamed) {
      for (const i of [0, 1]) {
        expect(set.flat[i]?.length, `${set.file} ${i ? "EID 3" : "EID 1"}`).toBeGreaterThan(0);
        expect(set.converted[i], `${set.file} ${i ? "EID 3" : "EID 1"}`).toEqual(set.flat[i]);
      }
      // Independently of the statements: the README's definition of a Sysmon EID 1 / EID 3.
      const eid1 = set.events.filter((e) => isSysmonFlat(e) && e.EventID === 1);
      const eid3 = set.events.filter((e) => isSysmonFlat(e) && e.EventID === 3);
      expect(set.converted[0]?.map((r) => r.PROCESSGUID)).toEqual(eid1.map((e) => e.ProcessGuid));
      expect(set.converted[1]?.map((r) => r.PROCESSGUID)).toEqual(eid3.map((e) => e.ProcessGuid));
    }
  });

  it("joined on the key, both layouts give the README's count of joinable EID 3 events per set", () => {
    for (const set of streamed) {
      const expected = COUNTS.find((c) => c.file === set.file)?.joinableEid3;
      // Counted here from the raw events, as the README defines it.
      const guids1 = new Set(set.events.filter((e) => isSysmonFlat(e) && e.EventID === 1).map((e) => e.ProcessGuid));
      const independent = set.events.filter((e) => isSysmonFlat(e) && e.EventID === 3 && guids1.has(e.ProcessGuid)).length;
      expect(independent, set.file).toBe(expected);
      for (const [creates, connects] of [set.flat, set.converted] as Record<string, Value>[][][]) {
        // An inner join emits one row per (EID 3, EID 1) pair with the same key.
        const pairs = (connects ?? []).flatMap((n) => (creates ?? []).filter((p) => p.PROCESSGUID === n.PROCESSGUID));
        expect(pairs.length, set.file).toBe(expected);
      }
    }
  });

  it("the Winlogbeat 8 sample: one joinable pair; the Security logon and the EID 5 select nothing", () => {
    const creates = selected(PC, SAMPLE);
    const connects = selected(NC, SAMPLE);
    expect(creates.map((r) => r.IMAGE)).toEqual(["C:\\Windows\\System32\\regsvr32.exe"]);
    expect(connects).toHaveLength(2);
    const pairs = connects.filter((n) => creates.some((p) => p.PROCESSGUID === n.PROCESSGUID));
    expect(pairs).toHaveLength(1);
    expect(pairs[0]).toMatchObject({ HOSTNAME: "WKS-HELK-07.helk.test", DESTINATIONIP: "10.0.2.2", DESTINATIONPORT: "8080" });
  });

  it("why `host` is not declared: as STRUCT<name VARCHAR> ksqlDB would drop every flat event whose NXLog host is a string", () => {
    const withHost = new Map([...SOURCE, ["HOST", parseType("STRUCT<name VARCHAR>")]]);
    const flatWithHost = sets.flatMap((s) => s.events).filter((e) => typeof e.host === "string") as FlatEvent[];
    expect(flatWithHost.length).toBeGreaterThan(0);
    expect(deserialize(flatWithHost[0] as FlatEvent, withHost)).toMatchObject({ error: expect.stringMatching(/requiredType: STRUCT/) });
    expect(deserialize(SAMPLE[1] as FlatEvent, withHost)).toHaveProperty("row");
    expect(flatWithHost.every((e) => "row" in deserialize(e, SOURCE))).toBe(true);
  });
});
