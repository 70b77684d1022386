/**
 * What ElastAlert wrote into `helk-alerts` (its writeback index: one document per match, with
 * `rule_name`, `alert_time` and the matched document as `match_body`). Plain GETs with the body in
 * `source=`, like the status probes, so `helk status` loads no client library for them.
 */
import { elasticsearchNeedsSecret, hostElasticsearchAccess } from "../../compose/elasticsearch-access.js";
import type { EsLogin } from "../elasticsearch-client.js";
import type { InstallRecord } from "../install/install-record.js";
import { esGet } from "../probes/elasticsearch-probe.js";
import { readSecretsIfAllowed } from "../secrets.js";

export const ALERTS_INDEX = "helk-alerts";

/**
 * How this host reaches the install's Elasticsearch; undefined when that needs a password this
 * user may not read (root's secrets/), so the counts say "sudo" rather than "HTTP 401".
 */
export function alertsLogin(record: InstallRecord): EsLogin | undefined {
  const secrets = readSecretsIfAllowed(record.installHome);
  if (elasticsearchNeedsSecret(record.config) && !secrets) return undefined;
  return hostElasticsearchAccess(record.config, secrets);
}

function searchPath(body: unknown): string {
  return `/${ALERTS_INDEX}/_search?source=${encodeURIComponent(JSON.stringify(body))}&source_content_type=application/json`;
}

interface Buckets {
  aggregations?: { rules?: { buckets?: { key: string; doc_count: number }[] } };
}

/**
 * Alerts per rule name, all time or in the last `sinceMinutes`. No index yet (nothing has
 * matched since the install) is an empty map, not an error; an unreachable node throws.
 */
export async function alertCounts(login: EsLogin, o: { sinceMinutes?: number; timeoutMs?: number } = {}): Promise<Map<string, number>> {
  const body = {
    size: 0,
    ...(o.sinceMinutes ? { query: { range: { alert_time: { gte: `now-${o.sinceMinutes}m` } } } } : {}),
    aggs: { rules: { terms: { field: "rule_name", size: 1000 } } },
  };
  const r = await esGet<Buckets>(login, searchPath(body), { ignore: [404], ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
  return new Map((r?.aggregations?.rules?.buckets ?? []).map((b) => [b.key, b.doc_count]));
}

export interface AlertHit {
  ruleName: string;
  alertTime: string;
  /** The matched event as ElastAlert stored it. */
  match: Record<string, unknown>;
}

/** The most recent alerts of these rule names, newest first. */
export async function recentAlerts(login: EsLogin, ruleNames: string[], size: number): Promise<AlertHit[]> {
  const body = {
    size,
    query: { terms: { rule_name: ruleNames } },
    sort: [{ alert_time: { order: "desc" } }],
  };
  const r = await esGet<{
    hits?: { hits?: { _source?: { rule_name?: string; alert_time?: string; match_body?: Record<string, unknown> } }[] };
  }>(login, searchPath(body), { ignore: [404] });
  return (r?.hits?.hits ?? []).map((h) => ({
    ruleName: h._source?.rule_name ?? "",
    alertTime: h._source?.alert_time ?? "",
    match: h._source?.match_body ?? {},
  }));
}
