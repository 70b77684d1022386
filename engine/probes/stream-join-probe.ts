/**
 * The Spark Sysmon join: its own progress document (written every few seconds by
 * images/jupyter/jobs/sysmon_join.py into `helk-stream-status`) and the joined documents so far,
 * read through Elasticsearch, where the job reports.
 */
import type { esClient } from "../elasticsearch-client.js";
import { esGet, targetLogin } from "./elasticsearch-probe.js";
import { failed, type Probe, type ProbeResult } from "./probe.js";

export const STATUS_INDEX = "helk-stream-status";
export const JOIN_INDEX = "sysmon-join";
export const QUERY_ID = "sysmon-join";

/** What the job writes (the fields helk reads). */
export interface StreamStatus {
  "@timestamp": string;
  active: boolean;
  batch_id?: number | null;
  input_rows?: number | null;
  /** The watermark its last batch used: an arrival time (Kafka record timestamp), like every clock of the join. */
  watermark?: string | null;
  /**
   * The latest arrival time (Kafka record timestamp) the job has seen, under its old name; the
   * next watermark is this minus its delay. Not an event's `@timestamp`.
   */
  event_time_max?: string | null;
  source_end_offsets?: string | null;
  source_latest_offsets?: string | null;
}

/** A report older than this means the job stopped reporting (it reports every ~5 s). */
const STALE_MS = 60_000;

export function streamJoinDetail(status: StreamStatus | undefined, joined: number, now: number): ProbeResult {
  if (!status) return { ok: false, detail: "no progress reported yet (the job writes helk-stream-status once running)" };
  const age = now - Date.parse(status["@timestamp"]);
  const joinedText = `${joined} joined document${joined === 1 ? "" : "s"}`;
  if (!status.active) return { ok: false, detail: `query stopped, ${joinedText}` };
  if (!(age < STALE_MS)) return { ok: false, detail: `no progress for ${Math.round(age / 1000)} s, ${joinedText}` };
  const batch = status.batch_id === null || status.batch_id === undefined ? "no batch yet" : `batch ${status.batch_id}`;
  const watermark = status.watermark && !status.watermark.startsWith("1970") ? `, watermark ${status.watermark}` : "";
  return { ok: true, detail: `running, ${batch}, ${joinedText}${watermark}` };
}

/** Has the job's report read every partition of its topic up to these end offsets? */
export function caughtUpTo(status: StreamStatus | undefined, topic: string, ends: Record<string, number>): boolean {
  let read: Record<string, number> = {};
  try {
    read = (JSON.parse(status?.source_end_offsets ?? "null") as Record<string, Record<string, number>> | null)?.[topic] ?? {};
  } catch {
    return false;
  }
  return Object.entries(ends).every(([partition, high]) => (read[partition] ?? 0) >= high);
}

/** The job's latest report, or undefined before its first one. */
export async function readStreamStatus(client: ReturnType<typeof esClient>): Promise<StreamStatus | undefined> {
  const r = await client.get<StreamStatus>({ index: STATUS_INDEX, id: QUERY_ID }, { ignore: [404] });
  return r.found ? r._source : undefined;
}

export async function countJoined(client: ReturnType<typeof esClient>): Promise<number> {
  const r = await client.count({ index: JOIN_INDEX, ignore_unavailable: true, allow_no_indices: true });
  return r.count;
}

export const streamJoinProbe: Probe = async (t) => {
  const login = targetLogin(t);
  const o = t.timeoutMs ? { timeoutMs: t.timeoutMs } : {};
  try {
    const [doc, count] = await Promise.all([
      esGet<{ found: boolean; _source?: StreamStatus }>(login, `/${STATUS_INDEX}/_doc/${QUERY_ID}`, { ...o, ignore: [404] }),
      esGet<{ count: number }>(login, `/${JOIN_INDEX}/_count?ignore_unavailable=true&allow_no_indices=true`, o),
    ]);
    return streamJoinDetail(doc?.found ? doc._source : undefined, count?.count ?? 0, Date.now());
  } catch (err) {
    return failed(err);
  }
};
