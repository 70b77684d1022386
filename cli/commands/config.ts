/** `helk config`: the effective configuration and where each value came from; `helk config validate FILE`. */

import { documentedDefaultsText } from "../../compose/config/documents.js";
import { configLeaves, getPath } from "../../compose/config/paths.js";
import { describeSource } from "../../compose/config/resolve.js";
import { formatProblem, loadConfig, loadConfigResult } from "../../engine/config-loader.js";
import { ExitCode, HelkError } from "../../engine/errors.js";
import { type ConfigFlagValues, configFlagAssignments } from "../config-flags.js";
import { type Printer, printJson, table } from "../output.js";

export function runConfigShow(opts: ConfigFlagValues & { json?: boolean; defaults?: boolean }, printer: Printer): number {
  if (opts.defaults) {
    printer.out(documentedDefaultsText());
    return 0;
  }
  const result = loadConfig({ ...(opts.config ? { configFile: opts.config } : {}), flags: configFlagAssignments(opts) });
  for (const w of result.warnings) printer.err(`warning: ${w}`);
  if (opts.json) {
    const sources = Object.fromEntries(Object.entries(result.sources).map(([k, s]) => [k, describeSource(s)]));
    printJson(printer, { config: result.value, sources });
    return 0;
  }
  const rows = configLeaves().map((leaf) => {
    const value = getPath(result.value, leaf.path);
    const source = result.sources[leaf.path];
    return [leaf.path, Array.isArray(value) ? value.join(",") || "(none)" : String(value), source ? describeSource(source) : "default"];
  });
  printer.out(table(["SETTING", "VALUE", "SOURCE"], rows));
  return 0;
}

export function runConfigValidate(file: string, opts: { json?: boolean }, printer: Printer): number {
  // Only the file is judged: the environment and flags are left out on purpose.
  const result = loadConfigResult({ configFile: file, env: {} });
  if (opts.json) {
    printJson(printer, { file, valid: result.errors.length === 0, errors: result.errors, warnings: result.warnings });
    return result.errors.length === 0 ? 0 : ExitCode.usage;
  }
  if (result.errors.length === 0) {
    printer.out(`${file}: valid`);
    return 0;
  }
  const n = result.errors.length;
  throw new HelkError(`${file}: ${n} problem${n === 1 ? "" : "s"}`, {
    exitCode: ExitCode.usage,
    details: result.errors.map(formatProblem),
  });
}
