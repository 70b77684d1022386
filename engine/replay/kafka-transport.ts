/**
 * One partition's batch per produce request, numbered by pipeline.ts, written by record-batch.ts
 * on replay's own connections to the leaders (produce-connection.ts). @platformatic/kafka
 * provides the rest: metadata, the producer id, the broker's Produce versions and the parsing
 * of the answers.
 *
 * Not its Producer's send(): with idempotence on, that client numbers a partition's records
 * anew only once the broker acknowledged the previous ones and so allows one request in flight;
 * two sends at once would carry the same numbers and the broker would take the second for a
 * duplicate of the first and drop it. Here the numbers are given when a batch is sent, so up to
 * five requests per partition can be in flight.
 */
import { Producer, type ProducerOptions, produceV7, produceV8, produceV9, produceV10, produceV11 } from "@platformatic/kafka";
import type { KafkaAccess } from "../../compose/kafka-access.js";
import type { Clock } from "../clock.js";
import { MAX_IN_FLIGHT, type PartitionTransport } from "./pipeline.js";
import { ProduceConnection, type ProduceConnectionOptions } from "./produce-connection.js";
import type { BatchRecord, OutgoingRecords, ProducerIds } from "./record-batch.js";
import { retryFor } from "./retry-for.js";

/** The Produce versions whose answers the client reads, newest first (the broker's newest that both know is used). */
const PRODUCE = [produceV11, produceV10, produceV9, produceV8, produceV7];
type ProduceVersion = (typeof PRODUCE)[number];

/** How long the leader may wait for the in-sync replicas before it answers (ms). */
const ACK_TIMEOUT_MS = 30_000;
/** How long an answer may take on the connection: the leader's wait, and some (the client's request timeout was 30 s). */
const REQUEST_TIMEOUT_MS = ACK_TIMEOUT_MS + 5_000;

/** An error anywhere in the chain, by Kafka's name (`OUT_OF_ORDER_SEQUENCE_NUMBER`). */
export function hasKafkaError(err: unknown, id: string): boolean {
  const e = err as { apiId?: string; errors?: unknown[]; cause?: unknown };
  if (e?.apiId === id) return true;
  return [...(e?.errors ?? []), ...(e?.cause ? [e.cause] : [])].some((inner) => hasKafkaError(inner, id));
}

type TransportOptions = Omit<ProducerOptions<Buffer, Buffer, Buffer, Buffer>, "idempotent"> & { clientId: string; connectTimeout: number };

export async function openTransport(
  access: KafkaAccess,
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
  const connections = new BrokerConnections(access, {
    clientId: options.clientId,
    connectTimeoutMs: options.connectTimeout,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  });
  const stamps = new WeakMap<BatchRecord[], number>();
  const leaders = new Map<number, Promise<ProduceConnection>>();
  const leader = (partition: number) => {
    let c = leaders.get(partition);
    if (!c) {
      c = leaderAddress(client, topic, partition).then((broker) => connections.get(broker.host, broker.port));
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
      const { compressed } = records as OutgoingRecords;
      const request = {
        version: produce.api.version,
        topic,
        partition,
        timeoutMs: ACK_TIMEOUT_MS,
        records,
        ...(compressed ? { compressed } : {}),
        ids,
        sequence,
        now: stamp,
      };
      // A duplicate is an acknowledgement too: the broker had written the batch, only its answer was lost.
      await connection.produce(request, produce.parseResponse).catch((err: unknown) => {
        if (!hasKafkaError(err, "DUPLICATE_SEQUENCE_NUMBER")) throw err;
      });
    },
    retriable,
    isGap: (err) => hasKafkaError(err, "OUT_OF_ORDER_SEQUENCE_NUMBER"),
    beforeRetry: () => {
      leaders.clear();
      client.clearMetadata();
    },
    close: async () => {
      connections.close();
      await client.close();
    },
  };
}

/** One connection per broker, shared by the partitions it leads; a lost one is opened again when next needed. */
class BrokerConnections {
  private readonly open = new Map<string, Promise<ProduceConnection>>();
  constructor(
    private readonly access: KafkaAccess,
    private readonly o: ProduceConnectionOptions,
  ) {}

  get(host: string, port: number): Promise<ProduceConnection> {
    const key = `${host}:${port}`;
    const known = this.open.get(key);
    if (!known) return this.reopen(key, undefined, host, port);
    return known.then((c) => (c.failed ? this.reopen(key, known, host, port) : c));
  }

  close(): void {
    for (const c of this.open.values())
      c.then(
        (connection) => connection.close(),
        () => undefined,
      );
    this.open.clear();
  }

  /** A new connection in place of `stale`, unless another caller already opened one. */
  private reopen(key: string, stale: Promise<ProduceConnection> | undefined, host: string, port: number): Promise<ProduceConnection> {
    const current = this.open.get(key);
    if (current && current !== stale) return current;
    const c = ProduceConnection.open(host, port, this.access, this.o);
    c.catch(() => {
      if (this.open.get(key) === c) this.open.delete(key);
    });
    this.open.set(key, c);
    return c;
  }
}

function produceVersion(apis: { name: string; minVersion: number; maxVersion: number }[]): ProduceVersion {
  const range = apis.find((a) => a.name === "Produce");
  const usable = PRODUCE.find((p) => range && p.api.version >= range.minVersion && p.api.version <= range.maxVersion);
  if (!usable)
    throw new Error(`the broker's Produce versions (${range?.minVersion}–${range?.maxVersion}) are not ones this client speaks (7–11)`);
  return usable;
}

async function leaderAddress(
  client: Producer<Buffer, Buffer, Buffer, Buffer>,
  topic: string,
  partition: number,
): Promise<{ host: string; port: number }> {
  const metadata = await client.metadata({ topics: [topic] });
  const id = metadata.topics.get(topic)?.partitions[partition]?.leader;
  const broker = id === undefined ? undefined : metadata.brokers.get(id);
  if (!broker) throw Object.assign(new Error(`no leader known for ${topic} partition ${partition}`), { canRetry: true });
  return broker;
}
