/**
 * JSON lines judged in the worker thread (engine/replay/parse-worker.ts) count and key exactly as
 * on the main thread: the same lines, events, hosts, byte counts and unparsable examples, over
 * more than one batch (a batch is 512 KiB), with blank lines, a BOM, CRLF, non-objects and
 * broken lines among them.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { emptyCounts, type ReplayCounts } from "../../engine/replay/lines.js";
import { memberEvents } from "../../engine/replay/member-events.js";
import { ParseWorker } from "../../engine/replay/parse-worker.js";

const SAMPLE = new URL("../fixtures/winlogbeat8/sysmon-sample.ndjson", import.meta.url);

async function* chunks(buf: Buffer, size: number) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function read(buf: Buffer, worker?: ParseWorker): Promise<{ counts: ReplayCounts; events: { key: string | null; value: string }[] }> {
  const counts = emptyCounts();
  const events: { key: string | null; value: string }[] = [];
  for await (const e of memberEvents("m.json", chunks(buf, 65_536), counts, worker)) events.push({ key: e.key, value: e.value.toString() });
  return { counts, events };
}

describe("ParseWorker", () => {
  const worker = new ParseWorker();
  afterAll(() => worker.close());

  it("judges lines as the main thread does, batch after batch", async () => {
    const sample = readFileSync(SAMPLE, "utf8").split("\n").filter(Boolean);
    const odd = ["", "   ", "{bad", "[1,2]", '"text"', "42", '{"Hostname":"crlf"}\r', '{"Computer":"DESKTOP-ÅÄÖ"}', "nope"];
    const lines: string[] = ['\uFEFF{"Hostname":"bom"}'];
    for (let i = 0; lines.join("\n").length < 3 * 512 * 1024; i++) lines.push(sample[i % sample.length] as string, odd[i % odd.length] as string);
    const input = Buffer.from(`${lines.join("\n")}\n`);
    const here = await read(input);
    const there = await read(input, worker);
    expect(there.counts).toEqual(here.counts);
    expect(there.events).toEqual(here.events);
    // The comparison ran on every line (bytes count each line and its \n; a CRLF's \r is dropped with it).
    expect(here.counts.bytes).toBe(input.length - input.toString().split("\r\n").length + 1);
    expect(here.counts).toMatchObject({ unparsableExamples: ["m.json:7", "m.json:19", "m.json:25"] });
    expect(here.events.map((e) => e.key)).toEqual(expect.arrayContaining(["bom", "crlf", "DESKTOP-ÅÄÖ", "WKS-HELK-07.helk.test"]));
  });
});
