/**
 * Kafka: cluster metadata in one request: brokers, controller, topics, and partitions whose
 * in-sync replicas fall short of their replicas (a broker is down or behind): the cluster then
 * still works but is degraded, which fails the probe. No Kafka client library is loaded for it
 * (engine/kafka/wire.ts says why).
 */

import { KafkaLoginRefused } from "../kafka/login.js";
import { KafkaConnectionClosed } from "../kafka/wire.js";
import { CLOSED_WITHOUT_LOGIN_HINT, loginRefusedHint, tlsHint } from "../kafka-hints.js";
import { clusterMetadata } from "./kafka-metadata.js";
import { failed, type Probe } from "./probe.js";

export const kafkaProbe: Probe = async (t) => {
  const access = t.kafka ?? { brokers: t.address.split(",") };
  try {
    const cluster = await clusterMetadata(access, t.timeoutMs ?? 3000);
    // Kafka's own topics (__consumer_offsets, __transaction_state) are not the install's.
    const topics = cluster.topics.filter((topic) => !topic.name.startsWith("__"));
    const partitions = topics.flatMap((topic) => topic.partitions);
    const short = partitions.filter((p) => p.isr.length < p.replicas.length).length;
    const n = cluster.brokers.length;
    const base = `${n} broker${n === 1 ? "" : "s"}, controller ${cluster.controller ?? "none"}, ${topics.length} topic${topics.length === 1 ? "" : "s"}`;
    return {
      ok: n > 0 && cluster.controller !== null && short === 0,
      detail: short ? `degraded: ${short} of ${partitions.length} partitions under-replicated; ${base}` : base,
    };
  } catch (err) {
    if (err instanceof KafkaLoginRefused && err.refused === "credentials") return { ok: false, detail: loginRefusedHint(access) };
    if (err instanceof KafkaConnectionClosed && !access.sasl) return { ok: false, detail: CLOSED_WITHOUT_LOGIN_HINT };
    const tls = tlsHint((err as Error).message ?? "", access);
    if (tls) return { ok: false, detail: `${(err as Error).message}: ${tls}` };
    return failed(err);
  }
};
