/** `helk rules show`: one rule's queries (per target index) and its most recent alerts. */
import type { EsLogin } from "../elasticsearch-client.js";
import { type AlertHit, recentAlerts } from "./alert-counts.js";
import { readConversion, userRulesDir } from "./conversion-file.js";
import type { RuleTarget } from "./converter.js";
import { notFound, rowsNamed } from "./remove.js";
import { type RuleRow, type RulesContext, ruleRows, withAlertCounts } from "./rules.js";

export interface ShowResult {
  rule: RuleRow;
  level: string | null;
  /** Where it runs and the Lucene query it runs there. */
  targets: RuleTarget[];
  /** Newest first; null when Elasticsearch could not be asked. */
  recent: AlertHit[] | null;
  countsError?: string;
}

export async function showRule(ctx: RulesContext, arg: string, login: EsLogin | undefined, limit: number): Promise<ShowResult> {
  const conversion = readConversion(ctx.home);
  const [row] = rowsNamed(ruleRows(ctx.home, conversion), userRulesDir(ctx.home), arg);
  if (!row) throw notFound(arg);
  const converted = conversion?.report.rules.find((r) => r.file === row.file && r.origin === row.origin);
  const targets = converted?.targets ?? [];
  const counted = await withAlertCounts([row], login);
  const base = { rule: counted.rows[0] ?? row, level: converted?.level ?? null, targets };
  if (!login || counted.countsError || !row.names.length)
    return { ...base, recent: counted.countsError ? null : [], ...(counted.countsError ? { countsError: counted.countsError } : {}) };
  try {
    return { ...base, recent: await recentAlerts(login, row.names, limit) };
  } catch (err) {
    return { ...base, recent: null, countsError: `Elasticsearch did not answer: ${err instanceof Error ? err.message : String(err)}` };
  }
}
