/** The real services' own clients on a test stack's published ports, as the tests' witnesses. */
import { Client } from "@elastic/elasticsearch";
import { Kafka, logLevel } from "kafkajs";
import "./kafkajs-lz4.js";
import type { TestStack } from "./test-stack.js";

/** Elasticsearch as its superuser, on the stack's published port. */
export function elasticAdmin(stack: TestStack): Client {
  return new Client({
    node: `http://127.0.0.1:${stack.ports.elasticsearch}`,
    auth: { username: "elastic", password: stack.secrets().elasticPassword as string },
  });
}

/**
 * Kafka on the stack's external listener (its advertised host, 127.0.0.1 unless moved), with a
 * SCRAM-SHA-512 login where the listener requires one.
 */
export function kafkaOf(stack: TestStack, host = "127.0.0.1", login?: { username: string; password: string }): Kafka {
  return new Kafka({
    brokers: [`${host}:${stack.ports.kafka}`],
    logLevel: logLevel.NOTHING,
    ...(login ? { sasl: { mechanism: "scram-sha-512" as const, ...login } } : {}),
  });
}

/** One Windows event document and one Kafka message written before an operation, to read back after. */
export async function writeBefore(stack: TestStack, id: string, note: string): Promise<void> {
  const es = elasticAdmin(stack);
  await es.index({ index: "logs-endpoint-winevent-2020.10.23", id, refresh: true, document: { EventID: 4688, Hostname: "WS1" } });
  await es.close();
  const producer = kafkaOf(stack).producer();
  await producer.connect();
  await producer.send({ topic: "winlogbeat", acks: -1, messages: [{ key: "WS1", value: JSON.stringify({ EventID: 1, note }) }] });
  await producer.disconnect();
}

/** The sum of a topic's end offsets: how many messages it has ever taken. */
export async function topicEnd(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

export interface ReadMessage {
  topic: string;
  key: string;
  value: string;
  timestamp: number;
}

/**
 * The first `count` messages a new consumer group reads from `topics`, from the beginning. Fails
 * after `ms` naming what it read by then, or at once when the consumer crashes for good. A fresh
 * broker's group coordinator may not be ready (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE):
 * kafkajs crashes the consumer and restarts it, so such a crash only costs time.
 */
export async function readMessages(kafka: Kafka, topics: string[], groupId: string, count: number, ms = 60_000): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId });
  const seen: ReadMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`${count} messages from ${topics.join(", ")} not read within ${ms / 1000} s; read: ${JSON.stringify(seen)}`)),
        ms,
      );
      consumer.on(consumer.events.CRASH, (e) => {
        if (!e.payload.restart) reject(new Error(`consumer crashed: ${String(e.payload.error)}`));
      });
      consumer
        .run({
          eachMessage: async ({ topic, message }) => {
            seen.push({
              topic,
              key: message.key?.toString() ?? "",
              value: message.value?.toString() ?? "",
              timestamp: Number(message.timestamp),
            });
            if (seen.length === count) resolve();
          },
        })
        .catch(reject);
    });
    return seen;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}

/** The value of the first message a new consumer group reads from a topic. */
export async function firstMessage(kafka: Kafka, topic: string, groupId: string): Promise<string> {
  return ((await readMessages(kafka, [topic], groupId, 1))[0] as ReadMessage).value;
}
