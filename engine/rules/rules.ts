/**
 * `helk rules`: the verbs over an install's Sigma rules. Each returns data (rows of rules with
 * their state); cli/commands/rules.ts renders it. Conversion needs Docker only, so a stopped or
 * unreachable Elasticsearch leaves the alert counts unknown and nothing else.
 */
import { serviceImage } from "../../compose/helk-images.js";
import type { EsLogin } from "../elasticsearch-client.js";
import { ExitCode, HelkError } from "../errors.js";
import type { InstallRecord } from "../install/install-record.js";
import { alertCounts } from "./alert-counts.js";
import { readConversion, readDisabled, runsInElastAlert, userRulesDir } from "./conversion-file.js";
import { type Conversion, type ConvertedRule, type ConverterRunner, convertRules } from "./converter.js";
import { listSigmaFiles } from "./sigma-files.js";

export interface RulesContext {
  home: string;
  record: InstallRecord;
  /** The converter; the contract's `docker run` unless a test gives a fake. */
  runner?: ConverterRunner;
}

export interface RuleRow {
  id: string | null;
  title: string | null;
  /** Relative to HELK's rules folder (origin helk) or `<home>/rules/sigma/` (origin user). */
  file: string;
  origin: "helk" | "user";
  /** disabled: converted, but withheld from ElastAlert by `helk rules disable`. */
  state: "loaded" | "refused" | "disabled" | "not converted";
  reason?: string;
  /** The ElastAlert rule names it became (what `rule_name` holds in helk-alerts). */
  names: string[];
  /** Alerts so far; null when Elasticsearch could not be asked. */
  alerts?: number | null;
}

/** `helk rules` works on an install with the alerting add-on only; say how to add it. */
export function requireAlerting(record: InstallRecord): void {
  if (record.services.includes("elastalert")) return;
  throw new HelkError(`this install (${record.project}, profile ${record.profile}) has no alerting add-on: no ElastAlert runs rules`, {
    exitCode: ExitCode.usage,
    hint: "add it with: sudo helk reconfigure --addon alerting (data is kept), then run helk rules again",
  });
}

/** The image holding the converter: HELK's layer of the install's ElastAlert image. */
export const converterImage = (record: InstallRecord): string => serviceImage(record.config, "elastalert", record.version);

export function convert(ctx: RulesContext): Promise<Conversion> {
  return convertRules({ home: ctx.home, image: converterImage(ctx.record), ...(ctx.runner ? { runner: ctx.runner } : {}) });
}

/** Rules ElastAlert runs (loaded and not disabled), by origin. */
export function activeCounts(home: string, conversion: Conversion): { helk: number; user: number } {
  const disabled = readDisabled(home);
  const n = (origin: "helk" | "user") => conversion.report.rules.filter((r) => r.origin === origin && runsInElastAlert(r, disabled)).length;
  return { helk: n("helk"), user: n("user") };
}

export function rowOf(rule: ConvertedRule, disabled: Set<string> = new Set()): RuleRow {
  return {
    id: rule.id,
    title: rule.title,
    file: rule.file,
    origin: rule.origin,
    state: rule.status !== "ok" ? "refused" : rule.id && disabled.has(rule.id) ? "disabled" : "loaded",
    ...(rule.reason ? { reason: rule.reason } : {}),
    names: (rule.targets ?? []).map((t) => t.name),
  };
}

/**
 * Every rule of the last conversion, plus the user's files it has not seen (copied in by hand
 * since): those are "not converted" until the next `helk rules add` or `convert`.
 */
export function ruleRows(home: string, conversion: Conversion | undefined): RuleRow[] {
  const disabled = readDisabled(home);
  const rows = (conversion?.report.rules ?? []).map((r) => rowOf(r, disabled));
  const seen = new Set(rows.filter((r) => r.origin === "user").map((r) => r.file));
  for (const file of listSigmaFiles(userRulesDir(home)))
    if (!seen.has(file))
      rows.push({ id: null, title: null, file, origin: "user", state: "not converted", reason: "run: sudo helk rules convert", names: [] });
  return rows;
}

const NO_LOGIN = "alert counts need Elasticsearch's login, which root alone may read: run it with sudo";

/** Alert counts onto the rows; on failure every count is null and the reason is returned. */
export async function withAlertCounts(
  rows: RuleRow[],
  login: EsLogin | undefined,
  o: { sinceMinutes?: number; timeoutMs?: number } = {},
): Promise<{ rows: RuleRow[]; countsError?: string }> {
  if (!login) return { rows: rows.map((r) => ({ ...r, alerts: null })), countsError: NO_LOGIN };
  try {
    const counts = await alertCounts(login, o);
    return { rows: rows.map((r) => ({ ...r, alerts: r.names.reduce((n, name) => n + (counts.get(name) ?? 0), 0) })) };
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
    return {
      rows: rows.map((r) => ({ ...r, alerts: null })),
      countsError: `Elasticsearch did not answer (${why}): alert counts unknown; is it running? helk status`,
    };
  }
}

export interface ListResult {
  convertedAt: string | null;
  rules: RuleRow[];
  countsError?: string;
}

export async function listRules(ctx: RulesContext, login: EsLogin | undefined): Promise<ListResult> {
  const conversion = readConversion(ctx.home);
  const { rows, countsError } = await withAlertCounts(ruleRows(ctx.home, conversion), login);
  return { convertedAt: conversion?.convertedAt ?? null, rules: rows, ...(countsError ? { countsError } : {}) };
}
