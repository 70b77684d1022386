/**
 * kafka.brokers: 3 on this machine, with the real Kafka fixture: three KRaft brokers (kafka,
 * kafka-2, kafka-3) form one cluster, HELK's topics get 3 replicas and min.insync.replicas 2,
 * provisioning puts an older install's topic right without dropping min.insync.replicas, and
 * with one broker stopped `helk status` reports the degraded cluster while a replay still
 * lands every event.
 */
import { ConfigResourceTypes, ConfigSource, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../helpers/containers.js";
import { helk } from "../helpers/run-cli.js";
import { topicEnd } from "../helpers/stack-clients.js";
import { createTestStack, requireStandinImages, type StatusJson, statusWhenReady, type TestStack } from "../helpers/test-stack.js";

const MORDOR = new URL("../../../shared/datasets/mordor/", import.meta.url).pathname;
let stack: TestStack;
let kafka: Kafka;
let port: number;

describe.sequential("three Kafka brokers on one machine (kafka.brokers: 3)", () => {
  beforeAll(async () => {
    await requireStandinImages();
    stack = createTestStack("brokers", "core");
    port = stack.ports.kafka as number;
    // kafka-2 and kafka-3 take the two ports after ports.kafka; move nginx's out of their way.
    stack.writeConfig({ kafka: { brokers: 3 }, ports: { https: port + 8, http: port + 9 } });
    const r = await helk(["install", "--non-interactive", "--yes", "--json", ...stack.flags]);
    if (r.exitCode !== 0) throw new Error(`install failed (${r.exitCode}): ${r.stderr}`);
    kafka = new Kafka({
      brokers: [0, 1, 2].map((i) => `127.0.0.1:${port + i}`),
      logLevel: logLevel.NOTHING,
      retry: { retries: 12, maxRetryTime: 5000 },
    });
  });
  afterAll(() => stack?.cleanup());

  it("one cluster of three; HELK's topics have 3 replicas and min.insync.replicas 2", async () => {
    const { exitCode, status } = await statusWhenReady(stack);
    expect(exitCode, JSON.stringify(status)).toBe(0);
    expect(status.services.find((s) => s.name === "kafka")?.detail).toMatch(/^3 brokers, controller [123], 5 topics$/);
    for (const name of ["kafka-2", "kafka-3"]) expect(status.services.find((s) => s.name === name)?.state).toBe("running");

    const admin = kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: ["winlogbeat", "zeek"] });
      for (const t of meta.topics) for (const p of t.partitions) expect(p.replicas.sort(), t.name).toEqual([1, 2, 3]);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: "winlogbeat", configNames: ["min.insync.replicas"] }],
      });
      expect(configs.resources[0]?.configEntries[0]?.configValue).toBe("2");
    } finally {
      await admin.disconnect();
    }
  });

  it("an older install's winlogbeat (producer timestamps, another retention) is put right by `helk provision`; min.insync.replicas 2 stays", async () => {
    const own = async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const r = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: "winlogbeat" }],
        });
        const entries = r.resources[0]?.configEntries ?? [];
        return Object.fromEntries(
          entries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG).map((e) => [e.configName, e.configValue]),
        );
      } finally {
        await admin.disconnect();
      }
    };
    // KRaft brokers apply a config change from the metadata log a moment after AlterConfigs
    // returns, and DescribeConfigs goes to any broker: wait until three reads in a row agree.
    const settled = (want: Record<string, string>) =>
      until(`winlogbeat's configs to read ${JSON.stringify(want)}`, 30_000, async () => {
        for (let i = 0; i < 3; i++) {
          const got = await own();
          if (JSON.stringify(Object.entries(got).sort()) !== JSON.stringify(Object.entries(want).sort()))
            throw new Error(`read ${JSON.stringify(got)}`);
        }
        return true;
      });
    const week = String(168 * 3600 * 1000);
    expect(await own()).toEqual({ "retention.ms": week, "min.insync.replicas": "2", "message.timestamp.type": "LogAppendTime" });
    // What an install before arrival-time joins left (AlterConfigs replaces the topic's own configs).
    const admin = kafka.admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: "winlogbeat",
          configEntries: [
            { name: "retention.ms", value: "3600000" },
            { name: "min.insync.replicas", value: "2" },
          ],
        },
      ],
    });
    await admin.disconnect();
    await settled({ "retention.ms": "3600000", "min.insync.replicas": "2" });
    const r = await helk(["provision", ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      "changed: topic winlogbeat: retention set to 168 h",
      "changed: topic winlogbeat: message.timestamp.type set to LogAppendTime (the broker stamps arrival time, the joins' clock)",
    ]);
    // A retention-only AlterConfigs (the old provisioning) dropped min.insync.replicas here.
    await settled({ "retention.ms": week, "min.insync.replicas": "2", "message.timestamp.type": "LogAppendTime" });
    const again = await helk(["provision", ...stack.flags]);
    expect(again.stdout).toBe("nothing to change: everything is as configured");
  });

  it("with kafka-2 stopped, status reports the degraded cluster and a replay still lands every event", async () => {
    expect((await helk(["stop", "kafka-2", ...stack.flags])).exitCode).toBe(0);
    // Partition leadership and the in-sync sets follow once the broker's session times out.
    let row: StatusJson["services"][number] | undefined;
    let code = 0;
    for (let i = 0; i < 30; i++) {
      const r = await helk(["status", "--json", ...stack.flags]);
      code = r.exitCode;
      row = (JSON.parse(r.stdout) as StatusJson).services.find((s) => s.name === "kafka");
      if (row?.detail.startsWith("degraded")) break;
      await new Promise((res) => setTimeout(res, 2000));
    }
    expect(code).toBe(6);
    expect(row?.probe).toBe("failed");
    expect(row?.detail).toMatch(/^degraded: \d+ of \d+ partitions under-replicated; 2 brokers/);
    // HELK's 5 topics: winlogbeat's 3 partitions and 1 each for the other four.
    expect(row?.detail).toMatch(/ of 7 partitions/);

    const before = await topicEnd(kafka, "winlogbeat");
    const r = await helk(["replay", "--json", ...stack.flags, `${MORDOR}schtask_modification.zip`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { events: number }).events).toBe(2657);
    expect((await topicEnd(kafka, "winlogbeat")) - before).toBe(2657);
  });

  it("kafka-2 back: the cluster heals and status is healthy again", async () => {
    expect((await helk(["start", "kafka-2", ...stack.flags])).exitCode).toBe(0);
    const { exitCode, status } = await statusWhenReady(stack, 120_000);
    expect(exitCode, JSON.stringify(status)).toBe(0);
    expect(status.services.find((s) => s.name === "kafka")?.detail).toMatch(/^3 brokers/);
  });
});
