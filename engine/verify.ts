/**
 * `verify`: a self-test of a live install's data path. Publishes a synthetic Sysmon EID 1 +
 * EID 3 pair with a fresh ProcessGuid into `winlogbeat`, follows it hop by hop (Kafka ack →
 * Logstash's normalised events in Elasticsearch → the joined document in `sysmon-join`), times
 * each hop, then removes what it created in Elasticsearch. Hops whose services are not in the
 * install are reported as skipped, never as passed.
 */
import { randomUUID } from "node:crypto";
import type { Client } from "@elastic/elasticsearch";
import { describeKafkaAccess, type KafkaAccess } from "../compose/kafka-access.js";
import type { ServiceName } from "../compose/profiles.js";
import type { Clock } from "./clock.js";
import type { InstallRecord } from "./install-record.js";
import { kafkaClient, kafkaErrorHint } from "./kafka-client.js";
import { type EsLogin, esClient } from "./probes/elasticsearch-probe.js";
import { caughtUpTo, JOIN_INDEX, readStreamStatus, type StreamStatus } from "./probes/stream-join-probe.js";

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
  ok: boolean;
  processGuid: string;
  hops: HopResult[];
  /** The first hop that failed, for scripts: `helk verify --json | jq .failedHop`. */
  failedHop?: HopName;
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

const SYSMON_INDEX = "logs-endpoint-winevent-sysmon-*";
const HOST = "helk-verify";

/** The join job's watermark delay (HELK_JOIN_WATERMARK, images/jupyter/jobs/sysmon_join.py). */
const JOIN_WATERMARK_MS = 10 * 60_000;

/**
 * The events' time: inside the join job's current event-time window, so the pair is neither
 * dropped as late nor moves the watermark past recorded data a user may replay later. That
 * window starts at the watermark the job will use next: the latest event time it has seen minus
 * its delay, or the last reported watermark if that is later. A job that has seen nothing yet
 * gets a fixed time far in the past for the same reason.
 */
export function syntheticEventTime(watermark: string | null | undefined, eventTimeMax?: string | null): Date {
  const candidates = [
    watermark ? Date.parse(watermark) : Number.NaN,
    eventTimeMax ? Date.parse(eventTimeMax) - JOIN_WATERMARK_MS : Number.NaN,
  ].filter((t) => Number.isFinite(t) && t > 0);
  if (candidates.length === 0) return new Date(Date.UTC(2000, 0, 1));
  return new Date(Math.max(...candidates) + 5 * 60_000);
}

export function syntheticPair(processGuid: string, at: Date): { create: Record<string, unknown>; connect: Record<string, unknown> } {
  const iso = (d: Date) => d.toISOString();
  const later = new Date(at.getTime() + 1500);
  const common = {
    SourceName: "Microsoft-Windows-Sysmon",
    Channel: "Microsoft-Windows-Sysmon/Operational",
    Hostname: HOST,
    ProcessGuid: processGuid,
    ProcessId: "4242",
    Image: "C:\\Windows\\System32\\helk-verify.exe",
    User: "HELK\\verify",
  };
  return {
    create: {
      ...common,
      EventID: 1,
      "@timestamp": iso(at),
      UtcTime: iso(at).replace("T", " ").replace("Z", ""),
      CommandLine: "helk-verify.exe --self-test",
      ParentImage: "C:\\Windows\\System32\\cmd.exe",
      ParentCommandLine: "cmd.exe /c helk verify",
      Hashes: "SHA256=0000000000000000000000000000000000000000000000000000000000000000",
    },
    connect: {
      ...common,
      EventID: 3,
      "@timestamp": iso(later),
      UtcTime: iso(later).replace("T", " ").replace("Z", ""),
      Protocol: "tcp",
      SourceIp: "127.0.0.1",
      SourcePort: "49152",
      DestinationIp: "127.0.0.1",
      DestinationPort: "9",
      DestinationHostname: "helk-verify.invalid",
    },
  };
}

async function publish(access: KafkaAccess, messages: Record<string, unknown>[], timeoutMs: number): Promise<void> {
  const kafka = kafkaClient(access, "helk-verify", {
    connectionTimeout: Math.min(timeoutMs, 10_000),
    requestTimeout: timeoutMs,
    retry: { retries: 2, initialRetryTime: 300 },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({
      topic: "winlogbeat",
      acks: -1,
      timeout: timeoutMs,
      messages: messages.map((m) => ({ key: HOST, value: JSON.stringify(m) })),
    });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/** Polls until `count` documents for the ProcessGuid are searchable in `index`, or the deadline. */
async function waitForDocs(
  es: Client,
  index: string,
  processGuid: string,
  count: number,
  deadline: number,
  clock: Clock,
): Promise<{ found: number; ids: { index: string; id: string }[] }> {
  let found = 0;
  let ids: { index: string; id: string }[] = [];
  for (;;) {
    const r = await es.search({
      index,
      ignore_unavailable: true,
      allow_no_indices: true,
      size: 10,
      query: { term: { ProcessGuid: processGuid } },
      _source: false,
    });
    ids = r.hits.hits.map((h) => ({ index: h._index, id: h._id as string }));
    found = ids.length;
    if (found >= count || clock.now() >= deadline) return { found, ids };
    await clock.sleep(500);
  }
}

/** The join's report once it has read the topic to its current end, or the last one by the deadline. */
async function statusAfterBacklog(es: Client, access: KafkaAccess, clock: Clock, waitMs: number): Promise<StreamStatus | undefined> {
  let ends: Record<string, number> = {};
  const admin = kafkaClient(access, "helk-verify", { connectionTimeout: 5000, retry: { retries: 1 } }).admin();
  try {
    await admin.connect();
    ends = Object.fromEntries((await admin.fetchTopicOffsets("winlogbeat")).map((p) => [String(p.partition), Number(p.high)]));
  } catch {
    // Kafka's hop reports it; the time then comes from the last report as it is.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const deadline = clock.now() + waitMs;
  for (;;) {
    const status = await readStreamStatus(es).catch(() => undefined);
    if (caughtUpTo(status, "winlogbeat", ends) || clock.now() >= deadline) return status;
    await clock.sleep(1000);
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
  const created: { index: string; id: string }[] = [];
  try {
    // The join job's watermark decides the events' time (see syntheticEventTime), once it has
    // read what is already in the topic: data replayed just before moves it.
    const status = has("stream-join") ? await statusAfterBacklog(es, o.kafka, clock, Math.min(timeoutMs, 60_000)) : undefined;
    const pair = syntheticPair(processGuid, syntheticEventTime(status?.watermark, status?.event_time_max));

    const bootstrap = describeKafkaAccess(o.kafka);
    const started = clock.now();
    try {
      await publish(o.kafka, [pair.create, pair.connect], timeoutMs);
      add({
        hop: "kafka",
        path: `publish to ${bootstrap} topic winlogbeat`,
        outcome: "passed",
        latencyMs: clock.now() - started,
        detail: "EID 1 + EID 3 acknowledged by all in-sync replicas",
      });
    } catch (err) {
      add({
        hop: "kafka",
        path: `publish to ${bootstrap} topic winlogbeat`,
        outcome: "failed",
        detail: `${err instanceof Error ? err.message : String(err)}: ${kafkaErrorHint(err, o.kafka) ?? "is Kafka running (helk status kafka)?"}`,
      });
      return finish();
    }

    if (!has("logstash")) {
      add({
        hop: "normalised",
        path: `Logstash → ${SYSMON_INDEX}`,
        outcome: "skipped",
        detail: `no Logstash in profile ${record.profile}`,
      });
    } else {
      const r = await waitForDocs(es, SYSMON_INDEX, processGuid, 2, clock.now() + timeoutMs, clock);
      created.push(...r.ids);
      add(
        r.found >= 2
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
              detail: `${r.found} of 2 events indexed after ${o.timeoutSeconds} s: check \`helk logs logstash\``,
            },
      );
      if (r.found < 2) return finish();
    }

    const joiner = has("stream-join")
      ? "the Spark join (stream-join)"
      : has("ksqldb-server") && has("logstash")
        ? "ksqlDB → SYSMON_JOIN → Logstash"
        : undefined;
    if (!joiner) {
      add({ hop: "joined", path: `join → ${JOIN_INDEX}`, outcome: "skipped", detail: `no stream join in profile ${record.profile}` });
    } else {
      const r = await waitForDocs(es, `${JOIN_INDEX}*`, processGuid, 1, clock.now() + timeoutMs, clock);
      created.push(...r.ids);
      add(
        r.found >= 1
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
              detail: `no joined document after ${o.timeoutSeconds} s: check \`helk status\` and \`helk logs ${has("stream-join") ? "stream-join" : "ksqldb-server"}\``,
            },
      );
    }
    return finish();
  } finally {
    // What verify made in Elasticsearch goes; the two Kafka messages stay until retention.
    for (const d of created) {
      await es.delete({ index: d.index, id: d.id, refresh: true }, { ignore: [404] }).catch(() => undefined);
    }
    if (created.length) cleanup.push(`deleted ${created.length} document${created.length === 1 ? "" : "s"} from Elasticsearch`);
    cleanup.push("the 2 synthetic events stay in Kafka topic winlogbeat until its retention ends (Hostname helk-verify)");
    await es.close().catch(() => undefined);
  }

  function finish(): VerifyResult {
    const failed = hops.find((h) => h.outcome === "failed");
    return { ok: !failed, processGuid, hops, ...(failed ? { failedHop: failed.hop } : {}), cleanup };
  }
}
