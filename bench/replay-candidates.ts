/**
 * The producers bench/replay-vs-kcat.ts measures besides `helk replay` itself (@platformatic/kafka,
 * engine/replay/kafka-producer.ts), each behind the
 * EventSink replay() uses, so only the producer differs. Bundled by the bench into one file and
 * run as its own process (its peak RSS is its own):
 *   node replay-candidates.mjs CANDIDATE FILE TOPIC BOOTSTRAP
 * prints the events replayed. Candidates:
 * - kafkajs: what replay used before: idempotent, one request at a time, acks from all replicas;
 * - kafkajs-pipelined: the same with maxInFlightRequests 5 and four sends outstanding. kafkajs's
 *   idempotent producer holds a lock per broker for each produce request
 *   (src/producer/sendMessages.js, eosManager.acquireBrokerLock), so requests to one broker
 *   still go one at a time;
 * - confluent: @confluentinc/kafka-javascript (librdkafka), idempotent, acks=all, five requests
 *   in flight per broker; loaded from HELK_BENCH_CONFLUENT_DIR (a directory where it is installed)
 *   because it is a native build helk does not ship.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { CompressionTypes, Kafka, logLevel } from "kafkajs";
import type { EventSink } from "../engine/replay/kafka-producer.js";
import { replay } from "../engine/replay/replay.js";

const [candidate, file, topic, bootstrap] = process.argv.slice(2) as [string, string, string, string];

async function kafkajs(concurrent: number): Promise<EventSink> {
  const kafka = new Kafka({ clientId: "helk-bench", brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: concurrent === 1 ? 1 : 5, allowAutoTopicCreation: false });
  await producer.connect();
  const outstanding = new Set<Promise<unknown>>();
  const send = (batch: Parameters<EventSink["send"]>[0]) =>
    producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages: batch.map((e) => ({ key: e.key, value: e.value })) });
  return {
    send: async (batch) => {
      const p = send(batch);
      outstanding.add(p);
      void p.finally(() => outstanding.delete(p)).catch(() => undefined);
      if (outstanding.size >= concurrent) await Promise.race(outstanding);
    },
    close: async () => {
      await Promise.all(outstanding);
      await producer.disconnect();
    },
  };
}

interface RdProducer {
  connect(o: object, cb: (err: Error | null) => void): void;
  setPollInterval(ms: number): void;
  on(event: "delivery-report", cb: (err: Error | null) => void): void;
  produce(topic: string, partition: null, value: Buffer, key: string | null, timestamp: null): void;
  poll(): void;
  flush(ms: number, cb: (err: Error | null) => void): void;
  disconnect(cb: () => void): void;
}

async function confluent(): Promise<EventSink> {
  const dir = process.env.HELK_BENCH_CONFLUENT_DIR;
  if (!dir) throw new Error("set HELK_BENCH_CONFLUENT_DIR to a directory where @confluentinc/kafka-javascript is installed");
  const { Producer: RdKafkaProducer } = createRequire(join(dir, "package.json"))("@confluentinc/kafka-javascript") as {
    Producer: new (c: object) => RdProducer;
  };
  const producer = new RdKafkaProducer({
    "bootstrap.servers": bootstrap,
    "enable.idempotence": true,
    acks: "all",
    dr_cb: true,
    "linger.ms": 5,
    // librdkafka's default queue (1 GB) would hold the whole input: bound it as helk does.
    "queue.buffering.max.kbytes": 16384,
  });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(20);
  let failed: Error | undefined;
  let pending = 0;
  producer.on("delivery-report", (err) => {
    if (err) failed ??= err;
    pending--;
  });
  const QUEUE_FULL = -184;
  return {
    send: async (batch) => {
      if (failed) throw failed;
      for (const e of batch) {
        for (;;) {
          try {
            producer.produce(topic, null, e.value, e.key, null);
            pending++;
            break;
          } catch (err) {
            if ((err as { code?: number }).code !== QUEUE_FULL) throw err;
            await new Promise((r) => setTimeout(r, 5));
          }
        }
      }
    },
    close: async () => {
      await new Promise<void>((resolve, reject) => producer.flush(120_000, (err) => (err ? reject(err) : resolve())));
      while (pending > 0) await new Promise((r) => setTimeout(r, 10));
      await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
      if (failed) throw failed;
    },
  };
}

const sinks: Record<string, () => Promise<EventSink>> = {
  kafkajs: () => kafkajs(1),
  "kafkajs-pipelined": () => kafkajs(4),
  confluent,
};
const open = sinks[candidate];
if (!open) throw new Error(`unknown candidate ${candidate}: one of ${Object.keys(sinks).join(", ")}`);
const result = await replay({
  paths: [file],
  topic,
  kafka: { brokers: [bootstrap] },
  dryRun: false,
  sink: () => undefined,
  producer: open,
});
console.log(result.events);
