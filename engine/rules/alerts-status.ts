/**
 * `helk status`'s alerting line: alerts in the last hour per rule, from one search with the
 * probes' timeout. Every loaded rule is listed (0 included) so a quiet rule is visibly quiet;
 * Elasticsearch not answering makes the counts unknown and nothing else.
 */
import type { InstallRecord } from "../install/install-record.js";
import { alertCounts, alertsLogin } from "./alert-counts.js";
import { readConversion, readDisabled, runsInElastAlert } from "./conversion-file.js";

export interface AlertsStatus {
  /** Alerts ElastAlert wrote in the last hour, by rule name; null when Elasticsearch could not say. */
  lastHour: Record<string, number> | null;
  /** Their sum; null with lastHour. */
  total: number | null;
  detail: string;
}

const unknown = (detail: string): AlertsStatus => ({ lastHour: null, total: null, detail });

export async function alertsStatus(record: InstallRecord, o: { timeoutMs: number; probes: boolean }): Promise<AlertsStatus> {
  if (!o.probes) return unknown("not asked (--no-probes)");
  const login = alertsLogin(record);
  if (!login) return unknown("unknown: Elasticsearch's login is readable by root only (sudo helk status)");
  const disabled = readDisabled(record.installHome);
  const loaded = (readConversion(record.installHome)?.report.rules ?? []).filter((r) => runsInElastAlert(r, disabled));
  const lastHour: Record<string, number> = Object.fromEntries(loaded.flatMap((r) => (r.targets ?? []).map((t) => [t.name, 0])));
  try {
    for (const [name, n] of await alertCounts(login, { sinceMinutes: 60, timeoutMs: o.timeoutMs })) lastHour[name] = n;
  } catch (err) {
    return unknown(`unknown: Elasticsearch did not answer (${(err instanceof Error ? err.message : String(err)).split("\n")[0]})`);
  }
  const total = Object.values(lastHour).reduce((a, b) => a + b, 0);
  return { lastHour, total, detail: total ? `${total} alert${total === 1 ? "" : "s"} in the last hour` : "no alert in the last hour" };
}
