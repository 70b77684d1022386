/**
 * Where an install keeps its rules, and the last conversion's report. Apart from converter.ts
 * (which runs Docker through execa) so `helk status` can read the report without loading it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Conversion, ConvertedRule } from "./converter.js";

/** Where the install keeps the user's Sigma files (mounted read-only into the converter). */
export const userRulesDir = (home: string): string => join(home, "rules", "sigma");
/** The generated ElastAlert rules, mounted read-only into the elastalert service. */
export const liveRulesDir = (home: string): string => join(home, "config", "elastalert", "rules");
/** The last conversion's report, read by `helk rules list/show` and `helk status` without running the converter. */
export const reportFile = (home: string): string => join(home, "rules", "conversion.json");

/** The ids of the rules `helk rules disable` turned off: converted, but not published. */
export const disabledFile = (home: string): string => join(home, "rules", "disabled.json");

export function readDisabled(home: string): Set<string> {
  try {
    return new Set(JSON.parse(readFileSync(disabledFile(home), "utf8")) as string[]);
  } catch {
    return new Set();
  }
}

export function writeDisabled(home: string, ids: Set<string>): void {
  writeFileSync(disabledFile(home), `${JSON.stringify([...ids].sort(), null, 2)}\n`, { mode: 0o644 });
}

/** The last conversion, or undefined before the first (or when its file is unreadable). */
export function readConversion(home: string): Conversion | undefined {
  const file = reportFile(home);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Conversion;
  } catch {
    return undefined;
  }
}

export function writeConversion(home: string, conversion: Conversion): void {
  writeFileSync(reportFile(home), `${JSON.stringify(conversion, null, 2)}\n`, { mode: 0o644 });
}

/** A rule ElastAlert runs: converted, and not disabled (the converter withholds a disabled rule's files). */
export const runsInElastAlert = (rule: ConvertedRule, disabled: Set<string>): boolean =>
  rule.status === "ok" && !(rule.id && disabled.has(rule.id));
