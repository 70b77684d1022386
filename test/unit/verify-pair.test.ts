/**
 * `helk verify`'s pair is what a real endpoint sends: the field layout of the hand-written
 * Winlogbeat 8 sample (test/fixtures/winlogbeat8), dated by the clock it is given, marked so
 * users can filter it; and a failed join hop says why from the job's report.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { joinLagDetail, pairQuery, syntheticPair, VERIFY_HOST, VERIFY_TAG } from "../../engine/stack/verify-pair.js";

const SAMPLE = readFileSync(new URL("../fixtures/winlogbeat8/sysmon-sample.ndjson", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Record<string, unknown>);
const sampleOf = (eventId: string) =>
  SAMPLE.find((e) => (e.winlog as { event_id: string }).event_id === eventId) as Record<string, unknown>;

/** Every leaf of a document as "path: type" (arrays are leaves). */
function leaves(doc: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  if (doc !== null && typeof doc === "object" && !Array.isArray(doc)) {
    for (const [k, v] of Object.entries(doc)) for (const [p, t] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(p, t);
  } else out.set(prefix, Array.isArray(doc) ? "array" : typeof doc);
  return out;
}

const NOW = Date.parse("2026-12-01T12:00:00.000Z");
const GUID = "{6c1d1b1e-1111-4222-8333-944455556666}";

describe("verify's synthetic pair", () => {
  const pair = syntheticPair(GUID, NOW);

  it.each([
    ["create", "1"],
    ["connect", "3"],
  ] as const)("%s has the sample's EID %s layout: the same envelope fields and types, event_data fields Sysmon has", (side, eventId) => {
    const sample = leaves(sampleOf(eventId));
    const mine = leaves(pair[side]);
    const envelope = (m: Map<string, string>) => [...m].filter(([p]) => !p.startsWith("winlog.event_data.") && p !== "tags");
    expect(envelope(mine)).toEqual(envelope(sample));
    const data = [...mine].filter(([p]) => p.startsWith("winlog.event_data."));
    for (const [path, type] of data) expect(sample.get(path), path).toBe(type);
    expect(data.map(([p]) => p)).toEqual(
      expect.arrayContaining(["winlog.event_data.ProcessGuid", "winlog.event_data.Image", "winlog.event_data.UtcTime"]),
    );
  });

  it("is dated by the clock: the connection now, its process 1.5 s before, Sysmon's UtcTime format", () => {
    const at = (e: Record<string, unknown>) => Date.parse(e["@timestamp"] as string);
    expect(at(pair.connect)).toBe(NOW);
    expect(at(pair.create)).toBe(NOW - 1500);
    const utc = (e: Record<string, unknown>) => (e.winlog as { event_data: { UtcTime: string } }).event_data.UtcTime;
    expect(utc(pair.connect)).toBe("2026-12-01 12:00:00.000");
    expect(utc(pair.create)).toBe("2026-12-01 11:59:58.500");
    // The same format as the sample's.
    expect(utc(pair.create)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    expect(utc(sampleOf("1"))).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
  });

  it("one ProcessGuid in both, string event ids, Sysmon's provider and channel, the verify host and tag", () => {
    for (const [e, id] of [
      [pair.create, "1"],
      [pair.connect, "3"],
    ] as const) {
      const w = e.winlog as Record<string, unknown> & { event_data: Record<string, string> };
      expect(w.event_id).toBe(id);
      expect((e.event as { code: string }).code).toBe(id);
      expect(w.event_data.ProcessGuid).toBe(GUID);
      expect(w.provider_name).toBe("Microsoft-Windows-Sysmon");
      expect(w.channel).toBe("Microsoft-Windows-Sysmon/Operational");
      expect(w.computer_name).toBe(VERIFY_HOST);
      expect((e.host as { name: string }).name).toBe(VERIFY_HOST);
      expect(e.tags).toEqual([VERIFY_TAG]);
      // No flat field: the pair tests the nested path, which is what real endpoints send.
      expect(e.EventID ?? e.ProcessGuid ?? e.Hostname).toBeUndefined();
    }
  });

  it("a fresh clock, a fresh date: nothing fixed in the past", () => {
    const later = syntheticPair(GUID, NOW + 86_400_000);
    expect(Date.parse(later.connect["@timestamp"] as string) - Date.parse(pair.connect["@timestamp"] as string)).toBe(86_400_000);
  });

  it("its query finds it normalised (top-level ProcessGuid) or raw (winlog.event_data.ProcessGuid)", () => {
    expect(pairQuery(GUID).bool.should).toEqual([{ term: { ProcessGuid: GUID } }, { term: { "winlog.event_data.ProcessGuid": GUID } }]);
  });
});

describe("joinLagDetail: why the Spark join gave no document", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");
  const report = (over: Record<string, unknown>) => ({ "@timestamp": "2026-12-01T11:59:58Z", active: true, ...over });
  const at = { partition: 2, lastOffset: 41 };
  it.each([
    [undefined, "the job has not reported yet (helk status stream-join)"],
    [report({ "@timestamp": "2026-12-01T11:58:00Z" }), "the job has not reported for 120 s: is it running? (helk status stream-join)"],
    [report({ active: false }), "the job reports its query stopped: is it running? (helk status stream-join)"],
    [
      report({ source_end_offsets: JSON.stringify({ winlogbeat: { "2": 42 } }) }),
      "the job has read past the pair (partition 2, offset 41) without joining it: check `helk logs stream-join`",
    ],
    [
      report({ source_end_offsets: JSON.stringify({ winlogbeat: { "2": 41, "0": 900 } }) }),
      "the job is still reading what came before the pair (partition 2: at offset 41, the pair at 41): run verify again with a longer --timeout",
    ],
    [report({ source_end_offsets: "{broken" }), "the job is running; its report does not say how far it has read"],
  ])("%j → %s", (status, detail) => {
    expect(joinLagDetail(status, "winlogbeat", at, now)).toBe(detail);
  });
});
