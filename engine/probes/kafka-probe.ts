/**
 * Kafka: cluster metadata through kafkajs admin: brokers, controller, topics, and partitions
 * whose in-sync replicas fall short of their replicas (a broker is down or behind): the
 * cluster then still works but is degraded, which fails the probe.
 */
import { kafkaClient, kafkaErrorHint } from "../kafka-client.js";
import { failed, type Probe } from "./probe.js";

export const kafkaProbe: Probe = async (t) => {
  const access = t.kafka ?? { brokers: t.address.split(",") };
  const kafka = kafkaClient(access, "helk-probe", {
    connectionTimeout: t.timeoutMs ?? 3000,
    requestTimeout: t.timeoutMs ?? 5000,
    retry: { retries: 1, initialRetryTime: 100 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const topics = (await admin.listTopics()).filter((name) => !name.startsWith("__"));
    const n = cluster.brokers.length;
    const partitions = topics.length ? (await admin.fetchTopicMetadata({ topics })).topics.flatMap((t) => t.partitions) : [];
    const short = partitions.filter((p) => p.isr.length < p.replicas.length).length;
    const base = `${n} broker${n === 1 ? "" : "s"}, controller ${cluster.controller ?? "none"}, ${topics.length} topic${topics.length === 1 ? "" : "s"}`;
    return {
      ok: n > 0 && cluster.controller !== null && short === 0,
      detail: short ? `degraded: ${short} of ${partitions.length} partitions under-replicated; ${base}` : base,
    };
  } catch (err) {
    const hint = kafkaErrorHint(err, access);
    return hint ? { ok: false, detail: hint } : failed(err);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
};
