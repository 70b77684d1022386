/**
 * Replay's LZ4 batches (engine/replay/kafka-producer.ts compressedPieces, batch-sender.ts): a
 * batch compresses into one piece the topic takes, data that compresses badly is split into
 * pieces each under the limit, in order, every record once; and a sink that compresses frees the
 * events' read buffers when it is called, not when Kafka acknowledges. (Into a real broker:
 * replay-kafka.test.ts; the bytes against the Kafka client's encoder: replay-record-batch.test.ts.)
 */
import { randomBytes } from "node:crypto";
import { Reader, readRecordsBatch } from "@platformatic/kafka";
import { describe, expect, it } from "vitest";
import { BatchSender } from "../../engine/replay/batch-sender.js";
import { chunkPoolStats, FILE_CHUNK_BYTES, takeChunk } from "../../engine/replay/chunk-pool.js";
import { compressedPieces } from "../../engine/replay/kafka-producer.js";
import type { ReplayEvent } from "../../engine/replay/lines.js";
import { type BatchRecord, compressedBatchSize, writeCompressedBatch } from "../../engine/replay/record-batch.js";

const key = Buffer.from("WORKSTATION5.theshire.local");
/** A Sysmon-like event: compresses about tenfold, as the shared sets do. */
const sysmon = (i: number): BatchRecord => ({
  key,
  value: Buffer.from(
    JSON.stringify({
      EventID: 1,
      Hostname: "WORKSTATION5.theshire.local",
      ProcessGuid: `{${i}-5cb8-0000-0010-aaaa}`,
      Image: "C:\\Windows\\System32\\cmd.exe",
      CommandLine: `cmd.exe /c whoami ${i}`,
    }),
  ),
});

/** The records a piece carries, read back from its batch as the broker would. */
function readBack(piece: ReturnType<typeof compressedPieces>[number]): string[] {
  const compressed = piece.compressed;
  if (!compressed) throw new Error("piece not compressed");
  const batch = Buffer.alloc(compressedBatchSize(compressed));
  writeCompressedBatch(compressed, { ids: { producerId: 1n, producerEpoch: 0 }, sequence: 0, now: 0 }, batch, 0);
  return readRecordsBatch(Reader.from(batch)).records.map((r) => (r.value as Buffer).toString("latin1"));
}

describe("compressedPieces", () => {
  it("a batch of events that compress well goes as one piece, far under the events' size", () => {
    const records = Array.from({ length: 8000 }, (_, i) => sysmon(i));
    const raw = records.reduce((s, r) => s + r.value.length, 0);
    expect(raw).toBeGreaterThan(1_000_000);
    const pieces = compressedPieces(records, 1_000_000);
    expect(pieces).toHaveLength(1);
    expect(compressedBatchSize(pieces[0]?.compressed as never)).toBeLessThan(raw / 5);
    expect(readBack(pieces[0] as never)).toEqual(records.map((r) => (r.value as Buffer).toString("latin1")));
  });

  it("data that does not compress is split into pieces each under the limit, in order, every record once", () => {
    const records = Array.from({ length: 200 }, () => ({ key, value: randomBytes(10_000) }));
    const pieces = compressedPieces(records, 300_000);
    expect(pieces.length).toBeGreaterThanOrEqual(7);
    for (const piece of pieces) expect(compressedBatchSize(piece.compressed as never)).toBeLessThanOrEqual(300_000);
    expect(pieces.flatMap(readBack)).toEqual(records.map((r) => (r.value as Buffer).toString("latin1")));
  });

  it("a record alone over the limit goes as it is, for the broker to judge (as without compression)", () => {
    const big = { key, value: randomBytes(400_000) };
    const pieces = compressedPieces([big], 300_000);
    expect(pieces).toHaveLength(1);
    expect(readBack(pieces[0] as never)).toEqual([big.value.toString("latin1")]);
  });
});

describe("a sink that compresses", () => {
  /** Events cut from one pooled read buffer, and a sink that never answers (a slow broker). */
  async function sendAndPeek(copiesOnSend: boolean): Promise<boolean> {
    const chunk = takeChunk(FILE_CHUNK_BYTES, 10);
    const events: ReplayEvent[] = Array.from({ length: 10 }, (_, i) => ({ key: "ws1", value: chunk.subarray(i * 100, i * 100 + 100) }));
    const sink = { copiesOnSend, partitionOf: () => 0, send: () => new Promise<void>(() => undefined), close: async () => undefined };
    const sender = new BatchSender({}, sink, { now: () => 0, sleep: async () => undefined }, 0, (err) => err);
    await sender.send(events);
    // Reused now only if every event let go of it.
    const before = chunkPoolStats.reused;
    const next = takeChunk(FILE_CHUNK_BYTES, 1);
    return chunkPoolStats.reused > before && next.buffer === chunk.buffer;
  }

  it("frees the events' read buffers as soon as it was sent them; one that does not, only once acknowledged", async () => {
    expect(await sendAndPeek(false)).toBe(false);
    expect(await sendAndPeek(true)).toBe(true);
  });
});
