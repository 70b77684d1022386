/**
 * engine/replay/line-classifier.ts on the real Mordor sets: whatever the chunk size, the events
 * (key and bytes) and the counts are those of the whole input classified at once, and those the
 * shared README gives.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventScanner } from "../../engine/replay/event-scan.js";
import { type LineBatch, lineClassifier } from "../../engine/replay/line-classifier.js";

const MORDOR = fileURLToPath(new URL("../../../shared/datasets/mordor/", import.meta.url));

/** What a run of batches amounts to: every event's key and bytes, and the counts. */
function summary(batches: LineBatch[]) {
  return {
    events: batches.flatMap((b) => b.starts.map((s, i) => `${b.keys[i]}|${b.data.subarray(s, b.ends[i]).toString("base64")}`)),
    blankLines: batches.reduce((n, b) => n + b.blankLines, 0),
    unparsableAt: batches.flatMap((b) => b.unparsableAt),
    nonObjectValues: batches.reduce((n, b) => n + b.nonObjectValues, 0),
    bytes: batches.reduce((n, b) => n + b.bytes, 0),
  };
}

function classified(buf: Buffer, size: number, limit = Number.POSITIVE_INFINITY, scanner = eventScanner()): LineBatch[] {
  const c = lineClassifier(limit, scanner);
  const out: LineBatch[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(c.push(buf.subarray(i, i + size)));
  out.push(c.end());
  return out;
}

describe("lineClassifier on the four Mordor sets", () => {
  let dir: string;
  let sets: Buffer;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "helk-line-classifier-"));
    for (const zip of readdirSync(MORDOR).filter((f) => f.endsWith(".zip")))
      execFileSync("unzip", ["-q", "-o", join(MORDOR, zip), "-d", dir]);
    sets = Buffer.concat(
      readdirSync(dir)
        .sort()
        .map((f) => readFileSync(join(dir, f))),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the README's counts, every byte, and the same events at chunk sizes from 1 KiB to 1 MiB", () => {
    const whole = summary(classified(sets, sets.length));
    // The shared README counts 424 + 8,121 + 2,390 + 2,657 JSON objects and one blank line.
    expect(whole.events).toHaveLength(13_592);
    expect(whole.blankLines).toBe(1);
    expect(whole.bytes).toBe(sets.length);
    for (const size of [1024, 7919, 65_536, 1 << 20]) expect(summary(classified(sets, size)), `chunks of ${size}`).toEqual(whole);
  });

  it("the WebAssembly scanner gives what JSON.parse of every line gives, at any chunk size and limit", () => {
    expect(eventScanner(), "the scanner loads on this Node.js").not.toBeNull();
    const byParse = summary(classified(sets, sets.length, Number.POSITIVE_INFINITY, null));
    expect(byParse.events).toHaveLength(13_592);
    for (const size of [1024, 65_536, sets.length]) expect(summary(classified(sets, size)), `chunks of ${size}`).toEqual(byParse);
    expect(summary(classified(sets, 7919, 5000))).toEqual(summary(classified(sets, 7919, 5000, null)));
  });

  it("a limit takes the first events exactly, at any chunk size", () => {
    const first = summary(classified(sets, sets.length)).events.slice(0, 100);
    for (const size of [1024, 65_536]) expect(summary(classified(sets, size, 100)).events).toEqual(first);
  });
});
