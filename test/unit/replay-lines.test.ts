import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { JsonArrayError, splitJsonArray } from "../../engine/replay/json-array.js";
import { hostKey, lineClassifier } from "../../engine/replay/line-classifier.js";
import { emptyCounts, type ReplayCounts } from "../../engine/replay/lines.js";
import { ArrayElementError, memberEvents } from "../../engine/replay/member-events.js";
import { nothingReplayed, type ReplayResult } from "../../engine/replay/replay.js";
import { sniff } from "../../engine/replay/sniff.js";

const SAMPLE = new URL("../fixtures/winlogbeat8/sysmon-sample.ndjson", import.meta.url);

/** Every chunk through one member's classifier, then its end; the events' text and the counts. */
function classifyAll(chunks: (string | Buffer)[], limit = Number.POSITIVE_INFINITY) {
  const c = lineClassifier(limit);
  const batches = [...chunks.map((chunk) => c.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk)), c.end()];
  const sum = (k: "blankLines" | "unparsableLines" | "nonObjectValues" | "bytes") => batches.reduce((n, b) => n + b[k], 0);
  return {
    values: batches.flatMap((b) => b.starts.map((s, i) => b.data.subarray(s, b.ends[i]).toString())),
    keys: batches.flatMap((b) => b.keys),
    unparsableAt: batches.flatMap((b) => b.unparsableAt),
    blankLines: sum("blankLines"),
    unparsableLines: sum("unparsableLines"),
    nonObjectValues: sum("nonObjectValues"),
    bytes: sum("bytes"),
    done: batches.some((b) => b.done),
  };
}

describe("lineClassifier: lines across chunks", () => {
  const o = (n: number) => `{"n":${n}}`;
  it.each([
    [[`${o(1)}\n${o(2)}\n`], [o(1), o(2)]],
    [[`${o(1)}\r\n${o(2)}`], [o(1), o(2)]],
    [
      ['{"n"', `:1}\n${o(2)}`, "\n", o(3)],
      [o(1), o(2), o(3)],
    ],
    [["\n\n"], []],
    [
      [`${o(1)}\r`, `\n${o(2)}`],
      [o(1), o(2)],
    ],
    // A line over three chunks, then lines wholly inside the last one.
    [
      ['{"', "n", `":1}\n${o(2)}\n${o(3)}\r\n`, o(4)],
      [o(1), o(2), o(3), o(4)],
    ],
    [['{"n":', "1}\r"], [o(1)]],
  ])("%j → %j", (chunks, lines) => {
    expect(classifyAll(chunks).values).toEqual(lines);
  });

  it("counts every byte at any chunk boundary, multi-byte characters cut in two included", () => {
    const text = '{"Hostname":"wörk","m":"é😀"}\r\n\n{bad\n{"Computer":"ß"}';
    const whole = classifyAll([text]);
    expect(whole).toMatchObject({ values: ['{"Hostname":"wörk","m":"é😀"}', '{"Computer":"ß"}'], keys: ["wörk", "ß"], blankLines: 1 });
    expect(whole.bytes).toBe(Buffer.byteLength(text));
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 3, 5, 13]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(classifyAll(chunks), `chunks of ${size}`).toEqual(whole);
    }
  });

  it("stops right after the limit-th event: the bytes and lines counted up to its line, nothing after", () => {
    const got = classifyAll([`${o(1)}\n\n${o(2)}\n{bad\n${o(3)}\n`, `${o(4)}\n`], 2);
    expect(got).toMatchObject({ values: [o(1), o(2)], blankLines: 1, unparsableLines: 0, done: true });
    expect(got.bytes).toBe(o(1).length + 1 + 1 + o(2).length + 1);
  });
});

describe("lineClassifier: what each line is", () => {
  it("counts events, blank lines, unparsable lines (first 3 named) and non-objects", () => {
    const lines = [
      '{"Hostname":"WS1","EventID":1}',
      "",
      "   ",
      "{bad",
      "[1,2]",
      '"text"',
      "42",
      "nope",
      "still nope",
      "again",
      '{"host":{"name":"ws2"}}',
    ];
    const got = classifyAll([lines.join("\n")]);
    expect(got).toMatchObject({ blankLines: 2, unparsableLines: 4, nonObjectValues: 3, unparsableAt: [4, 8, 9] });
    expect(got.keys).toEqual(["WS1", "ws2"]);
    expect(got.values[0]).toBe('{"Hostname":"WS1","EventID":1}');
  });

  it("keeps the line byte for byte, a leading BOM included", () => {
    const raw = '\uFEFF{"a": 1 ,  "Hostname" : "X"}';
    expect(classifyAll([raw])).toMatchObject({ values: [raw], keys: ["X"] });
  });

  it.each([
    [{ Hostname: "A" }, "A"],
    [{ host: { name: "B" } }, "B"],
    [{ winlog: { computer_name: "C" } }, "C"],
    [{ Computer: "D" }, "D"],
    [{ EventID: 1 }, null],
    // Winlogbeat 8 (ECS): host.name first, then winlog.computer_name; a flat Hostname wins over both.
    [{ host: { name: "ws8.helk.test" }, winlog: { computer_name: "WS8" } }, "ws8.helk.test"],
    [{ host: {}, winlog: { computer_name: "WS8", event_id: "1" } }, "WS8"],
    [{ Hostname: "flat", host: { name: "ecs" } }, "flat"],
    [{ host: "not-an-object" }, null],
  ])("host key of %j is %s", (event, key) => {
    expect(hostKey(event)).toBe(key);
  });
});

describe("sniff", () => {
  it("accepts JSON lines, even with a cut last line", () => {
    expect(sniff(Buffer.from('{"a":1}\n{"b":2}\n{"c":'), false)).toEqual({ ok: true });
  });
  it("refuses binary data", () => {
    const pcap = Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0]);
    expect(sniff(pcap, true)).toMatchObject({ ok: false, reason: expect.stringContaining("binary") });
  });
  it("accepts a JSON array, pretty-printed or on one line, a BOM before it", () => {
    expect(sniff(Buffer.from('[\n  {\n    "a": 1\n  }\n]\n'), true)).toEqual({ ok: true });
    expect(sniff(Buffer.from('\uFEFF  [{"a": 1}, {"b": 2}]'), true)).toEqual({ ok: true });
  });
  it("refuses a pretty-printed single object with a jq hint", () => {
    expect(sniff(Buffer.from('{\n  "a": 1,\n  "b": 2\n}\n'), true)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("jq -c ."),
    });
  });
  it("accepts a first line longer than the sample when it starts like a JSON object; refuses other text that long", () => {
    const long = `{"Hostname":"WS1","ScriptBlockText":"${"x".repeat(70_000)}"}`.slice(0, 64 * 1024);
    expect(sniff(Buffer.from(long), false)).toEqual({ ok: true });
    expect(sniff(Buffer.from(`\uFEFF ${long}`), false)).toEqual({ ok: true });
    expect(sniff(Buffer.from("y".repeat(64 * 1024)), false)).toEqual({
      ok: false,
      reason: "its first line is over 64 KiB and does not start like a JSON object",
    });
  });
  it("refuses text with no JSON line", () => {
    expect(sniff(Buffer.from("hello\nworld\n"), true)).toEqual({ ok: false, reason: "none of its first 2 lines is JSON" });
  });
});

/** Feeds `text` to a reader in chunks of `size` bytes (1 = every possible boundary). */
async function* chunked(text: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const buf = typeof text === "string" ? Buffer.from(text) : text;
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function elements(text: string | Buffer, size = 1 << 16): Promise<string[]> {
  const out: string[] = [];
  for await (const e of splitJsonArray(chunked(text, size))) out.push(e.value.toString());
  return out;
}

async function arrayError(text: string): Promise<JsonArrayError> {
  try {
    await elements(text, 3);
  } catch (err) {
    if (err instanceof JsonArrayError) return err;
    throw err;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

const sampleEvents = () =>
  readFileSync(SAMPLE, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("splitJsonArray", () => {
  it("the Winlogbeat 8 sample as a pretty-printed array: each element is the event's compact JSON, at any chunk boundary", async () => {
    const events = sampleEvents();
    const pretty = JSON.stringify(events, null, 2);
    // JSON.stringify's compact form is the oracle: the sample has no number whose digits it would change.
    const want = events.map((e) => JSON.stringify(e));
    expect(want).toHaveLength(5);
    for (const size of [1, 2, 7, 64, 4096, pretty.length]) expect(await elements(pretty, size), `chunks of ${size}`).toEqual(want);
    expect(await elements(JSON.stringify(events), 5)).toEqual(want);
  });

  it("keeps strings and numbers byte for byte; drops only the whitespace between tokens", async () => {
    const text = '[ { "s" : "a  b\\" ] } [ {\\"q\\" ,", "n" : 1.50 , "e": 1E+3, "u": "é\\u00e9" , "a" : [ 1 , 2 ] } ]';
    expect(await elements(text, 1)).toEqual(['{"s":"a  b\\" ] } [ {\\"q\\" ,","n":1.50,"e":1E+3,"u":"é\\u00e9","a":[1,2]}']);
  });

  it.each([
    ["[]", []],
    ["  [ ]  \n", []],
    ['[1, -2.5e3,true,null ,"x"]', ["1", "-2.5e3", "true", "null", '"x"']],
    ['[{"a":1}]\n[{"b":2}]\n', ['{"a":1}', '{"b":2}']],
    ['\uFEFF[{"a":1}]', ['{"a":1}']],
    ["[[1, 2], {}]", ["[1,2]", "{}"]],
  ])("%j → %j", async (text, want) => {
    expect(await elements(text, 2)).toEqual(want);
  });

  it("reports each element's position: its index, line and column", async () => {
    const got: [number, number, number][] = [];
    for await (const e of splitJsonArray(chunked('[\n  {"a": 1},\n\n    {"b": 2}, 7\n]', 4))) got.push([e.index, e.line, e.column]);
    expect(got).toEqual([
      [1, 2, 3],
      [2, 4, 5],
      [3, 4, 15],
    ]);
  });

  it.each([
    ['[{"a":1},]', "expected an element, found ']' at line 1, column 10", 1, 10],
    ['[{"a":1} {"b":2}]', "expected ',' or ']' after element 1, found '{' at line 1, column 10", 1, 10],
    ['[\n  {"a":1},\n  ,{"b":2}]', "expected an element, found ',' at line 3, column 3", 3, 3],
    ['[{"a":1}]\n{"b":2}\n', "unexpected '{' after the array's closing ']' at line 2, column 1", 2, 1],
    ['{"a":1}', "expected '[' (a JSON array), found '{' at line 1, column 1", 1, 1],
    [
      '[\n  {"a": 1},\n  {"b": "cut',
      "the array ends inside element 2 (from line 3) without its closing ']': truncated? (at line 3, column 13)",
      3,
      13,
    ],
    ['[{"a":1},\n', "the array ends after element 1 without its closing ']': truncated? (at line 2, column 1)", 2, 1],
    ["[1, 2", "the array ends after element 2 without its closing ']': truncated? (at line 1, column 6)", 1, 6],
  ])("broken: %j → %s", async (text, message, line, column) => {
    const err = await arrayError(text);
    expect(err.message).toBe(message);
    expect([err.line, err.column]).toEqual([line, column]);
  });
});

describe("memberEvents: JSON lines or a JSON array, decided by the first meaningful byte", () => {
  async function read(text: string | Buffer, size = 3): Promise<{ counts: ReplayCounts; events: { key: string | null; value: string }[] }> {
    const counts = emptyCounts();
    const events: { key: string | null; value: string }[] = [];
    for await (const batch of memberEvents("m.json", chunked(text, size), counts))
      for (const e of batch) events.push({ key: e.key, value: e.value.toString() });
    return { counts, events };
  }

  it("a one-line array of Winlogbeat 8 events: every element an event, keyed by host.name (today: 0 events, 1 non-object)", async () => {
    const events = sampleEvents();
    const { counts, events: got } = await read(JSON.stringify(events));
    expect(counts).toMatchObject({ events: 5, nonObjectValues: 0, jsonArrays: 1, unparsableLines: 0, blankLines: 0 });
    expect(got.map((e) => e.key)).toEqual(events.map((e) => (e.host as { name: string }).name));
    expect(got.map((e) => JSON.parse(e.value))).toEqual(events);
  });

  it("counts every byte of an array, and its non-object elements", async () => {
    const text = '\n  [ {"Hostname": "a"}, 1, [2], "s", {"winlog": {"computer_name": "b"}} ]\n';
    const { counts, events } = await read(text);
    expect(counts).toMatchObject({ events: 2, nonObjectValues: 3, jsonArrays: 1, bytes: Buffer.byteLength(text) });
    expect(events.map((e) => e.key)).toEqual(["a", "b"]);
  });

  it("JSON lines stay JSON lines, byte for byte, even when a later line is an array", async () => {
    const { counts, events } = await read('  {"Hostname": "a"}\n[1]\n{"b":2}\n');
    expect(counts).toMatchObject({ events: 2, nonObjectValues: 1, jsonArrays: 0 });
    expect(events.map((e) => e.value)).toEqual(['  {"Hostname": "a"}', '{"b":2}']);
  });

  it("an element that is not valid JSON breaks the array, named by its position", async () => {
    const err = await read('[\n  {"a": 1},\n  {"b": tru}\n]').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArrayElementError);
    expect((err as Error).message).toMatch(/^element 2 \(line 3, column 3\) is not valid JSON: /);
  });

  it("a BOM before the array, even split across chunks", async () => {
    for (const size of [1, 2, 64])
      expect((await read('\uFEFF [{"Hostname":"a"}]', size)).counts, `chunks of ${size}`).toMatchObject({ events: 1, jsonArrays: 1 });
  });

  it("an empty member yields nothing and counts nothing", async () => {
    expect((await read("")).counts).toEqual(emptyCounts());
  });
});

describe("nothingReplayed: a non-empty input with no event is an error (exit 7) that says what was found", () => {
  const result = (over: Partial<ReplayResult>): ReplayResult => ({
    ...emptyCounts(),
    members: 1,
    topic: "winlogbeat",
    bootstrap: "(dry run)",
    dryRun: true,
    seconds: 0,
    skipped: [],
    ...over,
  });
  it("events read, or nothing read at all: no error", () => {
    expect(nothingReplayed(result({ events: 1, bytes: 10 }))).toBeUndefined();
    expect(nothingReplayed(result({ bytes: 0 }))).toBeUndefined();
  });
  it("only non-objects: exit 7, the flattening hint", () => {
    const err = nothingReplayed(result({ bytes: 20, nonObjectValues: 1 }));
    expect(err?.exitCode).toBe(7);
    expect(err?.message).toBe("no events in 1 member (20 bytes read): 1 JSON value that is not an object");
    expect(err?.hint).toContain("jq -c '.[][]'");
  });
  it("unparsable and blank lines: exit 7, named, the compacting hint", () => {
    const err = nothingReplayed(result({ bytes: 30, blankLines: 2, unparsableLines: 3, unparsableExamples: ["f:1", "f:2", "f:4"] }));
    expect(err?.exitCode).toBe(7);
    expect(err?.message).toBe("no events in 1 member (30 bytes read): 2 blank lines, 3 unparsable lines (first: f:1, f:2, f:4)");
    expect(err?.hint).toContain("jq -c . FILE");
  });
});
