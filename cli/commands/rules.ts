/** `helk rules add|list|remove|show|disable|enable|convert`: thin adapters over engine/rules/. */
import { ExitCode } from "../../engine/errors.js";
import { requireDockerAccess, requireWritableHome } from "../../engine/host/user-access.js";
import { readRecord } from "../../engine/install/install-record.js";
import { alertsLogin } from "../../engine/rules/alert-counts.js";
import { userRulesDir } from "../../engine/rules/conversion-file.js";
import { activeCounts, convert, type RuleRow, type RulesContext, requireAlerting, ruleRows } from "../../engine/rules/rules.js";
import { type ConfigFlagValues, locateInstallHome } from "../config-flags.js";
import { positiveInt } from "../flag-values.js";
import { type Printer, printJson, table } from "../output.js";

type Flags = ConfigFlagValues & { json?: boolean };

/** The install, once it has the alerting add-on and this user may do what `verb` does. */
async function open(opts: Flags, verb: string, writes: boolean): Promise<RulesContext> {
  const home = await locateInstallHome(opts);
  const record = readRecord(home);
  requireAlerting(record);
  if (writes) {
    requireWritableHome(home, `rules ${verb}`);
    requireDockerAccess(`rules ${verb}`);
  }
  return { home, record };
}

const short = (id: string | null) => (id ? id.slice(0, 8) : "-");
const alerts = (r: RuleRow) => (r.alerts === undefined || r.alerts === null ? "?" : String(r.alerts));
const active = (a: { helk: number; user: number }) => `${a.helk + a.user} rules active: ${a.helk} HELK's, ${a.user} yours`;

/** One line per rule: its state, file and title, and why when it was refused. */
function stateLines(rows: RuleRow[]): string {
  return rows
    .map((r) => `${r.state.padEnd(8)} ${r.file}${r.title ? `  "${r.title}"` : ""}${r.reason ? `\n         ${r.reason}` : ""}`)
    .join("\n");
}

export async function runRulesAdd(path: string, opts: Flags & { replace?: boolean }, printer: Printer): Promise<number> {
  const ctx = await open(opts, "add", true);
  const { addRules } = await import("../../engine/rules/add.js");
  const r = await addRules(ctx, path, { replace: Boolean(opts.replace) });
  if (opts.json) printJson(printer, r);
  else {
    printer.out(stateLines(r.rules));
    if (r.ignored.length) printer.err(`ignored ${r.ignored.length} file(s) that are not .yml/.yaml, e.g. ${r.ignored[0]}`);
    if (r.refused) printer.err(`${r.refused} refused: kept out of ${userRulesDir(ctx.home)}; the others are loaded`);
    printer.out(`${active(r.active)}; ElastAlert picks changes up on its next run (within a minute)`);
  }
  return r.refused ? ExitCode.rulesRefused : ExitCode.ok;
}

export async function runRulesList(opts: Flags, printer: Printer): Promise<number> {
  const ctx = await open(opts, "list", false);
  const { listRules } = await import("../../engine/rules/rules.js");
  const r = await listRules(ctx, alertsLogin(ctx.record));
  if (opts.json) printJson(printer, r);
  else {
    printer.out(
      table(
        ["ID", "ORIGIN", "STATE", "ALERTS", "FILE", "TITLE"],
        r.rules.map((x) => [short(x.id), x.origin, x.state, alerts(x), x.file, x.title ?? x.reason ?? "-"]),
      ),
    );
    if (!r.convertedAt) printer.err("no conversion yet: run sudo helk rules convert");
    if (r.countsError) printer.err(`note: ${r.countsError}`);
  }
  return ExitCode.ok;
}

export async function runRulesRemove(arg: string, opts: Flags, printer: Printer): Promise<number> {
  const ctx = await open(opts, "remove", true);
  const { removeRule } = await import("../../engine/rules/remove.js");
  const r = await removeRule(ctx, arg);
  if (opts.json) printJson(printer, r);
  else printer.out(`removed ${r.removed.map((f) => `rules/sigma/${f}`).join(", ")}\n${active(r.active)}`);
  return ExitCode.ok;
}

export async function runRulesShow(arg: string, opts: Flags & { limit?: string }, printer: Printer): Promise<number> {
  // Checked before anything else: a bad value would reach Elasticsearch as size NaN.
  const limit = positiveInt(opts.limit, "--limit") ?? 10;
  const ctx = await open(opts, "show", false);
  const { showRule } = await import("../../engine/rules/show.js");
  const r = await showRule(ctx, arg, alertsLogin(ctx.record), limit);
  if (opts.json) {
    printJson(printer, r);
    return ExitCode.ok;
  }
  const { rule } = r;
  printer.out(
    `${rule.title ?? rule.file}\n  id ${rule.id ?? "-"}, ${rule.origin}, ${rule.state}${r.level ? `, level ${r.level}` : ""}, file ${rule.file}`,
  );
  if (rule.reason) printer.out(`  ${rule.reason}`);
  for (const t of r.targets) printer.out(`\n${t.name}\n  index ${t.index}\n  query ${t.query}`);
  printer.out(`\nalerts so far: ${alerts(rule)}`);
  for (const a of r.recent ?? []) printer.out(`  ${a.alertTime}  ${summary(a.match)}`);
  if (r.countsError) printer.err(`note: ${r.countsError}`);
  return ExitCode.ok;
}

/** The fields an analyst reads first in a matched Windows event. */
function summary(match: Record<string, unknown>): string {
  const keys = ["Hostname", "host.name", "Image", "CommandLine", "DestinationIp", "TargetFilename"];
  const get = (k: string) => (k in match ? match[k] : k.split(".").reduce<unknown>((o, p) => (o as Record<string, unknown>)?.[p], match));
  return keys
    .map((k) => [k, get(k)] as const)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join("  ");
}

export async function runRulesDisable(verb: "disable" | "enable", arg: string, opts: Flags, printer: Printer): Promise<number> {
  const ctx = await open(opts, verb, true);
  const { setDisabled } = await import("../../engine/rules/disable.js");
  const r = await setDisabled(ctx, arg, verb === "disable");
  if (opts.json) printJson(printer, r);
  else printer.out(`${stateLines(r.rules)}\n${active(r.active)}`);
  return ExitCode.ok;
}

export async function runRulesConvert(opts: Flags, printer: Printer): Promise<number> {
  const ctx = await open(opts, "convert", true);
  const conversion = await convert(ctx);
  const rows = ruleRows(ctx.home, conversion);
  const refused = rows.filter((r) => r.state === "refused");
  if (opts.json) printJson(printer, { convertedAt: conversion.convertedAt, rules: rows, active: activeCounts(ctx.home, conversion) });
  else {
    if (refused.length) printer.out(stateLines(refused));
    printer.out(active(activeCounts(ctx.home, conversion)));
  }
  return refused.length ? ExitCode.rulesRefused : ExitCode.ok;
}
