/**
 * `helk replay` into a real Kafka broker: each shared data set leaves exactly its events in
 * a fresh topic, keyed by host, values byte for byte; a broker refusing the topic is exit 10.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KafkaFixture, startKafka } from "../helpers/kafka-fixture.js";
import { helk } from "../helpers/run-cli.js";

const MORDOR = new URL("../../../shared/datasets/mordor/", import.meta.url).pathname;
const SETS = [
  ["cmd_bitsadmin_download_psh_script.zip", 424],
  ["covenant_dcom_executeexcel4macro_allowed.zip", 8121],
  ["empire_launcher_sct_regsvr32.zip", 2390],
  ["schtask_modification.zip", 2657],
] as const;

let kafka: KafkaFixture;

describe.sequential("replay into a real Kafka", () => {
  beforeAll(async () => {
    kafka = await startKafka(24000 + (process.pid % 500));
  });
  afterAll(() => kafka?.stop());

  it.each(SETS)("%s: the fresh topic holds exactly %d messages", async (file, events) => {
    const topic = await kafka.freshTopic("replay");
    const r = await helk(["replay", "--json", "--topic", topic, "--bootstrap", kafka.bootstrap, `${MORDOR}${file}`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { events: number }).events).toBe(events);
    expect(await kafka.messageCount(topic)).toBe(events);
  });

  it("keys by host name and keeps each line byte for byte", async () => {
    const topic = await kafka.freshTopic("bytes", 1);
    const lines = ['{"Hostname":"WS1","EventID":1,"x":"a b"}', '{ "host": {"name": "ws2"},  "EventID": 3 }'];
    const r = await helk(["replay", "--topic", topic, "--bootstrap", kafka.bootstrap, "-"], { input: `${lines.join("\r\n")}\n` });
    expect(r.exitCode, r.stderr).toBe(0);
    const consumer = kafka.kafka.consumer({ groupId: `t-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: { key: string; value: string }[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({ key: message.key?.toString() ?? "", value: message.value?.toString() ?? "" });
          if (seen.length === 2) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(seen).toEqual([
      { key: "WS1", value: lines[0] },
      { key: "ws2", value: lines[1] },
    ]);
  });

  it("a topic the broker does not have: exit 10 before reading anything", async () => {
    const r = await helk(["replay", "--topic", "no-such-topic", "--bootstrap", kafka.bootstrap, `${MORDOR}schtask_modification.zip`]);
    expect(r.exitCode).toBe(10);
    expect(r.stderr).toContain(`error: topic no-such-topic does not exist on ${kafka.bootstrap} (0 events sent before the error)`);
  });

  it("--rate paces the replay", async () => {
    const topic = await kafka.freshTopic("rate", 1);
    const r = await helk([
      "replay",
      "--json",
      "--rate",
      "200",
      "--limit",
      "300",
      "--topic",
      topic,
      "--bootstrap",
      kafka.bootstrap,
      `${MORDOR}cmd_bitsadmin_download_psh_script.zip`,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { events: number; seconds: number };
    expect(s.events).toBe(300);
    expect(s.seconds).toBeGreaterThanOrEqual(1.4);
    expect(await kafka.messageCount(topic)).toBe(300);
  });
});
