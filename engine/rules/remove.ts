/**
 * `helk rules remove`: take a user's Sigma file out of `<home>/rules/sigma/` and convert again;
 * the converter then deletes the ElastAlert rules it made from it. HELK's own rules live in the
 * ElastAlert image, not in the install home, so they cannot be removed this way.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ExitCode, HelkError } from "../errors.js";
import { readConversion, userRulesDir } from "./conversion-file.js";
import { activeCounts, convert, type RuleRow, type RulesContext, ruleRows } from "./rules.js";
import { removeSigmaFile, restoreSigmaFile, sigmaFileArg } from "./sigma-files.js";

export interface RemoveResult {
  /** The files removed, relative to rules/sigma/. */
  removed: string[];
  /** What they were, as the last conversion saw them. */
  rules: RuleRow[];
  active: { helk: number; user: number };
}

/** The rows an argument names: a Sigma id (or its unique first 8+ characters), or a user's file (relative to rules/sigma/ or a path to it). */
export function rowsNamed(rows: RuleRow[], dir: string, arg: string): RuleRow[] {
  const rel = sigmaFileArg(dir, arg) ?? arg;
  const exact = rows.filter((r) => r.id === arg);
  // `helk rules list` shows ids by their first 8 characters: such a prefix names the rule when it is unique.
  const prefixed = arg.length >= 8 ? rows.filter((r) => r.id?.startsWith(arg)) : [];
  const named = exact.length ? exact : new Set(prefixed.map((r) => r.id)).size === 1 ? prefixed : [];
  const matches = named.length ? named : rows.filter((r) => r.file === rel);
  // A user's rule that shares an id or a file name with one of HELK's is the one meant.
  const users = matches.filter((r) => r.origin === "user");
  return users.length ? users : matches;
}

export function notFound(arg: string): HelkError {
  return new HelkError(`no rule has the id or file ${arg}`, {
    exitCode: ExitCode.usage,
    hint: "helk rules list shows each rule's id and file",
  });
}

export async function removeRule(ctx: RulesContext, arg: string): Promise<RemoveResult> {
  const dir = userRulesDir(ctx.home);
  const named = rowsNamed(ruleRows(ctx.home, readConversion(ctx.home)), dir, arg);
  if (!named.length) throw notFound(arg);
  const builtIn = named.find((r) => r.origin === "helk");
  if (builtIn)
    throw new HelkError(
      `${arg} is one of HELK's own rules ("${builtIn.title ?? builtIn.file}"): it comes with the ElastAlert image and cannot be removed`,
      {
        exitCode: ExitCode.usage,
        hint: `to stop its alerts, disable it: sudo helk rules disable ${builtIn.id ?? arg} (helk rules enable brings it back)`,
      },
    );
  const removed = [...new Set(named.map((r) => r.file))];
  const kept = new Map(removed.filter((f) => existsSync(join(dir, f))).map((f) => [f, readFileSync(join(dir, f))]));
  for (const file of removed) removeSigmaFile(dir, file);
  try {
    return { removed, rules: named, active: activeCounts(ctx.home, await convert(ctx)) };
  } catch (err) {
    // Not converted, so ElastAlert still runs the rule: its file goes back, the folder and the running rules agree.
    for (const [file, bytes] of kept) restoreSigmaFile(dir, file, bytes);
    throw err;
  }
}
