/**
 * engine/replay/chunk-pool.ts: a plain file's read buffers are reused, and only once nothing
 * needs their bytes. A buffer reused too early would put another event's bytes under an event
 * not yet acknowledged (a resend would send them): the replay below checks every event's bytes
 * when its batch is acknowledged, late and out of order, and that buffers were in fact reused.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { KafkaAccess } from "../../compose/kafka-access.js";
import { chunkPoolStats, FILE_CHUNK_BYTES, holdChunk, releaseChunk, takeChunk } from "../../engine/replay/chunk-pool.js";
import type { ReplayEvent } from "../../engine/replay/lines.js";
import { replay } from "../../engine/replay/replay.js";

describe("chunk pool: holders", () => {
  it("a buffer comes back only when its last holder lets go", () => {
    const a = takeChunk(FILE_CHUNK_BYTES, 2);
    holdChunk(a.buffer, 3);
    releaseChunk(a.buffer, 4);
    expect(takeChunk(FILE_CHUNK_BYTES, 1).buffer).not.toBe(a.buffer);
    releaseChunk(a.buffer);
    const again = takeChunk(FILE_CHUNK_BYTES, 1);
    expect(again.buffer).toBe(a.buffer);
  });

  it("a buffer larger than a pooled one is never kept; an unknown one is ignored", () => {
    const big = takeChunk(4 * FILE_CHUNK_BYTES, 1);
    releaseChunk(big.buffer);
    expect(takeChunk(FILE_CHUNK_BYTES, 1).buffer).not.toBe(big.buffer);
    const stranger = Buffer.allocUnsafeSlow(FILE_CHUNK_BYTES + 64 * 1024);
    releaseChunk(stranger.buffer);
    holdChunk(stranger.buffer, 1);
    expect(takeChunk(FILE_CHUNK_BYTES, 1).buffer).not.toBe(stranger.buffer);
  });
});

describe("chunk pool: a replay whose acknowledgements come late and out of order", () => {
  const dir = mkdtempSync(join(tmpdir(), "helk-chunk-pool-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("every event keeps its own bytes until acknowledged, and read buffers are reused", async () => {
    // 40,000 lines of different lengths (~7 MB): chunks end at different places in the lines.
    const lines = Array.from({ length: 40_000 }, (_, i) => JSON.stringify({ Hostname: `h${i % 5}`, i, pad: "p".repeat((i * 7919) % 300) }));
    const file = join(dir, "events.jsonl");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const reusedBefore = chunkPoolStats.reused;
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const acknowledged: string[][] = [];
    const wrong: string[] = [];
    const result = await replay({
      paths: [file],
      topic: "winlogbeat",
      kafka: { brokers: ["127.0.0.1:9"] } as unknown as KafkaAccess,
      dryRun: false,
      batchSize: 700,
      sink: () => undefined,
      producer: async () => ({
        send: async (batch: ReplayEvent[]) => {
          const atSend = batch.map((e) => e.value.toString("utf8"));
          // Acknowledged 0-20 ms later, so later batches (and reads) overtake this one.
          await new Promise((r) => setTimeout(r, random() * 20));
          const atAck = batch.map((e) => e.value.toString("utf8"));
          for (let i = 0; i < atAck.length; i++)
            if (atAck[i] !== atSend[i]) wrong.push(`${atSend[i]?.slice(0, 40)} became ${atAck[i]?.slice(0, 40)}`);
          acknowledged.push(atAck);
        },
        close: async () => undefined,
      }),
    });
    expect(wrong.slice(0, 3)).toEqual([]);
    expect(result.events).toBe(40_000);
    const seen = acknowledged.flat().sort((a, b) => (JSON.parse(a) as { i: number }).i - (JSON.parse(b) as { i: number }).i);
    expect(seen).toEqual(lines);
    expect(chunkPoolStats.reused - reusedBefore).toBeGreaterThan(5);
  });
});
