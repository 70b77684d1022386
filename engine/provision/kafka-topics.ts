/**
 * Kafka topics with the configured partitions and retention; a second run changes nothing.
 * On a cluster of three or more brokers every topic gets three replicas and
 * min.insync.replicas 2, so one broker can be lost without losing an acknowledged event.
 */
import { ConfigResourceTypes, type Kafka } from "kafkajs";
import type { HelkConfig } from "../../compose/config/schema.js";

const hoursToMs = (h: number) => String(h * 3600 * 1000);

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
      await admin.createTopics({
        waitForLeaders: true,
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
