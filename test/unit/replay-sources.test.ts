import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FILE_CHUNK_BYTES, planSources } from "../../engine/replay/sources.js";

describe("planSources: a plain file", () => {
  const dir = mkdtempSync(join(tmpdir(), "helk-replay-sources-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const chunksOf = async (text: string, name: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    const plan = await planSources([file]);
    const chunks: Buffer[] = [];
    for await (const member of plan.members()) for await (const chunk of await member.open()) chunks.push(chunk as Buffer);
    return chunks;
  };

  it("is read in chunks of about 256 KiB (bench:replay's choice) that end at a line's end, every byte once", async () => {
    const line = `${JSON.stringify({ Hostname: "WS1", Message: "x".repeat(200) })}\n`;
    const text = line.repeat(Math.ceil((2.5 * FILE_CHUNK_BYTES) / line.length));
    const chunks = await chunksOf(text, "events.jsonl");
    expect(FILE_CHUNK_BYTES).toBe(256 * 1024);
    expect(chunks).toHaveLength(3);
    for (const c of chunks) {
      expect(c.at(-1), "ends at a line's end").toBe(10);
      expect(c.length % line.length, "whole lines").toBe(0);
      expect(c.length).toBeLessThanOrEqual(FILE_CHUNK_BYTES + line.length);
    }
    expect(chunks[0]?.length).toBeGreaterThan(FILE_CHUNK_BYTES - line.length);
    expect(Buffer.concat(chunks).toString()).toBe(text);
  });

  it("a line longer than a chunk, and a last line without its end: every byte once, in order", async () => {
    const long = `{"Hostname":"WS1","Message":"${"y".repeat(FILE_CHUNK_BYTES + 1000)}"}\n`;
    const text = `{"a":1}\n${long}{"b":2}\n{"c":3}`;
    const chunks = await chunksOf(text, "long.jsonl");
    expect(Buffer.concat(chunks).toString()).toBe(text);
    expect(chunks.at(-1)?.toString().endsWith('{"c":3}')).toBe(true);
    expect(chunks.length).toBeGreaterThan(1);
  });
});
