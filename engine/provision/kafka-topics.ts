/**
 * Kafka topics with the configured partitions and retention; a second run changes nothing.
 * On a cluster of three or more brokers every topic gets three replicas and
 * min.insync.replicas 2, so one broker can be lost without losing an acknowledged event.
 */
import { type Admin, ConfigResourceTypes, type Kafka } from "kafkajs";
import type { HelkConfig } from "../../compose/config/schema.js";

const hoursToMs = (h: number) => String(h * 3600 * 1000);

/** Kafka's answers while a new topic's metadata spreads to every broker: worth asking again. */
function settling(err: unknown): boolean {
  const e = err as { retriable?: boolean; type?: string; message?: string };
  return (
    e.retriable === true ||
    ["UNKNOWN_TOPIC_OR_PARTITION", "LEADER_NOT_AVAILABLE", "NOT_LEADER_FOR_PARTITION", "NOT_CONTROLLER"].includes(e.type ?? "") ||
    /does not host this topic-partition|leader/i.test(e.message ?? "")
  );
}

/**
 * Until every partition of these topics has a leader that the metadata answers with. Right
 * after creation a broker may not host the partition yet ("This server does not host this
 * topic-partition"); that is asked again, not failed, until the deadline.
 */
export async function waitForLeaders(
  admin: Admin,
  topics: string[],
  deadlineMs = 90_000,
  sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last = "no answer yet";
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      const leaderless = meta.topics.flatMap((t) => t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}/${p.partitionId}`));
      if (meta.topics.length === topics.length && leaderless.length === 0) return;
      last = leaderless.length ? `no leader yet for ${leaderless.join(", ")}` : "not every topic in the metadata yet";
    } catch (err) {
      if (!settling(err)) throw err;
      last = (err as Error).message;
    }
    if (Date.now() >= until) throw new Error(`topics ${topics.join(", ")} have no leaders after ${deadlineMs / 1000} s (${last})`);
    await sleep(500);
  }
}

export async function provisionTopics(kafka: Kafka, topics: HelkConfig["kafka"]["topics"]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  const changes: string[] = [];
  try {
    const existing = new Set(await admin.listTopics());
    const { brokers } = await admin.describeCluster();
    const replicated = brokers.length >= 3;
    const wanted = Object.entries(topics);
    const missing = wanted.filter(([name]) => !existing.has(name));
    if (missing.length) {
      // Leaders are waited for below, with a deadline of HELK's: kafkajs's own wait gives up after
      // the client's few retries, which three brokers on a busy machine can outlast.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map(([topic, t]) => ({
          topic,
          numPartitions: t.partitions,
          replicationFactor: replicated ? 3 : 1,
          configEntries: [
            { name: "retention.ms", value: hoursToMs(t.retentionHours) },
            ...(replicated ? [{ name: "min.insync.replicas", value: "2" }] : []),
          ],
        })),
      });
      await waitForLeaders(
        admin,
        missing.map(([name]) => name),
      );
      for (const [name, t] of missing)
        changes.push(
          `created topic ${name} (${t.partitions} partitions, retention ${t.retentionHours} h${replicated ? ", 3 replicas, min.insync.replicas 2" : ""})`,
        );
    }
    const present = wanted.filter(([name]) => existing.has(name));
    if (present.length === 0) return changes;
    const meta = await admin.fetchTopicMetadata({ topics: present.map(([n]) => n) });
    const grow = present.filter(([name, t]) => (meta.topics.find((m) => m.name === name)?.partitions.length ?? 0) < t.partitions);
    if (grow.length) {
      await admin.createPartitions({ topicPartitions: grow.map(([topic, t]) => ({ topic, count: t.partitions })) });
      for (const [name, t] of grow) changes.push(`topic ${name}: partitions raised to ${t.partitions}`);
    }
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map(([name]) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ["retention.ms"] })),
    });
    const retune = present.filter(([name, t]) => {
      const entry = configs.resources.find((r) => r.resourceName === name)?.configEntries.find((e) => e.configName === "retention.ms");
      return entry?.configValue !== hoursToMs(t.retentionHours);
    });
    if (retune.length) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: retune.map(([name, t]) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configEntries: [{ name: "retention.ms", value: hoursToMs(t.retentionHours) }],
        })),
      });
      for (const [name, t] of retune) changes.push(`topic ${name}: retention set to ${t.retentionHours} h`);
    }
    return changes;
  } finally {
    await admin.disconnect();
  }
}
