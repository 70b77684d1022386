/**
 * The Kafka side of a replay: @platformatic/kafka's idempotent producer (acks from all in-sync
 * replicas; a resent request is written once, resend.ts), one request at a time while replay
 * reads the next batch. Chosen by `npm run bench:replay` (README, "Replay throughput"): faster
 * than kafkajs and than the librdkafka binding as replay drives them, with less memory and no
 * native build, and (on the busy 2-core machine) faster than several producers side by side. kafkajs still checks the topic first:
 * its errors name a refused SASL login or a listener that wants one (kafka-client.ts).
 */
import { readFileSync } from "node:fs";
import { compatibilityPartitioner, Producer, type SASLOptions } from "@platformatic/kafka";
import { describeKafkaAccess, type KafkaAccess } from "../../compose/kafka-access.js";
import { type Clock, systemClock } from "../clock.js";
import { ExitCode, HelkError } from "../errors.js";
import { kafkaClient, kafkaErrorHint } from "../kafka-client.js";
import type { ReplayEvent } from "./lines.js";
import { sendWithoutDuplicates } from "./resend.js";

export interface EventSink {
  send(batch: ReplayEvent[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * kafkajs's errors come from the check before sending, where a closed connection means a
 * listener that wants a login. While sending (@platformatic/kafka, codes PLT_KFK_*), the login
 * already worked: a closed connection is a lost broker, and the SASL hint would mislead.
 */
const fromCheck = (err: unknown) => !String((err as { code?: unknown }).code ?? "").startsWith("PLT_KFK");

export function brokerError(access: KafkaAccess, topic: string, err: unknown, sent: number): HelkError {
  const bootstrap = describeKafkaAccess(access);
  const e = err as { name?: string; message?: string; type?: string };
  const message = errorText(err);
  const unknownTopic = e.type === "UNKNOWN_TOPIC_OR_PARTITION" || /does not host this topic|UNKNOWN_TOPIC/i.test(message);
  return new HelkError(
    unknownTopic
      ? `topic ${topic} does not exist on ${bootstrap} (${sent} events sent before the error)`
      : `Kafka at ${bootstrap} failed: ${message} (${sent} events sent before the error)`,
    {
      exitCode: ExitCode.broker,
      hint: unknownTopic
        ? "helk install creates HELK's topics; choose one with --topic, or create it"
        : ((fromCheck(err) ? kafkaErrorHint(err, access) : undefined) ??
          "check the address (--bootstrap HOST:PORT) and that Kafka runs (helk status)"),
      cause: err,
    },
  );
}

/**
 * How long one request may keep failing: a partition's new leader is elected only after the lost
 * broker's session times out (9 s by default), and clients learn of it from fresh metadata.
 */
const RETRY_FOR_MS = 60_000;

/** Kafka's default partitioner for a key (Java's murmur2, as kafkajs's DefaultPartitioner). */
export function partitionFor(key: string, partitions: number): number {
  return compatibilityPartitioner({} as never, Buffer.from(key)) % partitions;
}

/** The message of an error and of the errors it gathers (@platformatic/kafka nests them). */
export function errorText(err: unknown): string {
  const e = err as { message?: string; errors?: unknown[]; cause?: unknown };
  const inner = [...(e.errors ?? []), ...(e.cause ? [e.cause] : [])].map(errorText).filter(Boolean);
  const own = e.message ?? String(err);
  // The innermost reason is the useful one ("Connection refused", "NOT_LEADER_OR_FOLLOWER").
  return inner.length ? `${own} (${[...new Set(inner)].join("; ")})` : own;
}

/**
 * Worth resending: every error in the chain may be retried, or is about the network. The client
 * gives up on a timeout (a killed broker's address stops answering) where replay resends with
 * fresh metadata: the partition's new leader takes the same records, numbered the same way.
 */
export function retriable(err: unknown): boolean {
  const e = err as { canRetry?: boolean; code?: string; errors?: unknown[]; cause?: unknown };
  if (e.canRetry === false && e.code !== "PLT_KFK_NETWORK") return false;
  return [...(e.errors ?? []), ...(e.cause ? [e.cause] : [])].every(retriable);
}

/** The partitions a failed send still wrote: @platformatic/kafka reports them on the error. */
export function landedPartitions(err: unknown): number[] {
  const produced = (err as { produced?: { offsets?: { partition: number }[] } }).produced;
  return (produced?.offsets ?? []).map((o) => o.partition);
}

function producerOptions(access: KafkaAccess) {
  return {
    clientId: "helk-replay",
    bootstrapBrokers: access.brokers,
    idempotent: true,
    acks: -1,
    connectTimeout: 5000,
    // The client retries on the connection it had; resend.ts retries with fresh metadata.
    retries: 3,
    retryDelay: 250,
    ...(access.tls ? { tls: access.tls.caFile ? { ca: [readFileSync(access.tls.caFile, "utf8")] } : {} } : {}),
    ...(access.sasl
      ? {
          sasl: {
            mechanism: access.sasl.mechanism.toUpperCase() as SASLOptions["mechanism"],
            username: access.sasl.username,
            password: access.sasl.password,
          },
        }
      : {}),
  };
}

type Message = { topic: string; partition: number; key?: Buffer; value: Buffer };

export async function connectProducer(access: KafkaAccess, topic: string, clock: Clock = systemClock): Promise<EventSink> {
  // Fail fast, before reading any data, when Kafka is unreachable, refuses the login or lacks the topic.
  const check = kafkaClient(access, "helk-replay", { connectionTimeout: 5000, retry: { retries: 3, initialRetryTime: 200 } }).admin();
  let partitions: number;
  try {
    await check.connect();
    const topics = await check.listTopics();
    if (!topics.includes(topic)) throw Object.assign(new Error(`unknown topic ${topic}`), { type: "UNKNOWN_TOPIC_OR_PARTITION" });
    partitions = (await check.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length ?? 1;
  } catch (err) {
    throw brokerError(access, topic, err, 0);
  } finally {
    await check.disconnect().catch(() => undefined);
  }
  const producer = new Producer(producerOptions(access));
  // Events without a host take turns over the partitions, a batch at a time.
  let turn = 0;
  return {
    send: async (batch) => {
      const keyless = turn++ % partitions;
      const messages: Message[] = batch.map((e) =>
        e.key === null
          ? { topic, partition: keyless, value: e.value }
          : { topic, partition: partitionFor(e.key, partitions), key: Buffer.from(e.key), value: e.value },
      );
      await sendWithoutDuplicates(messages, {
        send: async (m) => {
          await producer.send({ messages: m });
        },
        landed: landedPartitions,
        retriable,
        beforeRetry: () => producer.clearMetadata(),
        retryFor: RETRY_FOR_MS,
        clock,
      });
    },
    close: () => producer.close(),
  };
}
