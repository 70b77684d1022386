/**
 * One partition's batch per produce request, numbered by pipeline.ts and encoded by
 * record-batch.ts, on @platformatic/kafka's connections (SASL and TLS included), with its
 * metadata, producer id and Produce answer parsing.
 *
 * Not its Producer's send(): with idempotence on, that client numbers a partition's records
 * anew only once the broker acknowledged the previous ones and so allows one request in flight;
 * two sends at once would carry the same numbers and the broker would take the second for a
 * duplicate of the first and drop it. Here the numbers are given when a batch is sent, so up to
 * five requests per partition can be in flight.
 */
import {
  type Callback,
  type Connection,
  Producer,
  type ProducerOptions,
  produceV7,
  produceV8,
  produceV9,
  produceV10,
  produceV11,
  Writer,
} from "@platformatic/kafka";
import type { Clock } from "../clock.js";
import { MAX_IN_FLIGHT, type PartitionTransport } from "./pipeline.js";
import { type BatchRecord, encodeRecordBatch, type ProducerIds, produceRequestParts } from "./record-batch.js";
import { retryFor } from "./retry-for.js";

/** The Produce versions whose answers the client reads, newest first (the broker's newest that both know is used). */
const PRODUCE = [produceV11, produceV10, produceV9, produceV8, produceV7];
type ProduceVersion = (typeof PRODUCE)[number];
const PRODUCE_KEY = 0;

/** Encoding room for a batch (replay's batches stay under 1 MB); a larger one gets its own buffer. */
const SCRATCH_BYTES = 1024 * 1024 + 64 * 1024;

/** How long the leader may wait for the in-sync replicas before it answers (ms). */
const ACK_TIMEOUT_MS = 30_000;

/** An error anywhere in the chain, by Kafka's name (`OUT_OF_ORDER_SEQUENCE_NUMBER`). */
export function hasKafkaError(err: unknown, id: string): boolean {
  const e = err as { apiId?: string; errors?: unknown[]; cause?: unknown };
  if (e?.apiId === id) return true;
  return [...(e?.errors ?? []), ...(e?.cause ? [e.cause] : [])].some((inner) => hasKafkaError(inner, id));
}

type TransportOptions = Omit<ProducerOptions<Buffer, Buffer, Buffer, Buffer>, "idempotent">;

export async function openTransport(
  options: TransportOptions,
  topic: string,
  retry: { retriable: (err: unknown) => boolean; forMs: number; clock: Clock },
): Promise<PartitionTransport<BatchRecord> & { close(): Promise<void> }> {
  const { retriable } = retry;
  // Not idempotent as far as the client knows, which would hold each connection to one request
  // in flight: the producer id is asked for here, the numbering is pipeline.ts's.
  const client = new Producer({ ...options, idempotent: false, maxInflights: MAX_IN_FLIGHT });
  let produce: ProduceVersion;
  let ids: ProducerIds;
  try {
    // With a broker lost, the coordinator that hands out producer ids may be loading on another
    // one ("The coordinator is loading"): asked again until it answers, like a batch is resent.
    ids = await retryFor(() => client.initIdempotentProducer({}), retry);
    produce = produceVersion(await client.listApis());
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  }
  const stamps = new WeakMap<BatchRecord[], number>();
  let scratch = Buffer.alloc(0);
  const leaders = new Map<number, Promise<Connection>>();
  const leader = (partition: number) => {
    let c = leaders.get(partition);
    if (!c) {
      c = leaderConnection(client, topic, partition);
      c.catch(() => leaders.delete(partition));
      leaders.set(partition, c);
    }
    return c;
  };
  return {
    produce: async (partition, records, sequence) => {
      const connection = await leader(partition);
      // A resend has the first attempt's time: the same bytes go again.
      let stamp = stamps.get(records);
      if (stamp === undefined) {
        stamp = Date.now();
        stamps.set(records, stamp);
      }
      // The connection copies the request into one buffer as it is sent (synchronously), so one
      // scratch buffer serves every batch; no await between encoding and sending.
      if (scratch.length < SCRATCH_BYTES) scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
      const batch = encodeRecordBatch(records, ids, sequence, stamp, scratch);
      await send(connection, produce, topic, partition, batch);
    },
    retriable,
    isGap: (err) => hasKafkaError(err, "OUT_OF_ORDER_SEQUENCE_NUMBER"),
    beforeRetry: () => {
      leaders.clear();
      client.clearMetadata();
    },
    close: () => client.close(),
  };
}

function produceVersion(apis: { name: string; minVersion: number; maxVersion: number }[]): ProduceVersion {
  const range = apis.find((a) => a.name === "Produce");
  const usable = PRODUCE.find((p) => range && p.api.version >= range.minVersion && p.api.version <= range.maxVersion);
  if (!usable)
    throw new Error(`the broker's Produce versions (${range?.minVersion}–${range?.maxVersion}) are not ones this client speaks (7–11)`);
  return usable;
}

/** One Produce request on the leader's connection; resolves on its acknowledgement (a duplicate is one too). */
function send(connection: Connection, produce: ProduceVersion, topic: string, partition: number, batch: Buffer): Promise<void> {
  const version = produce.api.version;
  const { head, tail } = produceRequestParts(version, topic, partition, batch.length, ACK_TIMEOUT_MS);
  const payload = () => Writer.create().append(head).append(batch).append(tail);
  // Versions 9+ have tagged fields in both headers.
  const flexible = version >= 9;
  return new Promise<void>((resolve, reject) => {
    const done: Callback<unknown> = (err) => (err && !hasKafkaError(err, "DUPLICATE_SEQUENCE_NUMBER") ? reject(err) : resolve());
    connection.send(PRODUCE_KEY, version, payload, produce.parseResponse as never, flexible, flexible, done);
  });
}

async function leaderConnection(client: Producer<Buffer, Buffer, Buffer, Buffer>, topic: string, partition: number): Promise<Connection> {
  const metadata = await client.metadata({ topics: [topic] });
  const id = metadata.topics.get(topic)?.partitions[partition]?.leader;
  const broker = id === undefined ? undefined : metadata.brokers.get(id);
  if (!broker) throw Object.assign(new Error(`no leader known for ${topic} partition ${partition}`), { canRetry: true });
  return client.connections.get(broker);
}
