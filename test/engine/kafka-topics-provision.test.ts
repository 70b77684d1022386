/**
 * Topic provisioning on a real broker (the Kafka fixture): the joins' source topic gets
 * arrival-time records (message.timestamp.type=LogAppendTime), an older install's topic gets
 * it on the next run, every config HELK does not manage survives the change (kafkajs's
 * AlterConfigs replaces all of a topic's own configs), a second run changes nothing, and an
 * external cluster's existing topic keeps its clock with a note.
 */
import { ConfigResourceTypes, ConfigSource } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../compose/config/schema.js";
import { provisionTopics } from "../../engine/provision/kafka-topics.js";
import { type KafkaFixture, startKafka } from "../helpers/kafka-fixture.js";
import { freePortBlock } from "../helpers/port-block.js";
import { readMessages } from "../helpers/stack-clients.js";

let kafka: KafkaFixture;
const topics = defaultConfig().kafka.topics;
const WEEK_MS = String(168 * 3600 * 1000);

/** A topic's own configs (set on the topic, not inherited), as the broker reports them. */
async function ownConfigs(topic: string): Promise<Record<string, string>> {
  const admin = kafka.kafka.admin();
  await admin.connect();
  try {
    const r = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    const entries = r.resources[0]?.configEntries ?? [];
    return Object.fromEntries(
      entries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG).map((e) => [e.configName, e.configValue]),
    );
  } finally {
    await admin.disconnect();
  }
}

/** Puts a topic back in the state an older HELK (or an operator) left it: exactly these own configs. */
async function setOwnConfigs(topic: string, configs: Record<string, string>): Promise<void> {
  const admin = kafka.kafka.admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: topic, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

/** An older install's winlogbeat: producer timestamps, another retention, and two configs of the operator's. */
const OLD = { "retention.ms": "3600000", "min.insync.replicas": "1", "max.message.bytes": "2097152" };

describe.sequential("Kafka topics on a real broker", () => {
  beforeAll(async () => {
    kafka = await startKafka(freePortBlock(1));
  });
  afterAll(() => kafka?.stop());

  it("a fresh broker: HELK's topics are created, winlogbeat with LogAppendTime, the others with producer time", async () => {
    const r = await provisionTopics(kafka.kafka, topics);
    expect(r.changes).toContain("created topic winlogbeat (3 partitions, retention 168 h, LogAppendTime)");
    expect(r.changes).toContain("created topic zeek (1 partitions, retention 168 h)");
    expect(r.notes).toEqual([]);
    expect(await ownConfigs("winlogbeat")).toEqual({ "retention.ms": WEEK_MS, "message.timestamp.type": "LogAppendTime" });
    expect(await ownConfigs("zeek")).toEqual({ "retention.ms": WEEK_MS });
    expect(await provisionTopics(kafka.kafka, topics)).toEqual({ changes: [], notes: [] });
  });

  it("the broker stamps winlogbeat's records with their arrival, whatever time the producer wrote", async () => {
    const producer = kafka.kafka.producer();
    await producer.connect();
    const before = Date.now();
    const old = Date.parse("2020-07-22T20:28:13.755Z");
    await producer.send({ topic: "winlogbeat", messages: [{ key: "h", value: "{}", timestamp: String(old) }] });
    await producer.send({ topic: "zeek", messages: [{ key: "h", value: "{}", timestamp: String(old) }] });
    await producer.disconnect();
    const read = await readMessages(kafka.kafka, ["winlogbeat", "zeek"], `stamps-${process.pid}`, 2);
    const stamps = Object.fromEntries(read.map((m) => [m.topic, m.timestamp]));
    // LogAppendTime: the broker's clock when the record arrived; CreateTime: the producer's value.
    expect(stamps.winlogbeat).toBeGreaterThanOrEqual(before - 5000);
    expect(stamps.winlogbeat).toBeLessThanOrEqual(Date.now() + 5000);
    expect(stamps.zeek).toBe(old);
  });

  it("an older install's topic gets LogAppendTime and its retention back; the operator's own configs survive", async () => {
    await setOwnConfigs("winlogbeat", OLD);
    expect(await ownConfigs("winlogbeat")).toEqual(OLD);
    const r = await provisionTopics(kafka.kafka, topics);
    expect(r.changes).toEqual([
      "topic winlogbeat: retention set to 168 h",
      "topic winlogbeat: message.timestamp.type set to LogAppendTime (the broker stamps arrival time, the joins' clock)",
    ]);
    // A plain AlterConfigs of the two would have erased min.insync.replicas and max.message.bytes.
    expect(await ownConfigs("winlogbeat")).toEqual({ ...OLD, "retention.ms": WEEK_MS, "message.timestamp.type": "LogAppendTime" });
    expect(await provisionTopics(kafka.kafka, topics)).toEqual({ changes: [], notes: [] });
  });

  it("an external cluster's existing topic keeps its clock (a note says how to change it); its retention is still HELK's", async () => {
    await setOwnConfigs("winlogbeat", OLD);
    const r = await provisionTopics(kafka.kafka, topics, { external: true });
    expect(r.changes).toEqual(["topic winlogbeat: retention set to 168 h"]);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(/^topic winlogbeat keeps message\.timestamp\.type CreateTime /);
    expect(r.notes[0]).toContain("--entity-name winlogbeat --add-config message.timestamp.type=LogAppendTime");
    expect(await ownConfigs("winlogbeat")).toEqual({ ...OLD, "retention.ms": WEEK_MS });
    const again = await provisionTopics(kafka.kafka, topics, { external: true });
    expect(again.changes).toEqual([]);
    expect(again.notes).toEqual(r.notes);
  });
});
