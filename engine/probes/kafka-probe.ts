/** Kafka: cluster metadata through kafkajs admin: brokers, controller, topics. */
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
    return {
      ok: n > 0 && cluster.controller !== null,
      detail: `${n} broker${n === 1 ? "" : "s"}, controller ${cluster.controller ?? "none"}, ${topics.length} topic${topics.length === 1 ? "" : "s"}`,
    };
  } catch (err) {
    const hint = kafkaErrorHint(err, access);
    return hint ? { ok: false, detail: hint } : failed(err);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
};
