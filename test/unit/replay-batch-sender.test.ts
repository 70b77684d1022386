/**
 * engine/replay/batch-sender.ts: each batch holds one partition's events, in their order, up to
 * BATCH_BYTES; events waiting across partitions stay bounded, and so do the read buffers they
 * hold; a sink that does not say where events go gets them in one batch; a failed send fails
 * the replay. (Into a real broker: replay-kafka.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { BATCH_BYTES, BatchSender, HELD_READ_BYTES } from "../../engine/replay/batch-sender.js";
import { batchBytesFor, KEYLESS } from "../../engine/replay/kafka-producer.js";
import type { ReplayEvent } from "../../engine/replay/lines.js";

const clock = { now: () => 0, sleep: async () => undefined };
const partitions: Record<string, number> = { ws1: 0, ws2: 1, dc: 2 };

/** A sink that records each batch it is sent and acknowledges it at once. */
function recordingSink(partitionOf = true) {
  const batches: ReplayEvent[][] = [];
  return {
    batches,
    sink: {
      ...(partitionOf ? { partitionOf: (key: string | null) => (key === null ? KEYLESS : (partitions[key] as number)) } : {}),
      send: async (batch: ReplayEvent[]) => {
        batches.push(batch);
      },
      close: async () => undefined,
    },
  };
}

const event = (key: string | null, i: number, size = 100): ReplayEvent => ({ key, value: Buffer.alloc(size, i % 256) });

/** Every event through the sender as replay.ts does, then the last batches. */
async function replayAll(sender: BatchSender, events: ReplayEvent[]) {
  for (const e of events) {
    const ready = sender.add(e);
    if (ready) await sender.send(ready);
  }
  await sender.flush();
  await sender.settle();
}

describe("BatchSender", () => {
  it("batches each partition's events apart, in order, none over BATCH_BYTES, every event once", async () => {
    const { batches, sink } = recordingSink();
    const sender = new BatchSender({}, sink, clock, 0, (err) => err);
    const hosts = ["ws1", "ws2", "dc", null];
    // Interleaved hosts, events of 100 B to 60 KB.
    const events = Array.from({ length: 3000 }, (_, i) => event(hosts[(i * 7) % 4] as string | null, i, 100 + ((i * 7919) % 60_000)));
    await replayAll(sender, events);
    expect(sender.sent).toBe(3000);
    expect(batches.flat()).toHaveLength(3000);
    for (const batch of batches) {
      expect(new Set(batch.map((e) => e.key)).size, "one host's partition per batch").toBe(1);
      expect(batch.reduce((s, e) => s + e.value.length + (e.key?.length ?? 0) * 3 + 32, 0)).toBeLessThanOrEqual(BATCH_BYTES);
    }
    // Within a partition, the order of the input.
    for (const host of hosts) {
      const sent = batches.flat().filter((e) => e.key === host);
      expect(sent).toEqual(events.filter((e) => e.key === host));
    }
    // Full batches, not one per event: 3000 events of 30 KB on average are about 90 MB.
    expect(batches.length).toBeLessThan(140);
  });

  it("an event larger than a batch goes alone; --batch-size caps a batch's events", async () => {
    const { batches, sink } = recordingSink();
    const sender = new BatchSender({ batchSize: 10 }, sink, clock, 0, (err) => err);
    await replayAll(sender, [event("ws1", 0, BATCH_BYTES + 1000), ...Array.from({ length: 25 }, (_, i) => event("ws1", i + 1))]);
    expect(batches.map((b) => b.length)).toEqual([1, 10, 10, 5]);
  });

  it("keeps what waits across many partitions bounded: past 4 batches' worth the largest goes", async () => {
    let waitingMost = 0;
    let added = 0;
    let sent = 0;
    const sink = {
      partitionOf: (key: string | null) => Number(key),
      send: async (batch: ReplayEvent[]) => {
        sent += batch.length;
      },
      close: async () => undefined,
    };
    const sender = new BatchSender({}, sink, clock, 0, (err) => err);
    // 100 partitions, 20 KB each, round robin: no batch ever fills by itself before 50 rounds.
    for (let i = 0; i < 30_000; i++) {
      const ready = sender.add(event(String(i % 100), i, 20_000));
      added++;
      if (ready) await sender.send(ready);
      waitingMost = Math.max(waitingMost, (added - sent) * 20_000);
    }
    await sender.flush();
    await sender.settle();
    expect(sent).toBe(30_000);
    expect(waitingMost).toBeLessThanOrEqual(4 * BATCH_BYTES + 20_000);
  });

  it("a partition whose events come seldom does not hold read buffers past HELD_READ_BYTES of reading", async () => {
    // Events are slices of 256 KiB read buffers, as replay reads files (chunk-pool.ts): each
    // buffer holds 200 events of ws1 and one of dc. dc's batch fills by bytes only after
    // hundreds of buffers; every one of them would stay held until then.
    const READ = 256 * 1024;
    const { batches, sink } = recordingSink();
    const sender = new BatchSender({}, sink, clock, 0, (err) => err);
    const waiting = new Map<ArrayBufferLike, number>();
    let heldMost = 0;
    const hold = (batch: ReplayEvent[], n: number) => {
      for (const e of batch) {
        const left = (waiting.get(e.value.buffer) ?? 0) + n;
        if (left) waiting.set(e.value.buffer, left);
        else waiting.delete(e.value.buffer);
      }
    };
    const events: ReplayEvent[] = [];
    for (let r = 0; r < 200; r++) {
      const read = Buffer.allocUnsafeSlow(READ);
      for (let i = 0; i <= 200; i++) {
        const e = { key: i === 100 ? "dc" : "ws1", value: read.subarray(i * 1000, i * 1000 + 900) };
        events.push(e);
        hold([e], 1);
        const ready = sender.add(e);
        if (ready) {
          hold(ready, -1);
          await sender.send(ready);
        }
        heldMost = Math.max(heldMost, waiting.size);
      }
    }
    await sender.flush();
    await sender.settle();
    expect(batches.flat()).toHaveLength(events.length);
    for (const key of ["ws1", "dc"]) {
      const sentInOrder = batches.flat().filter((e) => e.key === key);
      expect(sentInOrder).toEqual(events.filter((e) => e.key === key));
    }
    // dc's batch went early, before reading was HELD_READ_BYTES past its first event (and the
    // one buffer that crossed that line); without that it held all 200 buffers.
    expect(heldMost).toBeLessThanOrEqual(HELD_READ_BYTES / READ + 2);
    expect(batches.filter((b) => b[0]?.key === "dc").length).toBeGreaterThan(2);
  });

  it("a sink that does not say where events go gets them in one batch, in order", async () => {
    const { batches, sink } = recordingSink(false);
    const sender = new BatchSender({}, sink, clock, 0, (err) => err);
    const events = Array.from({ length: 50 }, (_, i) => event(["ws1", "ws2", null][i % 3] as string | null, i));
    await replayAll(sender, events);
    expect(batches).toEqual([events]);
  });

  it("a failed send fails the replay with the error it is given, naming what was acknowledged before", async () => {
    let sends = 0;
    const sink = {
      partitionOf: () => 0,
      send: async () => {
        if (++sends === 2) throw new Error("broker lost");
      },
      close: async () => undefined,
    };
    const sender = new BatchSender({ batchSize: 10 }, sink, clock, 0, (err, sent) => new Error(`${(err as Error).message} after ${sent}`));
    await expect(
      replayAll(
        sender,
        Array.from({ length: 40 }, (_, i) => event("ws1", i)),
      ),
    ).rejects.toThrow("broker lost after 10");
  });

  it("a topic that takes smaller batches (max.message.bytes) gets batches under its limit", async () => {
    expect(batchBytesFor(undefined)).toBe(BATCH_BYTES);
    expect(batchBytesFor(1_048_588)).toBe(BATCH_BYTES);
    expect(batchBytesFor(300_000)).toBe(298_976);
    const { batches, sink } = recordingSink();
    const sender = new BatchSender({}, { ...sink, batchBytes: batchBytesFor(300_000) }, clock, 0, (err) => err);
    await replayAll(
      sender,
      Array.from({ length: 2000 }, (_, i) => event("ws1", i, 1000)),
    );
    expect(batches.flat()).toHaveLength(2000);
    for (const batch of batches) expect(batch.reduce((s, e) => s + e.value.length + 3 * 3 + 32, 0)).toBeLessThanOrEqual(298_976);
    expect(batches.length).toBeGreaterThan(6);
  });
});
