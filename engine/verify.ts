/**
 * `verify`: a self-test of a live install's data path. Publishes a synthetic Sysmon EID 1 +
 * EID 3 pair with a fresh ProcessGuid into `winlogbeat`, in Winlogbeat 8's shape and dated now,
 * as a real endpoint sends it (verify-pair.ts); follows it hop by hop (Kafka ack → Logstash's
 * normalised events in Elasticsearch → the joined document in `sysmon-join`), times each hop,
 * then deletes every document of the pair from Elasticsearch and proves none is left
 * (verify-cleanup.ts), so it never lands in users' counts. Hops whose services are not in the
 * install are reported as skipped, never as passed.
 *
 * The joins run on arrival time, so the pair needs no date chosen around the join's state: it
 * is published as it is, now. Only a failed join hop reads the job's report, to say whether
 * the job is stopped, still reading a backlog, or read past the pair without joining it.
 */
import { randomUUID } from "node:crypto";
import type { Client } from "@elastic/elasticsearch";
import { describeKafkaAccess, type KafkaAccess } from "../compose/kafka-access.js";
import type { ServiceName } from "../compose/profiles.js";
import type { Clock } from "./clock.js";
import { type EsLogin, esClient } from "./elasticsearch-client.js";
import type { InstallRecord } from "./install-record.js";
import { kafkaClient, kafkaErrorHint } from "./kafka-client.js";
import { JOIN_INDEX, readStreamStatus } from "./probes/stream-join-probe.js";
import { removePair } from "./verify-cleanup.js";
import { joinLagDetail, type PairPosition, pairQuery, syntheticPair, VERIFY_HOST, VERIFY_TAG } from "./verify-pair.js";

export type HopName = "kafka" | "normalised" | "joined";

export interface HopResult {
  hop: HopName;
  /** What the hop proves, e.g. "Logstash → logs-endpoint-winevent-sysmon-*". */
  path: string;
  outcome: "passed" | "failed" | "skipped";
  /** From publishing to this hop's evidence, ms (passed hops only). */
  latencyMs?: number;
  detail: string;
}

export interface VerifyResult {
  /** Every hop that applies passed, and the pair was proven gone from Elasticsearch. */
  ok: boolean;
  processGuid: string;
  hops: HopResult[];
  /** The first hop that failed, for scripts: `helk verify --json | jq .failedHop`. */
  failedHop?: HopName;
  /** Documents of the pair left in Elasticsearch after the clean-up (0 when proven clean; -1 when it could not be checked). */
  leftInElasticsearch: number;
  cleanup: string[];
}

export interface VerifyOptions {
  record: InstallRecord;
  /** How this host reaches the install's Elasticsearch (with its login when required). */
  elasticsearch: EsLogin;
  /** How this host reaches the install's Kafka (with its SCRAM login when required). */
  kafka: KafkaAccess;
  /** How long each hop may take, seconds. */
  timeoutSeconds: number;
  clock: Clock;
  onHop?: (hop: HopResult) => void;
}

const TOPIC = "winlogbeat";
const SYSMON_INDEX = "logs-endpoint-winevent-sysmon-*";
/**
 * Every index the pair can reach: the normalised Windows families (a pipeline that routes it
 * elsewhere than the Sysmon family must not leave it behind either) and the join's.
 */
const PAIR_INDICES = ["logs-endpoint-winevent-*", `${JOIN_INDEX}*`];

async function publish(access: KafkaAccess, messages: Record<string, unknown>[], timeoutMs: number): Promise<PairPosition | undefined> {
  const kafka = kafkaClient(access, "helk-verify", {
    connectionTimeout: Math.min(timeoutMs, 10_000),
    requestTimeout: timeoutMs,
    retry: { retries: 2, initialRetryTime: 300 },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // One key, so both records go to one partition, in order, in one batch.
    const meta = await producer.send({
      topic: TOPIC,
      acks: -1,
      timeout: timeoutMs,
      messages: messages.map((m) => ({ key: VERIFY_HOST, value: JSON.stringify(m) })),
    });
    const first = meta[0];
    return first?.baseOffset === undefined
      ? undefined
      : { partition: first.partition, lastOffset: Number(first.baseOffset) + messages.length - 1 };
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/** Polls until `count` documents of the pair are searchable in `index`, or the deadline. */
async function waitForDocs(es: Client, index: string, processGuid: string, count: number, deadline: number, clock: Clock): Promise<number> {
  for (;;) {
    let found = 0;
    try {
      const r = await es.count({ index, ignore_unavailable: true, allow_no_indices: true, query: pairQuery(processGuid) });
      found = r.count;
    } catch {
      // An index being created (its shard not started yet) answers with an error for a moment.
    }
    if (found >= count || clock.now() >= deadline) return found;
    await clock.sleep(500);
  }
}

export async function verify(o: VerifyOptions): Promise<VerifyResult> {
  const { record, clock } = o;
  const has = (s: ServiceName) => record.services.includes(s);
  const processGuid = `{${randomUUID()}}`;
  const hops: HopResult[] = [];
  const cleanup: string[] = [];
  const add = (h: HopResult) => {
    hops.push(h);
    o.onHop?.(h);
  };
  const es = esClient(o.elasticsearch, 10_000);
  const timeoutMs = o.timeoutSeconds * 1000;
  let published = false;
  let left = 0;

  /** The hops in order; returns at the first that fails (what follows it cannot pass). */
  const followHops = async (): Promise<void> => {
    const pair = syntheticPair(processGuid, clock.now());
    const bootstrap = describeKafkaAccess(o.kafka);
    const started = clock.now();
    let position: PairPosition | undefined;
    try {
      published = true; // a publish that times out may still have landed: clean up after it too
      position = await publish(o.kafka, [pair.create, pair.connect], timeoutMs);
      add({
        hop: "kafka",
        path: `publish to ${bootstrap} topic ${TOPIC}`,
        outcome: "passed",
        latencyMs: clock.now() - started,
        detail: "EID 1 + EID 3 acknowledged by all in-sync replicas",
      });
    } catch (err) {
      add({
        hop: "kafka",
        path: `publish to ${bootstrap} topic ${TOPIC}`,
        outcome: "failed",
        detail: `${err instanceof Error ? err.message : String(err)}: ${kafkaErrorHint(err, o.kafka) ?? "is Kafka running (helk status kafka)?"}`,
      });
      return;
    }

    if (!has("logstash")) {
      add({
        hop: "normalised",
        path: `Logstash → ${SYSMON_INDEX}`,
        outcome: "skipped",
        detail: `no Logstash in profile ${record.profile}`,
      });
    } else {
      const found = await waitForDocs(es, SYSMON_INDEX, processGuid, 2, clock.now() + timeoutMs, clock);
      add(
        found >= 2
          ? {
              hop: "normalised",
              path: `Logstash → ${SYSMON_INDEX}`,
              outcome: "passed",
              latencyMs: clock.now() - started,
              detail: "both events indexed",
            }
          : {
              hop: "normalised",
              path: `Logstash → ${SYSMON_INDEX}`,
              outcome: "failed",
              detail: `${found} of 2 events indexed after ${o.timeoutSeconds} s: check \`helk logs logstash\``,
            },
      );
      if (found < 2) return;
    }

    const joiner = has("stream-join")
      ? "the Spark join (stream-join)"
      : has("ksqldb-server") && has("logstash")
        ? "ksqlDB → SYSMON_JOIN → Logstash"
        : undefined;
    if (!joiner) {
      add({ hop: "joined", path: `join → ${JOIN_INDEX}`, outcome: "skipped", detail: `no stream join in profile ${record.profile}` });
    } else {
      const found = await waitForDocs(es, `${JOIN_INDEX}*`, processGuid, 1, clock.now() + timeoutMs, clock);
      // Why not, for the Spark job: it reports how far it has read, and the pair's offset is known.
      const why =
        found >= 1 || !has("stream-join")
          ? ""
          : `; ${joinLagDetail(await readStreamStatus(es).catch(() => undefined), TOPIC, position, clock.now())}`;
      add(
        found >= 1
          ? {
              hop: "joined",
              path: `${joiner} → ${JOIN_INDEX}`,
              outcome: "passed",
              latencyMs: clock.now() - started,
              detail: "joined document indexed",
            }
          : {
              hop: "joined",
              path: `${joiner} → ${JOIN_INDEX}`,
              outcome: "failed",
              detail: has("stream-join")
                ? `no joined document after ${o.timeoutSeconds} s${why}`
                : `no joined document after ${o.timeoutSeconds} s: check \`helk status\` and \`helk logs ksqldb-server\``,
            },
      );
    }
  };

  try {
    await followHops();
  } finally {
    // The pair leaves no document behind: every one found is deleted and the count proves it.
    if (published) {
      const c = await removePair(es, PAIR_INDICES, processGuid, clock);
      left = c.remaining;
      cleanup.push(`deleted ${c.deleted} document${c.deleted === 1 ? "" : "s"} from Elasticsearch`);
      cleanup.push(
        c.error
          ? `could not check that none is left (${c.error}): look for ProcessGuid ${processGuid} in ${PAIR_INDICES.join(", ")}`
          : c.remaining === 0
            ? `none left: 0 documents with ProcessGuid ${processGuid} in ${PAIR_INDICES.join(", ")}`
            : `${c.remaining} document${c.remaining === 1 ? "" : "s"} with ProcessGuid ${processGuid} still in ${PAIR_INDICES.join(", ")}: filter them out with NOT Hostname:${VERIFY_HOST}`,
      );
      if (hops[0]?.outcome === "passed")
        cleanup.push(
          `the 2 synthetic events stay in Kafka topic ${TOPIC} until its retention ends (host.name ${VERIFY_HOST}, tags ${VERIFY_TAG}); a document made from them after this (a late arrival, a join re-reading the topic) has Hostname ${VERIFY_HOST}`,
        );
    }
    await es.close().catch(() => undefined);
  }

  const failed = hops.find((h) => h.outcome === "failed");
  return {
    ok: !failed && left === 0,
    processGuid,
    hops,
    ...(failed ? { failedHop: failed.hop } : {}),
    leftInElasticsearch: left,
    cleanup,
  };
}
