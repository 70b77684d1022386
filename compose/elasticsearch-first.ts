/**
 * Which starts need Elasticsearch started alone first (engine/install/service-logins.ts runs that phase
 * and says why): a pure decision, shared by the engine and the dry-run plan.
 */
import type { HelkConfig } from "./config/schema.js";

/** Services whose container logs in to HELK's own node with a login HELK sets. */
const LOGIN_USERS: ReadonlySet<string> = new Set(["kibana", "logstash", "stream-join"]);
/**
 * Services that create HELK's indices by writing to them: with security off they need no login,
 * but they still need HELK's templates in place first.
 */
const INDEX_WRITERS: ReadonlySet<string> = new Set(["logstash", "stream-join"]);

/**
 * Does starting these services (of this install) need Elasticsearch started alone first, with
 * the logins (security on) and HELK's templates (always) set before them?
 */
export function needsLoginsFirst(config: HelkConfig, installed: readonly string[], starting: readonly string[] = []): boolean {
  if (config.elasticsearch.external || !installed.includes("elasticsearch")) return false;
  const targets = starting.length ? starting : installed;
  const waiting = config.security.enabled ? LOGIN_USERS : INDEX_WRITERS;
  return targets.some((s) => waiting.has(s) || (s === "elasticsearch" && installed.some((i) => waiting.has(i))));
}
