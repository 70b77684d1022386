/**
 * Replay's resend after a lost broker (engine/replay/resend.ts) against a fake idempotent
 * broker, and the partitioner and error helpers of engine/replay/kafka-producer.ts.
 */
import { AuthenticationError, MultipleErrors, NetworkError, ProtocolError, TimeoutError } from "@platformatic/kafka";
import { Partitioners } from "kafkajs";
import { describe, expect, it } from "vitest";
import type { Clock } from "../../engine/clock.js";
import { brokerError, errorText, landedPartitions, partitionFor, retriable } from "../../engine/replay/kafka-producer.js";
import { type ResendOptions, sendWithoutDuplicates } from "../../engine/replay/resend.js";

type M = { partition: number; id: number };
const instant: Clock = { now: () => 0, sleep: async () => undefined };
const messages = (n: number, partitions: number): M[] => Array.from({ length: n }, (_, id) => ({ partition: id % partitions, id }));

/**
 * A broker with an idempotent producer in front of it, as Kafka and @platformatic/kafka behave:
 * each partition has a next sequence number; the producer numbers a partition's records from
 * its own counter and moves the counter on only for partitions the broker acknowledged. A record
 * whose number the broker already has is a duplicate and is not written again; a gap is refused.
 * `outage` decides, per attempt and partition, whether the partition's leader is unreachable
 * ("lost") or writes but its answer is lost ("unanswered").
 */
function idempotentBroker(outage: (attempt: number, partition: number) => "lost" | "unanswered" | undefined) {
  const log = new Map<number, number[]>();
  const brokerNext = new Map<number, number>();
  const producerNext = new Map<number, number>();
  let attempt = 0;
  const send = async (batch: M[]) => {
    const landed: number[] = [];
    let failed = false;
    for (const p of new Set(batch.map((m) => m.partition))) {
      const records = batch.filter((m) => m.partition === p);
      const first = producerNext.get(p) ?? 0;
      const what = outage(attempt, p);
      if (what === "lost") {
        failed = true;
        continue;
      }
      const next = brokerNext.get(p) ?? 0;
      if (first > next) throw Object.assign(new Error("OUT_OF_ORDER_SEQUENCE_NUMBER"), { canRetry: false });
      records.forEach((r, i) => {
        // Kafka keeps a batch once: what it already holds by number is acknowledged, not written.
        if (first + i >= next) log.set(p, [...(log.get(p) ?? []), r.id]);
      });
      brokerNext.set(p, Math.max(next, first + records.length));
      if (what === "unanswered") {
        failed = true;
        continue;
      }
      producerNext.set(p, first + records.length);
      landed.push(p);
    }
    attempt++;
    if (failed)
      throw Object.assign(new Error("Producing messages failed."), { produced: { offsets: landed.map((partition) => ({ partition })) } });
  };
  return { send, log };
}

const options = (send: (m: M[]) => Promise<void>, extra: Partial<ResendOptions<M>> = {}): ResendOptions<M> => ({
  send,
  landed: landedPartitions,
  retriable,
  beforeRetry: () => undefined,
  retryFor: 60_000,
  clock: instant,
  ...extra,
});

describe("sendWithoutDuplicates", () => {
  it.each([
    ["partition 1's leader lost twice", (a: number, p: number) => (p === 1 && a < 2 ? "lost" : undefined)],
    ["partition 2 written but its answer lost", (a: number, p: number) => (p === 2 && a === 0 ? "unanswered" : undefined)],
    [
      "every partition lost once, then one unanswered",
      (a: number, p: number) => (a === 0 ? "lost" : a === 1 && p === 0 ? "unanswered" : undefined),
    ],
  ] as const)("%s: each message is written once, in order within its partition", async (_, outage) => {
    const broker = idempotentBroker(outage);
    const input = messages(90, 3);
    let forgot = 0;
    await sendWithoutDuplicates(input, options(broker.send, { beforeRetry: () => forgot++ }));
    for (const p of [0, 1, 2]) expect(broker.log.get(p), `partition ${p}`).toEqual(input.filter((m) => m.partition === p).map((m) => m.id));
    expect(forgot).toBeGreaterThan(0);
  });

  it("resending everything, what landed included, would write it twice: the test broker can tell", async () => {
    const broker = idempotentBroker((a, p) => (p === 1 && a === 0 ? "lost" : undefined));
    const input = messages(30, 3);
    await sendWithoutDuplicates(input, options(broker.send, { landed: () => [] }));
    expect(broker.log.get(0)?.length).toBe(20);
  });

  it("an error that may not be retried is thrown at once", async () => {
    let sends = 0;
    const refused = Object.assign(new Error("SASL authentication failed"), { canRetry: false });
    const send = async () => {
      sends++;
      throw refused;
    };
    await expect(sendWithoutDuplicates(messages(3, 1), options(send))).rejects.toBe(refused);
    expect(sends).toBe(1);
  });

  it("gives up once retryFor has passed, with the last error", async () => {
    let now = 0;
    const clock: Clock = {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    };
    const lost = new Error("Connection refused");
    const send = async () => {
      throw lost;
    };
    await expect(sendWithoutDuplicates(messages(3, 1), options(send, { clock, retryFor: 10_000 }))).rejects.toBe(lost);
    expect(now).toBeGreaterThanOrEqual(10_000);
    expect(now).toBeLessThan(20_000);
  });
});

describe("partitionFor", () => {
  it("puts a host where Kafka's default (Java murmur2) partitioner does, as kafkajs computes it", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const hosts = ["WORKSTATION5", "WORKSTATION6.theshire.local", "MORDORDC.theshire.local", "ws2", "a", "DESKTOP-ÅÄÖ.example"];
    for (const partitions of [1, 3, 7, 12])
      for (const host of hosts) {
        const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 1 }));
        const expected = kafkajs({ topic: "t", partitionMetadata, message: { key: host, value: null } } as never);
        expect(partitionFor(host, partitions), `${host} over ${partitions}`).toBe(expected);
      }
  });
});

describe("producer errors", () => {
  const nested = Object.assign(new Error("produce failed 3 times."), {
    errors: [Object.assign(new Error("Connection to 127.0.0.1:9092 refused"), { canRetry: true })],
    produced: { offsets: [{ topic: "t", partition: 2, offset: 10n }] },
  });
  it("names the innermost reasons", () => {
    expect(errorText(nested)).toBe("produce failed 3 times. (Connection to 127.0.0.1:9092 refused)");
  });
  it("is retriable only when no error in the chain says otherwise", () => {
    expect(retriable(nested)).toBe(true);
    expect(retriable(Object.assign(new Error("x"), { errors: [nested, Object.assign(new Error("auth"), { canRetry: false })] }))).toBe(
      false,
    );
  });
  it("a lost broker's timeouts and closed connections are resent; a refused login and a sequence gap are not", () => {
    const lost = new MultipleErrors("Producing messages failed.", [
      new MultipleErrors("produce failed 2 times.", [
        new NetworkError("Connection closed"),
        new TimeoutError("Connection to 10.0.0.1:9092 timed out."),
      ]),
    ]);
    expect(retriable(lost)).toBe(true);
    expect(retriable(new MultipleErrors("x", [new AuthenticationError("SASL authentication failed")]))).toBe(false);
    expect(retriable(new MultipleErrors("x", [new ProtocolError("OUT_OF_ORDER_SEQUENCE_NUMBER")]))).toBe(false);
  });
  it("reads the partitions a failed send still wrote", () => {
    expect(landedPartitions(nested)).toEqual([2]);
    expect(landedPartitions(new Error("plain"))).toEqual([]);
  });
  it("a closed connection while sending is a lost broker, not a listener that wants a login (that is only said of the check before)", () => {
    const access = { brokers: ["127.0.0.1:9092"] };
    const sending = brokerError(access, "winlogbeat", new MultipleErrors("x", [new NetworkError("Connection closed")]), 900);
    expect(sending.message).toContain("Connection closed");
    expect(sending.message).toContain("(900 events sent before the error)");
    expect(sending.hint).not.toContain("SASL");
    const checking = brokerError(
      access,
      "winlogbeat",
      Object.assign(new Error("Closed connection"), { name: "KafkaJSConnectionClosedError" }),
      0,
    );
    expect(checking.hint).toContain("may require SASL");
  });
});
