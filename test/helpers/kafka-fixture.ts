/**
 * One real Kafka broker (the helk-test/kafka fixture image: Apache Kafka jars, KRaft) in a
 * container of its own, published on a loopback port, for replay tests and benchmarks.
 */
import { randomUUID } from "node:crypto";
import { execa } from "execa";
import { Kafka, logLevel } from "kafkajs";
import "./kafkajs-lz4.js";
import { defaultConfig } from "../../compose/config/schema.js";
import { kafka as kafkaService } from "../../compose/services/kafka.js";
import { waitForLeaders } from "../../engine/provision/kafka-topics.js";
import { generateClusterId } from "../../engine/secrets.js";

export const KAFKA_IMAGE = "helk-test/kafka:4.1.1";

export interface KafkaFixture {
  bootstrap: string;
  /** The broker's container name (benchmarks read its CPU time). */
  container: string;
  kafka: Kafka;
  /** Create a topic with a fresh name; returns the name. */
  freshTopic(prefix: string, partitions?: number): Promise<string>;
  /** Create a topic (topic-level configs as name → value) and wait until each partition has a leader. */
  createTopic(topic: string, partitions: number, configs?: Record<string, string>): Promise<void>;
  /** Messages in a topic: the sum of its partitions' high watermarks. */
  messageCount(topic: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startKafka(port: number): Promise<KafkaFixture> {
  const inspect = await execa("docker", ["image", "inspect", KAFKA_IMAGE], { reject: false });
  if (inspect.exitCode !== 0) throw new Error(`${KAFKA_IMAGE} is missing: run scripts/build-fixture-images.sh (scripts/test.sh does)`);
  const name = `helktest-kafka-${process.pid}-${port}`;
  await execa("docker", ["rm", "-f", "-v", name], { reject: false });
  // The broker runs with exactly the environment HELK's compose model gives Kafka.
  const config = { ...defaultConfig(), hostIp: "127.0.0.1", ports: { ...defaultConfig().ports, kafka: port } };
  const env = kafkaService({
    config,
    hostIp: "127.0.0.1",
    memory: { limitMiB: 1024, heapMiB: 512 },
    selected: new Set(["kafka"]),
    kafkaClusterId: generateClusterId(),
    maxOpenFiles: 65535,
  }).environment as Record<string, string>;
  await execa("docker", [
    "run",
    "-d",
    "--name",
    name,
    "--hostname",
    "kafka",
    "--label",
    "org.helk.test=true",
    "-p",
    `127.0.0.1:${port}:9092`,
    ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
    KAFKA_IMAGE,
  ]);
  const bootstrap = `127.0.0.1:${port}`;
  const kafka = new Kafka({ clientId: "helk-test", brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      // Each attempt is bounded too: one that never settles would otherwise hold the hook to
      // vitest's hook timeout, past this deadline and without the broker's log.
      await within(Math.max(deadline - Date.now(), 5_000), async () => {
        await admin.connect();
        await admin.describeCluster();
        // Ready for consumer groups too: the first group lookup makes the broker create its offsets
        // topic, and until that is loaded a consumer's join fails (in CI, a test's whole deadline).
        await admin.describeGroups(["helk-test-ready"]);
      });
      break;
    } catch (err) {
      await admin.disconnect().catch(() => undefined);
      if (Date.now() > deadline) {
        const logs = await execa("docker", ["logs", "--tail", "30", name], { reject: false, all: true });
        throw new Error(`Kafka fixture did not come up in 90 s: ${String(err)}\n${logs.all}`);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  // KRaft applies a new topic to the broker's metadata after CreateTopics answers: kafkajs's own
  // wait (waitForLeaders: true) fails on "This server does not host this topic-partition" when
  // it asks too soon (seen in CI on a busy machine), HELK's provisioning wait asks again.
  const createTopic = async (topic: string, partitions: number, configs: Record<string, string> = {}) => {
    const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }],
      waitForLeaders: false,
    });
    await waitForLeaders(admin, [topic], 30_000);
  };
  return {
    bootstrap,
    container: name,
    kafka,
    freshTopic: async (prefix, partitions = 3) => {
      const topic = `${prefix}-${randomUUID().slice(0, 8)}`;
      await createTopic(topic, partitions);
      return topic;
    },
    createTopic,
    messageCount: async (topic) => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0),
    stop: async () => {
      await within(10_000, () => admin.disconnect()).catch(() => undefined);
      await execa("docker", ["rm", "-f", "-v", name], { reject: false });
    },
  };
}

/** `work`, or a rejection naming the limit once `ms` have passed without it settling. */
async function within<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([work(), limit]);
  } finally {
    clearTimeout(timer);
  }
}
