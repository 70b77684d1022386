/**
 * The Kafka side of a replay: kafkajs with an idempotent producer (acks from all in-sync
 * replicas, retries without duplicates), sending batches in order.
 */
import { CompressionTypes } from "kafkajs";
import { describeKafkaAccess, type KafkaAccess } from "../../compose/kafka-access.js";
import { ExitCode, HelkError } from "../errors.js";
import { kafkaClient, kafkaErrorHint } from "../kafka-client.js";
import type { ReplayEvent } from "./lines.js";

export interface EventSink {
  send(batch: ReplayEvent[]): Promise<void>;
  close(): Promise<void>;
}

export function brokerError(access: KafkaAccess, topic: string, err: unknown, sent: number): HelkError {
  const bootstrap = describeKafkaAccess(access);
  const e = err as { name?: string; message?: string; type?: string };
  const message = e.message ?? String(err);
  const unknownTopic = e.type === "UNKNOWN_TOPIC_OR_PARTITION" || /does not host this topic|UNKNOWN_TOPIC/i.test(message);
  return new HelkError(
    unknownTopic
      ? `topic ${topic} does not exist on ${bootstrap} (${sent} events sent before the error)`
      : `Kafka at ${bootstrap} failed: ${message} (${sent} events sent before the error)`,
    {
      exitCode: ExitCode.broker,
      hint: unknownTopic
        ? "helk install creates HELK's topics; choose one with --topic, or create it"
        : (kafkaErrorHint(err, access) ?? "check the address (--bootstrap HOST:PORT) and that Kafka runs (helk status)"),
      cause: err,
    },
  );
}

export async function connectProducer(access: KafkaAccess, topic: string): Promise<EventSink> {
  // Fail fast, before reading any data, when Kafka is unreachable or the topic is missing.
  const check = kafkaClient(access, "helk-replay", { connectionTimeout: 5000, retry: { retries: 3, initialRetryTime: 200 } }).admin();
  try {
    await check.connect();
    const topics = await check.listTopics();
    if (!topics.includes(topic)) throw Object.assign(new Error(`unknown topic ${topic}`), { type: "UNKNOWN_TOPIC_OR_PARTITION" });
  } catch (err) {
    throw brokerError(access, topic, err, 0);
  } finally {
    await check.disconnect().catch(() => undefined);
  }
  // Once sending, ride out a lost broker: a partition's new leader is elected only after the
  // broker's session times out (9 s by default), and the idempotent producer resends without duplicates.
  const kafka = kafkaClient(access, "helk-replay", {
    connectionTimeout: 5000,
    retry: { retries: 12, initialRetryTime: 200, maxRetryTime: 5000 },
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  try {
    await producer.connect();
  } catch (err) {
    await producer.disconnect().catch(() => undefined);
    throw brokerError(access, topic, err, 0);
  }
  return {
    send: async (batch) => {
      await producer.send({
        topic,
        acks: -1,
        compression: CompressionTypes.None,
        messages: batch.map((e) => ({ key: e.key, value: e.value })),
      });
    },
    close: () => producer.disconnect(),
  };
}
