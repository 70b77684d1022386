import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FILE_CHUNK_BYTES, planSources } from "../../engine/replay/sources.js";

describe("planSources: a plain file", () => {
  const dir = mkdtempSync(join(tmpdir(), "helk-replay-sources-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is read in 256 KiB chunks (bench:replay's choice), every byte once", async () => {
    const file = join(dir, "events.jsonl");
    const line = `${JSON.stringify({ Hostname: "WS1", Message: "x".repeat(200) })}\n`;
    const text = line.repeat(Math.ceil((2.5 * FILE_CHUNK_BYTES) / line.length));
    writeFileSync(file, text);
    const plan = await planSources([file]);
    const chunks: Buffer[] = [];
    for await (const member of plan.members()) for await (const chunk of await member.open()) chunks.push(chunk as Buffer);
    expect(FILE_CHUNK_BYTES).toBe(256 * 1024);
    expect(chunks.map((c) => c.length)).toEqual([FILE_CHUNK_BYTES, FILE_CHUNK_BYTES, text.length - 2 * FILE_CHUNK_BYTES]);
    expect(Buffer.concat(chunks).toString()).toBe(text);
  });
});
