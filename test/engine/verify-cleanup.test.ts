/**
 * `helk verify`'s engine against a real Kafka broker and a real Elasticsearch node (the
 * fixture, security on, logged in as `elastic` like verify on HELK's own cluster), with the
 * hops between them played by this test: Logstash and ksqlDB cannot run here, and the Spark job
 * has its own test (hunt-join). The stand-in reads what verify really publishes and writes what
 * Logstash and the join would: the two normalised events (event_data lifted to the top, into
 * HELK's daily Sysmon index) and the joined document (into sysmon-join).
 *
 * What this proves: the pair on the wire is Winlogbeat 8's shape, dated now; verify passes
 * every hop when the documents come; then it deletes every one of them, proves the count is 0,
 * and leaves users' documents alone; a hop that never comes fails, and what did come is
 * deleted all the same. Not proven here: a data stream's backing indices (the fixture has no
 * data-streams module, and HELK's templates keep its indices plain).
 */
import { Client } from "@elastic/elasticsearch";
import type { Consumer } from "kafkajs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../engine/clock.js";
import type { InstallRecord } from "../../engine/install/install-record.js";
import { provisionElasticsearch } from "../../engine/provision/elasticsearch.js";
import { verify } from "../../engine/stack/verify.js";
import { createSandbox, type Sandbox, until } from "../helpers/containers.js";
import { ES_FIXTURE } from "../helpers/doubles.js";
import { configFor, SECRETS } from "../helpers/fixtures.js";
import { type KafkaFixture, startKafka } from "../helpers/kafka-fixture.js";
import { freePortBlock } from "../helpers/port-block.js";
import { requireImages } from "../helpers/test-stack.js";

const PASSWORD = "VerifyElastic0001";
const SYSMON = "logs-endpoint-winevent-sysmon-2026.12.01";
let box: Sandbox;
let kafka: KafkaFixture;
let url: string;
let es: Client;
let standIn: Consumer | undefined;

type Event = Record<string, unknown> & { winlog: { event_id: string; event_data: Record<string, string>; computer_name: string } };
const seen: { at: number; event: Event }[] = [];

/** Plays Logstash (normalised events) and, when `join` is set, the join, for every Sysmon event verify publishes. */
async function startStandIn(join: boolean): Promise<void> {
  const started = Date.now();
  const consumer = kafka.kafka.consumer({ groupId: `standin-${started}` });
  standIn = consumer;
  await consumer.connect();
  // From the beginning, so no record slips between joining the group and finding the end;
  // records from before this stand-in (an earlier test's pair) are skipped by their timestamp.
  await consumer.subscribe({ topic: "winlogbeat", fromBeginning: true });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  const creates = new Map<string, Event>();
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (Number(message.timestamp) < started - 1000) return;
      const event = JSON.parse(message.value?.toString() ?? "{}") as Event;
      seen.push({ at: Date.now(), event });
      const data = event.winlog.event_data;
      // Logstash's 30-windows-normalise: header fields copied, event_data lifted to the top.
      await es.index({
        index: SYSMON,
        document: { ...event, EventID: Number(event.winlog.event_id), Hostname: event.winlog.computer_name, ...data },
        refresh: true,
      });
      if (event.winlog.event_id === "1") creates.set(data.ProcessGuid as string, event);
      const process = creates.get(data.ProcessGuid as string);
      if (join && event.winlog.event_id === "3" && process)
        await es.index({
          index: "sysmon-join",
          document: {
            "@timestamp": event["@timestamp"],
            ProcessGuid: data.ProcessGuid,
            Hostname: event.winlog.computer_name,
            Image: process.winlog.event_data.Image,
            DestinationIp: data.DestinationIp,
          },
          refresh: true,
        });
    },
  });
  // The consumer has its partitions once the group has joined: wait for that before publishing.
  await until("the stand-in joined its group", 120_000, async () => (joined ? true : undefined));
}

function record(): InstallRecord {
  const config = configFor("notebook-analysis");
  return {
    version: "test",
    project: "helk-verify-test",
    profile: "notebook-analysis",
    addons: [],
    // The hops verify follows in this profile; the services themselves are this test's stand-in.
    services: ["kafka", "elasticsearch", "logstash", "stream-join"],
    hostIp: "127.0.0.1",
    installHome: "/nonexistent",
    composeFile: "/nonexistent/compose.yaml",
    logFile: "/dev/null",
    installedAt: new Date().toISOString(),
    config,
  };
}

const run = (timeoutSeconds: number) =>
  verify({
    record: record(),
    elasticsearch: { nodes: [url], username: "elastic", password: PASSWORD },
    kafka: { brokers: [kafka.bootstrap] },
    timeoutSeconds,
    clock: systemClock,
  });

const pairDocs = async (guid: string) =>
  (
    await es.count({
      index: "logs-endpoint-winevent-*,sysmon-join*",
      ignore_unavailable: true,
      allow_no_indices: true,
      query: { bool: { should: [{ term: { ProcessGuid: guid } }, { term: { "winlog.event_data.ProcessGuid": guid } }] } },
    })
  ).count;

describe.sequential("verify against real Kafka and Elasticsearch, the hops between them played by the test", () => {
  beforeAll(async () => {
    await requireImages([ES_FIXTURE], "run scripts/build-fixture-images.sh");
    box = await createSandbox("verify");
    await box.run("es", ES_FIXTURE, {
      publish: 9200,
      env: {
        "discovery.type": "single-node",
        "xpack.security.enabled": "true",
        ELASTIC_PASSWORD: PASSWORD,
        ES_JAVA_OPTS: "-Xms256m -Xmx256m",
      },
    });
    kafka = await startKafka(freePortBlock(1));
    await kafka.createTopic("winlogbeat", 3);
    url = `http://127.0.0.1:${await box.port("es", 9200)}`;
    es = new Client({ node: url, auth: { username: "elastic", password: PASSWORD } });
    // Generous: on a machine busy with other stacks the node takes minutes to start.
    await until("the fixture answers as elastic", 300_000, async () =>
      (await es.cluster.health({ wait_for_status: "yellow", timeout: "5s" })) ? true : undefined,
    );
    await until("the built-in logs template", 60_000, async () =>
      (await es.indices.existsIndexTemplate({ name: "logs" })) ? true : undefined,
    );
    await provisionElasticsearch({
      access: { nodes: [url], username: "elastic", password: PASSWORD, external: false },
      manageUsers: false,
      secrets: SECRETS,
      retentionDays: 7,
    });
    // Users' own documents, which verify must leave alone.
    for (const index of [SYSMON, "sysmon-join"])
      for (const guid of ["{USER-0001}", "{USER-0002}"])
        await es.index({ index, document: { "@timestamp": "2020-10-23T10:00:00Z", ProcessGuid: guid, Hostname: "WS1" }, refresh: true });
  }, 480_000);
  afterEach(async () => {
    await standIn?.disconnect();
    standIn = undefined;
    seen.length = 0;
  });
  afterAll(async () => {
    await es?.close();
    await kafka?.stop();
    await box?.cleanup();
  });

  it("every hop passes; the pair was Winlogbeat 8 dated now; its 3 documents are deleted, proven by a count of 0; users' 4 stay", async () => {
    await startStandIn(true);
    const before = Date.now();
    const r = await run(60);
    expect(
      r.hops.map((h) => `${h.hop}:${h.outcome}`),
      JSON.stringify(r),
    ).toEqual(["kafka:passed", "normalised:passed", "joined:passed"]);
    expect(r.ok).toBe(true);
    expect(r.cleanup[0]).toBe("deleted 3 documents from Elasticsearch");
    expect(r.cleanup[1]).toBe(`none left: 0 documents with ProcessGuid ${r.processGuid} in logs-endpoint-winevent-*, sysmon-join*`);
    expect(r.leftInElasticsearch).toBe(0);
    // Checked again here, with this test's own client.
    expect(await pairDocs(r.processGuid)).toBe(0);
    expect((await es.count({ index: `${SYSMON},sysmon-join` })).count).toBe(4);

    // What went over the wire: Winlogbeat 8's nested shape, event ids as strings, dated now.
    const pair = seen.filter((s) => s.event.winlog.event_data.ProcessGuid === r.processGuid);
    expect(pair.map((s) => s.event.winlog.event_id)).toEqual(["1", "3"]);
    for (const { event } of pair) {
      expect(event.EventID).toBeUndefined();
      expect((event.host as { name: string }).name).toBe("helk-verify");
      const at = Date.parse(event["@timestamp"] as string);
      expect(at).toBeGreaterThanOrEqual(before - 2000);
      expect(at).toBeLessThanOrEqual(Date.now());
    }
  }, 120_000);

  it("no join: the joined hop fails with why, and the 2 normalised events that did come are deleted all the same", async () => {
    await startStandIn(false);
    const r = await run(4);
    expect(r.hops.map((h) => `${h.hop}:${h.outcome}`)).toEqual(["kafka:passed", "normalised:passed", "joined:failed"]);
    expect(r.failedHop).toBe("joined");
    // No job ever reported to helk-stream-status here.
    expect(r.hops[2]?.detail).toBe("no joined document after 4 s; the job has not reported yet (helk status stream-join)");
    expect(r.cleanup[0]).toBe("deleted 2 documents from Elasticsearch");
    expect(r.leftInElasticsearch).toBe(0);
    expect(await pairDocs(r.processGuid)).toBe(0);
    expect((await es.count({ index: `${SYSMON},sysmon-join` })).count).toBe(4);
  }, 120_000);
});
