/**
 * The Kafka side of a replay: an idempotent producer (acks from all in-sync replicas; a resent
 * batch is written once) with several requests in flight per partition (pipeline.ts), written on
 * replay's own connections beside @platformatic/kafka's metadata (kafka-transport.ts). Chosen by `npm run bench:replay`
 * (README, "Replay throughput"): pure JavaScript, nothing to compile; kafkajs and the librdkafka
 * binding as replay drove them were slower. kafkajs still checks the topic first: its errors
 * name a refused SASL login or a listener that wants one (kafka-client.ts).
 */
import { readFileSync } from "node:fs";
import { compatibilityPartitioner, type SASLOptions } from "@platformatic/kafka";
// kafkajs is CommonJS whose enums Node.js's ESM loader cannot name (tsx, the benches): the default.
import kafkajs from "kafkajs";
import { describeKafkaAccess, type KafkaAccess } from "../../compose/kafka-access.js";
import { type Clock, systemClock } from "../clock.js";
import { ExitCode, HelkError } from "../errors.js";
import { kafkaClient, kafkaErrorHint } from "../kafka-client.js";
import { tlsHint } from "../kafka-hints.js";
import { BATCH_BYTES } from "./batch-sender.js";
import { openTransport } from "./kafka-transport.js";
import type { ReplayEvent } from "./lines.js";
import { PartitionPipeline } from "./pipeline.js";
import { type BatchRecord, compressedBatchSize, compressRecords, type OutgoingRecords } from "./record-batch.js";

const { ConfigResourceTypes } = kafkajs;

export interface EventSink {
  /**
   * The partition an event with this key goes to (KEYLESS for events without a host), so replay
   * can batch each partition's events apart: one full batch per request. A sink without it gets
   * events of any partition in one batch.
   */
  partitionOf?(key: string | null): number;
  /** A batch's bytes at most: less than replay's BATCH_BYTES for a topic that takes less (its max.message.bytes), more when the sink compresses. */
  batchBytes?: number;
  /**
   * The sink copies the events' bytes when send() is called, before it returns (it compresses
   * them), and resends that copy: their read buffers may be reused at once, not only once acknowledged.
   */
  copiesOnSend?: boolean;
  /** Send the events; resolves once Kafka acknowledged every one of them. */
  send(batch: ReplayEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** partitionOf() of an event without a host: it goes to whichever partition's turn it is when sent. */
export const KEYLESS = -1;

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
          tlsHint(message, access) ??
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

/**
 * A host's key bytes and partition, worked out once per host: a data set has a few hosts and
 * many thousands of events each. Bounded, in case an input has a new host in every event.
 */
class HostKeys {
  private readonly known = new Map<string, { bytes: Buffer; partition: number }>();
  constructor(private readonly partitions: number) {}

  get(host: string): { bytes: Buffer; partition: number } {
    let k = this.known.get(host);
    if (!k) {
      if (this.known.size >= 10_000) this.known.clear();
      k = { bytes: Buffer.from(host), partition: partitionFor(host, this.partitions) };
      this.known.set(host, k);
    }
    return k;
  }
}

/** The message of an error and of the errors it gathers (@platformatic/kafka nests them). */
export function errorText(err: unknown): string {
  const e = err as { message?: string; errors?: unknown[]; cause?: unknown };
  const inner = [...(e.errors ?? []), ...(e.cause ? [e.cause] : [])].map(errorText).filter(Boolean);
  const own = e.message ?? String(err);
  // The innermost reason is the useful one ("Connection refused", "NOT_LEADER_OR_FOLLOWER");
  // one that only repeats the error's own words adds nothing.
  const more = [...new Set(inner)].filter((m) => m !== own);
  return more.length ? `${own} (${more.join("; ")})` : own;
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

function producerOptions(access: KafkaAccess) {
  return {
    clientId: "helk-replay",
    bootstrapBrokers: access.brokers,
    connectTimeout: 5000,
    // Metadata and connections are retried here; a failed batch is resent by pipeline.ts with fresh metadata.
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

/** How replay's batches go: LZ4-compressed (the default), or as the events' bytes are. */
export type Compression = "lz4" | "none";

/**
 * The events' bytes in a batch replay compresses, at most. The shared data sets' JSON shrinks
 * about 11 times with LZ4, so such a batch goes as about 180 KB: the broker reads, checks and
 * stores a tenth of the bytes, in half the requests. 4 MB batches were no faster and took peak
 * RSS from 109-111 to 129-139 MB (the 10× bench input, 3 runs each; README, "Replay throughput").
 */
export const COMPRESSED_BATCH_RAW_BYTES = 2_000_000;

/**
 * One partition's records compressed, in as few pieces as the topic takes (`most` bytes a
 * batch at most): data that compresses badly is split and each piece compressed again. A record
 * alone goes as it is (the broker says if it is too large, as without compression).
 */
export function compressedPieces(records: BatchRecord[], most: number): OutgoingRecords[] {
  const compressed = compressRecords(records);
  const size = compressedBatchSize(compressed);
  if (size <= most || records.length === 1) return [Object.assign(records, { compressed })];
  // A tenth of room under the limit, as a piece may compress a little worse than the whole.
  const pieces = Math.min(records.length, Math.ceil(size / (most * 0.9)));
  const each = Math.ceil(records.length / pieces);
  const out: OutgoingRecords[] = [];
  for (let i = 0; i < records.length; i += each) out.push(...compressedPieces(records.slice(i, i + each), most));
  return out;
}

export async function connectProducer(
  access: KafkaAccess,
  topic: string,
  compression: Compression = "lz4",
  clock: Clock = systemClock,
): Promise<EventSink> {
  const { partitions, maxMessageBytes } = await checkTopic(access, topic);
  const most = batchBytesFor(maxMessageBytes);
  const compress = compression === "lz4";
  const transport = await openTransport(access, producerOptions(access), topic, { retriable, forMs: RETRY_FOR_MS, clock }).catch((err) => {
    throw brokerError(access, topic, err, 0);
  });
  const pipeline = new PartitionPipeline(transport, { retryFor: RETRY_FOR_MS, clock });
  const hosts = new HostKeys(partitions);
  // Events without a host take turns over the partitions, a batch at a time.
  let turn = 0;
  return {
    partitionOf: (key) => (key === null ? KEYLESS : hosts.get(key).partition),
    batchBytes: compress ? COMPRESSED_BATCH_RAW_BYTES : most,
    copiesOnSend: compress,
    send: async (batch) => {
      const keyless = turn++ % partitions;
      const byPartition = new Map<number, BatchRecord[]>();
      for (const e of batch) {
        const host = e.key === null ? undefined : hosts.get(e.key);
        const partition = host ? host.partition : keyless;
        const record = { key: host ? host.bytes : null, value: e.value };
        const list = byPartition.get(partition);
        if (list) list.push(record);
        else byPartition.set(partition, [record]);
      }
      // A partition's pieces are handed to the pipeline in order, which numbers them in that order.
      const sends = [...byPartition].flatMap(([partition, records]) =>
        (compress ? compressedPieces(records, most) : [records]).map((piece) => pipeline.send(partition, piece)),
      );
      await Promise.all(sends);
    },
    close: () => transport.close(),
  };
}

/**
 * Replay's batch limit on a topic that takes batches of `maxMessageBytes` at most: room for the
 * batch's 61-byte header and a margin, never above BATCH_BYTES. Unknown (the config could not be
 * read): BATCH_BYTES, which Kafka's default (1,048,588) takes.
 */
export function batchBytesFor(maxMessageBytes: number | undefined): number {
  if (maxMessageBytes === undefined || !Number.isFinite(maxMessageBytes)) return BATCH_BYTES;
  return Math.max(1, Math.min(BATCH_BYTES, maxMessageBytes - 1024));
}

/**
 * Fail fast, before reading any data, when Kafka is unreachable, refuses the login or lacks the
 * topic; its partitions, and the largest batch it takes (undefined when the login may not read
 * topic configs).
 */
async function checkTopic(access: KafkaAccess, topic: string): Promise<{ partitions: number; maxMessageBytes?: number }> {
  const check = kafkaClient(access, "helk-replay", { connectionTimeout: 5000, retry: { retries: 3, initialRetryTime: 200 } }).admin();
  try {
    await check.connect();
    const topics = await check.listTopics();
    if (!topics.includes(topic)) throw Object.assign(new Error(`unknown topic ${topic}`), { type: "UNKNOWN_TOPIC_OR_PARTITION" });
    const partitions = (await check.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length ?? 1;
    const configs = await check
      .describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ["max.message.bytes"] }],
      })
      .catch(() => undefined);
    const value = configs?.resources[0]?.configEntries.find((c) => c.configName === "max.message.bytes")?.configValue;
    return { partitions, ...(value ? { maxMessageBytes: Number(value) } : {}) };
  } catch (err) {
    throw brokerError(access, topic, err, 0);
  } finally {
    await check.disconnect().catch(() => undefined);
  }
}
