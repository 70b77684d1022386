/** Read the config file and the environment, then resolve all layers (compose/config/resolve.ts). */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  type ConfigLayer,
  type ConfigProblem,
  type ConfigResult,
  envLayer,
  flagLayer,
  parseConfigText,
  resolveConfig,
} from "../compose/config/resolve.js";
import { ExitCode, HelkError } from "./errors.js";

export interface LoadConfigOptions {
  /** --config FILE (or HELK_CONFIG). */
  configFile?: string;
  env?: Record<string, string | undefined>;
  /** A layer beneath the file, env and flags: an install's recorded configuration (reconfigure). */
  base?: ConfigLayer;
  /** Settings from flags: typed flags mapped to paths, and every --set. */
  flags?: { path: string; value: unknown; flag: string }[];
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.path}: ${p.message}${p.source ? ` [${p.source}]` : ""}${p.hint ? `\n    hint: ${p.hint}` : ""}`;
}

/** Resolve without throwing: for `helk config validate`, which reports rather than fails. */
export function loadConfigResult(options: LoadConfigOptions): ConfigResult {
  const env = options.env ?? process.env;
  const layers: ConfigLayer[] = options.base ? [options.base] : [];
  const errors: ConfigProblem[] = [];
  const file = options.configFile ?? env.HELK_CONFIG;
  if (file) {
    let text: string;
    try {
      text = readFileSync(resolve(file), "utf8");
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      return {
        sources: {},
        warnings: [],
        errors: [
          {
            path: "$",
            message:
              code === "ENOENT" ? `config file ${file} does not exist` : `cannot read config file ${file} (${code ?? String(cause)})`,
            hint: "check the path; `helk config --defaults > helk.config.json` writes a starting point",
          },
        ],
      };
    }
    const parsed = parseConfigText(text, file);
    errors.push(...parsed.errors);
    if (parsed.layer) layers.push(parsed.layer);
  }
  const fromEnv = envLayer(env);
  layers.push(fromEnv.layer);
  const fromFlags = flagLayer(options.flags ?? []);
  errors.push(...fromFlags.errors);
  layers.push(fromFlags.layer);
  if (errors.length) return { sources: {}, warnings: fromEnv.warnings, errors };
  const result = resolveConfig(layers);
  return { ...result, warnings: [...fromEnv.warnings, ...result.warnings] };
}

/** Resolve or throw a usage error (exit 2) listing every problem. */
export function loadConfig(options: LoadConfigOptions): ConfigResult & { value: NonNullable<ConfigResult["value"]> } {
  const result = loadConfigResult(options);
  if (!result.value || result.errors.length) {
    const n = result.errors.length;
    throw new HelkError(`the configuration has ${n} problem${n === 1 ? "" : "s"}`, {
      exitCode: ExitCode.usage,
      details: result.errors.map(formatProblem),
      hint: "fix them and run again; `helk config validate FILE` checks a file on its own",
    });
  }
  return result as ConfigResult & { value: NonNullable<ConfigResult["value"]> };
}
