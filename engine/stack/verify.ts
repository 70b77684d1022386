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
import { describeKafkaAccess, type KafkaAccess } from "../../compose/kafka-access.js";
import type { ServiceName } from "../../compose/profiles.js";
import type { Clock } from "../clock.js";
import { type EsLogin, esClient } from "../elasticsearch-client.js";
import type { InstallRecord } from "../install/install-record.js";
import { kafkaClient, kafkaErrorHint } from "../kafka-client.js";
import { JOIN_INDEX, readStreamStatus } from "../probes/stream-join-probe.js";
import { type CleanupResult, removePair } from "./verify-cleanup.js";
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

/** One verify run: what each hop needs, and the hops reported so far. */
interface Run {
  o: VerifyOptions;
  es: Client;
  processGuid: string;
  timeoutMs: number;
  /** When the pair was published; each hop's latency counts from here. */
  started: number;
  /** Where Kafka put the pair (the join hop reads how far the job has got past it). */
  position?: PairPosition;
  /** Set before publishing: a publish that times out may still have landed, so clean up after it too. */
  published: boolean;
  hops: HopResult[];
}

const has = (run: Run, s: ServiceName) => run.o.record.services.includes(s);

function add(run: Run, h: HopResult): void {
  run.hops.push(h);
  run.o.onHop?.(h);
}

/** Hop 1: both events acknowledged by all in-sync replicas. */
async function kafkaHop(run: Run): Promise<boolean> {
  const { o, processGuid } = run;
  const pair = syntheticPair(processGuid, o.clock.now());
  const path = `publish to ${describeKafkaAccess(o.kafka)} topic ${TOPIC}`;
  run.started = o.clock.now();
  try {
    run.published = true;
    const position = await publish(o.kafka, [pair.create, pair.connect], run.timeoutMs);
    if (position) run.position = position;
    add(run, {
      hop: "kafka",
      path,
      outcome: "passed",
      latencyMs: o.clock.now() - run.started,
      detail: "EID 1 + EID 3 acknowledged by all in-sync replicas",
    });
    return true;
  } catch (err) {
    add(run, {
      hop: "kafka",
      path,
      outcome: "failed",
      detail: `${err instanceof Error ? err.message : String(err)}: ${kafkaErrorHint(err, o.kafka) ?? "is Kafka running (helk status kafka)?"}`,
    });
    return false;
  }
}

/** Hop 2: Logstash indexed both events in the Sysmon family. */
async function normalisedHop(run: Run): Promise<boolean> {
  const { o } = run;
  const path = `Logstash → ${SYSMON_INDEX}`;
  if (!has(run, "logstash")) {
    add(run, { hop: "normalised", path, outcome: "skipped", detail: `no Logstash in profile ${o.record.profile}` });
    return true;
  }
  const found = await waitForDocs(run.es, SYSMON_INDEX, run.processGuid, 2, o.clock.now() + run.timeoutMs, o.clock);
  add(
    run,
    found >= 2
      ? { hop: "normalised", path, outcome: "passed", latencyMs: o.clock.now() - run.started, detail: "both events indexed" }
      : {
          hop: "normalised",
          path,
          outcome: "failed",
          detail: `${found} of 2 events indexed after ${o.timeoutSeconds} s: check \`helk logs logstash\``,
        },
  );
  return found >= 2;
}

/** Hop 3: the stream join (Spark, or ksqlDB through Logstash) indexed the joined document. */
async function joinedHop(run: Run): Promise<void> {
  const { o } = run;
  const spark = has(run, "stream-join");
  const joiner = spark
    ? "the Spark join (stream-join)"
    : has(run, "ksqldb-server") && has(run, "logstash")
      ? "ksqlDB → SYSMON_JOIN → Logstash"
      : undefined;
  if (!joiner) {
    add(run, { hop: "joined", path: `join → ${JOIN_INDEX}`, outcome: "skipped", detail: `no stream join in profile ${o.record.profile}` });
    return;
  }
  const path = `${joiner} → ${JOIN_INDEX}`;
  const found = await waitForDocs(run.es, `${JOIN_INDEX}*`, run.processGuid, 1, o.clock.now() + run.timeoutMs, o.clock);
  if (found >= 1) {
    add(run, { hop: "joined", path, outcome: "passed", latencyMs: o.clock.now() - run.started, detail: "joined document indexed" });
    return;
  }
  // Why not, for the Spark job: it reports how far it has read, and the pair's offset is known.
  const why = spark
    ? `; ${joinLagDetail(await readStreamStatus(run.es).catch(() => undefined), TOPIC, run.position, o.clock.now())}`
    : ": check `helk status` and `helk logs ksqldb-server`";
  add(run, { hop: "joined", path, outcome: "failed", detail: `no joined document after ${o.timeoutSeconds} s${why}` });
}

/** The hops in order, stopping at the first that fails (what follows it cannot pass). */
async function followHops(run: Run): Promise<void> {
  if (!(await kafkaHop(run))) return;
  if (!(await normalisedHop(run))) return;
  await joinedHop(run);
}

/** What the clean-up did, in the lines `helk verify` prints under the hops. */
function cleanupLines(c: CleanupResult, processGuid: string, kafkaPassed: boolean): string[] {
  const where = PAIR_INDICES.join(", ");
  const lines = [
    `deleted ${c.deleted} document${c.deleted === 1 ? "" : "s"} from Elasticsearch`,
    c.error
      ? `could not check that none is left (${c.error}): look for ProcessGuid ${processGuid} in ${where}`
      : c.remaining === 0
        ? `none left: 0 documents with ProcessGuid ${processGuid} in ${where}`
        : `${c.remaining} document${c.remaining === 1 ? "" : "s"} with ProcessGuid ${processGuid} still in ${where}: filter them out with NOT Hostname:${VERIFY_HOST}`,
  ];
  if (kafkaPassed)
    lines.push(
      `the 2 synthetic events stay in Kafka topic ${TOPIC} until its retention ends (host.name ${VERIFY_HOST}, tags ${VERIFY_TAG}); a document made from them after this (a late arrival, a join re-reading the topic) has Hostname ${VERIFY_HOST}`,
    );
  return lines;
}

export async function verify(o: VerifyOptions): Promise<VerifyResult> {
  const run: Run = {
    o,
    es: esClient(o.elasticsearch, 10_000),
    processGuid: `{${randomUUID()}}`,
    timeoutMs: o.timeoutSeconds * 1000,
    started: o.clock.now(),
    published: false,
    hops: [],
  };
  const cleanup: string[] = [];
  let left = 0;
  try {
    await followHops(run);
  } finally {
    // The pair leaves no document behind: every one found is deleted and the count proves it.
    if (run.published) {
      const c = await removePair(run.es, PAIR_INDICES, run.processGuid, o.clock);
      left = c.remaining;
      cleanup.push(...cleanupLines(c, run.processGuid, run.hops[0]?.outcome === "passed"));
    }
    await run.es.close().catch(() => undefined);
  }
  const failed = run.hops.find((h) => h.outcome === "failed");
  return {
    ok: !failed && left === 0,
    processGuid: run.processGuid,
    hops: run.hops,
    ...(failed ? { failedHop: failed.hop } : {}),
    leftInElasticsearch: left,
    cleanup,
  };
}
