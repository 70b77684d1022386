/**
 * The cluster as one Metadata request (v4, which Kafka 1.0 through 4.x answer) sees it:
 * brokers, controller, and every topic's partitions with their replicas and in-sync replicas.
 * Over engine/kafka/wire.ts, with a SASL login first when the access has one.
 */
import type { KafkaAccess } from "../../compose/kafka-access.js";
import { saslLogin } from "../kafka/login.js";
import { KafkaReader, type KafkaWire, KafkaWriter, openKafkaWire } from "../kafka/wire.js";

const METADATA = 3;

export interface ClusterMetadata {
  brokers: number[];
  /** The controller's node id, null when the cluster has none. */
  controller: number | null;
  topics: { name: string; partitions: { replicas: number[]; isr: number[] }[] }[];
}

/** Metadata v4's answer (after its correlation id). */
export function decodeMetadataV4(body: Buffer): ClusterMetadata {
  const r = new KafkaReader(body);
  r.int32(); // throttle_time_ms
  const brokers = r.array((b) => {
    const id = b.int32();
    b.string(); // host
    b.int32(); // port
    b.string(); // rack
    return id;
  });
  r.string(); // cluster_id
  const controller = r.int32();
  const topics = r.array((t) => {
    t.int16(); // error_code
    const name = t.string() ?? "";
    t.int8(); // is_internal
    const partitions = t.array((p) => {
      p.int16(); // error_code
      p.int32(); // partition_index
      p.int32(); // leader_id
      return { replicas: p.array((x) => x.int32()), isr: p.array((x) => x.int32()) };
    });
    return { name, partitions };
  });
  return { brokers, controller: controller < 0 ? null : controller, topics };
}

/** Every topic (a null list), none created by asking. */
export const METADATA_V4_ALL_TOPICS = new KafkaWriter().int32(-1).int8(0).buffer();

/**
 * Ask the first of `access.brokers` that takes a connection, within `timeoutMs` in all;
 * throws the last broker's error when none does.
 */
export async function clusterMetadata(access: KafkaAccess, timeoutMs: number): Promise<ClusterMetadata> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = new Error("no Kafka broker address to ask");
  for (const address of access.brokers) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    let wire: KafkaWire;
    try {
      wire = await openKafkaWire(address, access, left);
    } catch (err) {
      last = err; // unreachable: try the next broker
      continue;
    }
    try {
      if (access.sasl) await saslLogin(wire, access.sasl);
      return decodeMetadataV4(await wire.request(METADATA, 4, METADATA_V4_ALL_TOPICS));
    } finally {
      wire.close();
    }
  }
  throw last;
}
