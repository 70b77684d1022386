/**
 * Several batches in flight per partition (engine/replay/pipeline.ts) against a fake broker that
 * keeps an idempotent producer's rules as Kafka does: it handles requests in the order they were
 * sent, writes a partition's batch only if its first sequence number is the next one, knows the
 * last five batches it wrote (a batch sent again among them is acknowledged, not written), and
 * refuses a gap. Outages: a batch the leader never got ("lost"), or wrote and whose answer was
 * lost ("unanswered").
 */
import { describe, expect, it } from "vitest";
import type { Clock } from "../../engine/clock.js";
import { MAX_IN_FLIGHT, PartitionPipeline, type PartitionTransport } from "../../engine/replay/pipeline.js";

type Outage = "lost" | "unanswered" | undefined;
const instant: Clock = { now: () => 0, sleep: async () => undefined };
/** Time passes only by sleeping, at once: a back-off of minutes costs nothing. */
function steppedClock(): Clock {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
}
const network = () => Object.assign(new Error("Connection closed"), { kind: "network" });

function idempotentBroker(outage: (call: number, partition: number) => Outage) {
  const log = new Map<number, number[]>();
  const next = new Map<number, number>();
  const remembered = new Map<number, number[]>();
  let calls = 0;
  let unanswered = 0;
  let mostUnanswered = 0;
  const transport: PartitionTransport<number> = {
    // Handled at once, in call order (one connection, in order); answered a turn later.
    produce: async (partition, ids, sequence) => {
      unanswered++;
      mostUnanswered = Math.max(mostUnanswered, unanswered);
      const what = outage(calls++, partition);
      let error: Error | undefined;
      if (what === "lost") error = network();
      else if ((remembered.get(partition) ?? []).includes(sequence)) {
        // A duplicate: acknowledged, not written.
      } else if (sequence !== (next.get(partition) ?? 0)) error = Object.assign(new Error("OUT_OF_ORDER_SEQUENCE_NUMBER"), { kind: "gap" });
      else {
        log.set(partition, [...(log.get(partition) ?? []), ...ids]);
        next.set(partition, sequence + ids.length);
        remembered.set(partition, [...(remembered.get(partition) ?? []), sequence].slice(-5));
      }
      if (!error && what === "unanswered") error = network();
      await new Promise((r) => setImmediate(r));
      unanswered--;
      if (error) throw error;
    },
    retriable: (err) => (err as { kind?: string }).kind === "network",
    isGap: (err) => (err as { kind?: string }).kind === "gap",
    beforeRetry: () => undefined,
  };
  return { transport, log, calls: () => calls, mostUnanswered: () => mostUnanswered };
}

/** `batches` batches of `size` ids per partition, sent without waiting, as replay does. */
async function sendAll(pipeline: PartitionPipeline<number>, partitions: number, batches: number, size: number) {
  const sent: Promise<void>[] = [];
  let id = 0;
  for (let b = 0; b < batches; b++)
    for (let p = 0; p < partitions; p++)
      sent.push(
        pipeline.send(
          p,
          Array.from({ length: size }, () => id++),
        ),
      );
  await Promise.all(sent);
  return Array.from({ length: partitions }, (_, p) =>
    Array.from({ length: batches * size }, (_, i) => Math.floor(i / size) * partitions * size + p * size + (i % size)),
  );
}

describe("PartitionPipeline: several batches in flight, each written once and in order", () => {
  it.each([
    ["no outage", () => undefined],
    [
      "partition 1's leader lost for a while, batches behind it in flight",
      (c: number, p: number) => (p === 1 && c >= 4 && c < 12 ? "lost" : undefined),
    ],
    ["a batch written but its answer lost, four more behind it", (c: number) => (c === 7 ? "unanswered" : undefined)],
    ["every third request lost, some answers lost", (c: number) => (c % 3 === 0 ? "lost" : c % 7 === 0 ? "unanswered" : undefined)],
  ] as const)("%s", async (_, outage) => {
    const broker = idempotentBroker(outage as (c: number, p: number) => Outage);
    const expected = await sendAll(new PartitionPipeline(broker.transport, { retryFor: 60_000, clock: instant }), 3, 12, 4);
    for (const p of [0, 1, 2]) expect(broker.log.get(p), `partition ${p}`).toEqual(expected[p]);
  });

  it("keeps more than one request in flight, and never more than five per partition", async () => {
    const broker = idempotentBroker(() => undefined);
    await sendAll(new PartitionPipeline(broker.transport, { retryFor: 60_000, clock: instant }), 1, 20, 2);
    expect(broker.mostUnanswered()).toBe(MAX_IN_FLIGHT);
  });

  it("numbering at acknowledgement (the client's own producer) would lose batches: the fake broker can tell", async () => {
    // Every batch sent with the number its partition had before any answer: the broker takes the
    // second for a duplicate of the first.
    const broker = idempotentBroker(() => undefined);
    await Promise.all([broker.transport.produce(0, [1, 2], 0), broker.transport.produce(0, [3, 4], 0)]);
    expect(broker.log.get(0)).toEqual([1, 2]);
  });

  it("an error that may not be retried is thrown at once", async () => {
    const refused = Object.assign(new Error("SASL authentication failed"), { kind: "auth" });
    let calls = 0;
    const transport: PartitionTransport<number> = {
      produce: async () => {
        calls++;
        throw refused;
      },
      retriable: () => false,
      isGap: () => false,
      beforeRetry: () => undefined,
    };
    await expect(new PartitionPipeline(transport, { retryFor: 60_000, clock: instant }).send(0, [1])).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it("gives up once retryFor has passed, with the last error; the batches behind it fail with it", async () => {
    const clock = steppedClock();
    const broker = idempotentBroker((_, p) => (p === 0 ? "lost" : undefined));
    const pipeline = new PartitionPipeline(broker.transport, { retryFor: 10_000, clock });
    const first = pipeline.send(0, [1]);
    const second = pipeline.send(0, [2]);
    await expect(first).rejects.toThrow("Connection closed");
    await expect(second).rejects.toThrow("Connection closed");
    expect(clock.now()).toBeGreaterThanOrEqual(10_000);
    expect(clock.now()).toBeLessThan(20_000);
    expect(broker.log.get(0)).toBeUndefined();
  });

  it("a slow resend keeps its place: later batches wait rather than push it out of the five the broker remembers", async () => {
    // Batch 0 is written but its answer lost; 1-4 are acknowledged at once, and more batches come
    // during 0's back-off. Counting only unacknowledged batches let 5-8 go then, the broker forgot
    // 0, and its resend was refused as a gap although every record was in.
    const clock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms / 10)) };
    const broker = idempotentBroker((call) => (call === 0 ? "unanswered" : undefined));
    const pipeline = new PartitionPipeline(broker.transport, { retryFor: 5_000, clock });
    const sent: Promise<void>[] = [];
    for (let i = 0; i < 12; i++) {
      sent.push(pipeline.send(0, [i]));
      if (i >= 4) await new Promise((r) => setTimeout(r, 3));
    }
    const results = await Promise.allSettled(sent);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(broker.log.get(0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("a batch behind one that took its whole retry time still gets tries of its own", async () => {
    const clock = steppedClock();
    // The broker is back just before the first batch's time is up.
    const broker = idempotentBroker(() => (clock.now() < 59_000 ? "lost" : undefined));
    const pipeline = new PartitionPipeline(broker.transport, { retryFor: 60_000, clock });
    const first = pipeline.send(0, [0]);
    const second = pipeline.send(0, [1]);
    await expect(first).resolves.toBeUndefined();
    await expect(second).resolves.toBeUndefined();
    expect(broker.log.get(0)).toEqual([0, 1]);
  });
});
