import { describe, expect, it } from "vitest";
import { classifyLine, emptyCounts, hostKey, splitLines } from "../../engine/replay/lines.js";
import { sniff } from "../../engine/replay/sniff.js";

async function collect(chunks: (string | Buffer)[]): Promise<string[]> {
  const out: string[] = [];
  for await (const l of splitLines(
    (async function* () {
      yield* chunks;
    })(),
  ))
    out.push(l.toString());
  return out;
}

describe("splitLines", () => {
  it.each([
    [["a\nb\n"], ["a", "b"]],
    [["a\r\nb"], ["a", "b"]],
    [
      ["a", "b\nc", "\n", "d"],
      ["ab", "c", "d"],
    ],
    [["\n\n"], ["", ""]],
    [
      ["x\r", "\ny"],
      ["x", "y"],
    ],
  ])("%j → %j", async (chunks, lines) => {
    expect(await collect(chunks)).toEqual(lines);
  });
});

describe("classifyLine", () => {
  it("counts events, blank lines, unparsable lines (first 3 shown) and non-objects", () => {
    const counts = emptyCounts();
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
    const events = lines.map((l, i) => classifyLine(Buffer.from(l), () => `f.json:${i + 1}`, counts)).filter(Boolean);
    expect(counts).toMatchObject({ events: 2, blankLines: 2, unparsableLines: 4, nonObjectValues: 3 });
    expect(counts.unparsableExamples).toEqual(["f.json:4", "f.json:8", "f.json:9"]);
    expect(events.map((e) => e?.key)).toEqual(["WS1", "ws2"]);
    expect(events[0]?.value.toString()).toBe('{"Hostname":"WS1","EventID":1}');
  });

  it("keeps the line byte for byte, a leading BOM included", () => {
    const counts = emptyCounts();
    const raw = Buffer.from('\uFEFF{"a": 1 ,  "Hostname" : "X"}');
    expect(classifyLine(raw, () => "x", counts)?.value.equals(raw)).toBe(true);
  });

  it.each([
    [{ Hostname: "A" }, "A"],
    [{ host: { name: "B" } }, "B"],
    [{ winlog: { computer_name: "C" } }, "C"],
    [{ Computer: "D" }, "D"],
    [{ EventID: 1 }, null],
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
  it("refuses a pretty-printed JSON array with a hint", () => {
    expect(sniff(Buffer.from('[\n  {\n    "a": 1\n  }\n]\n'), true)).toMatchObject({ ok: false, reason: expect.stringContaining("jq -c") });
  });
  it("refuses text with no JSON line", () => {
    expect(sniff(Buffer.from("hello\nworld\n"), true)).toEqual({ ok: false, reason: "none of its first 2 lines is JSON" });
  });
});
