/**
 * `helk rules add`: copy Sigma files into `<home>/rules/sigma/`, convert everything, and keep
 * out of that folder any file just added that the converter refused, so a broken file never sits
 * there to be refused again by every later conversion.
 */

import { readDisabled, userRulesDir, writeConversion } from "./conversion-file.js";
import type { Conversion, ConvertedRule } from "./converter.js";
import { activeCounts, convert, type RuleRow, type RulesContext, rowOf } from "./rules.js";
import { copySigmaFiles, restoreSigmaFile, sigmaSources } from "./sigma-files.js";

export interface AddResult {
  /** One row per file given: loaded, refused (with the reason) or refused for a name clash. */
  rules: RuleRow[];
  /** Files of the folder that are not .yml/.yaml, left where they are. */
  ignored: string[];
  /** Files given that were already there with the same content. */
  unchanged: string[];
  /** Rules now loaded, by origin. */
  active: { helk: number; user: number };
  refused: number;
}

const clash = (file: string): RuleRow => ({
  id: null,
  title: null,
  file,
  origin: "user",
  state: "refused",
  reason: `a different file of this name is already in rules/sigma/${file}: pass --replace to overwrite it, or remove it first (helk rules remove ${file})`,
  names: [],
});

/** The converter's report names every file it read; one it left out is shown, not hidden. */
const unreported = (file: string): RuleRow => ({
  id: null,
  title: null,
  file,
  origin: "user",
  state: "not converted",
  reason: "the converter's report does not mention this file",
  names: [],
});

/**
 * Refused files that this `add` brought in go back out (a replaced file gets its old content
 * back). Returns the conversion now in force and the refused rules, whose reasons the user needs.
 */
async function dropRefused(
  ctx: RulesContext,
  conversion: Conversion,
  added: string[],
  previous: Map<string, Buffer>,
): Promise<{ conversion: Conversion; refused: ConvertedRule[] }> {
  const just = new Set(added);
  const refused = conversion.report.rules.filter((r) => r.origin === "user" && r.status === "error" && just.has(r.file));
  for (const r of refused) restoreSigmaFile(userRulesDir(ctx.home), r.file, previous.get(r.file));
  // A put-back file is a rule again: convert once more so it runs.
  if (refused.some((r) => previous.has(r.file))) return { conversion: await convert(ctx), refused };
  // A removed file made no rule, so the report minus its entries is what a new run would say;
  // kept as it was, `helk rules list` would show files that are no longer there.
  const kept: Conversion = {
    ...conversion,
    report: { ...conversion.report, rules: conversion.report.rules.filter((r) => !refused.includes(r)) },
  };
  if (refused.length) writeConversion(ctx.home, kept);
  return { conversion: kept, refused };
}

export async function addRules(ctx: RulesContext, path: string, o: { replace?: boolean } = {}): Promise<AddResult> {
  const dir = userRulesDir(ctx.home);
  const sources = sigmaSources(path);
  const copied = copySigmaFiles(dir, sources.files, Boolean(o.replace));
  let first: Conversion;
  try {
    first = await convert(ctx);
  } catch (err) {
    // The converter did not run: the folder goes back to how it was before this add.
    for (const rel of copied.added) restoreSigmaFile(dir, rel, copied.previous.get(rel));
    throw err;
  }
  const { conversion, refused } = await dropRefused(ctx, first, copied.added, copied.previous);
  const rules = conversion.report.rules;
  const byFile = new Map<string, ConvertedRule>();
  for (const r of rules) if (r.origin === "user") byFile.set(r.file, r);
  for (const r of refused) byFile.set(r.file, r);
  const given = [...copied.added, ...copied.unchanged];
  const disabled = readDisabled(ctx.home);
  const rows = [
    ...sources.files.flatMap((s) => {
      if (!given.includes(s.rel)) return [];
      const r = byFile.get(s.rel);
      return [r ? rowOf(r, disabled) : unreported(s.rel)];
    }),
    ...copied.conflicts.map(clash),
  ];
  return {
    rules: rows,
    ignored: sources.ignored,
    unchanged: copied.unchanged,
    active: activeCounts(ctx.home, conversion),
    refused: rows.filter((r) => r.state === "refused").length,
  };
}
