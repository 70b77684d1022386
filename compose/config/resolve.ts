/**
 * Configuration layers → one validated config. Precedence, lowest first:
 * defaults < --config FILE < HELK_* environment < flags. Every leaf remembers which
 * layer set it, so `helk config` can show sources and errors can name them.
 * Pure: callers read files and the environment and pass them in.
 */
import type { z } from "zod";
import { closest, configLeaves, ENV_ALIASES, getPath, type Leaf, leafByPath, setPath } from "./paths.js";
import { configSchema, type HelkConfig } from "./schema.js";

export type SourceKind = "default" | "file" | "env" | "flag";

export interface ConfigSource {
  kind: SourceKind;
  /** e.g. "/etc/helk.json", "HELK_PROFILE", "--profile". */
  detail: string;
}

export interface ConfigLayer {
  source: ConfigSource;
  data: Record<string, unknown>;
  /** Per-path source detail when one layer gathers several names (env vars, flags). */
  details?: Record<string, string>;
}

export interface ConfigProblem {
  /** JSON path such as $.kafka.topics.winlogbeat.partitions. */
  path: string;
  message: string;
  hint?: string;
  /** Where the offending value came from, e.g. "file ./helk.config.json". */
  source?: string;
}

export interface ConfigResult {
  value?: HelkConfig;
  sources: Record<string, ConfigSource>;
  warnings: string[];
  errors: ConfigProblem[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Merge `over` into `base`: objects key by key, arrays and scalars replaced. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

/** Parse a config file's text; JSON syntax errors carry line and column. */
export function parseConfigText(text: string, name: string): { layer?: ConfigLayer; errors: ConfigProblem[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let where = "";
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split("\n").length;
      const col = Number(pos[1]) - before.lastIndexOf("\n");
      where = ` at line ${line}, column ${col}`;
    }
    return {
      errors: [
        {
          path: "$",
          message: `not valid JSON${where}: ${msg}`,
          hint: "fix the syntax; `helk config --defaults` prints a valid file",
          source: `file ${name}`,
        },
      ],
    };
  }
  if (!isPlainObject(data)) {
    return { errors: [{ path: "$", message: "the configuration must be a JSON object", source: `file ${name}` }] };
  }
  return { layer: { source: { kind: "file", detail: name }, data }, errors: [] };
}

function coerce(leaf: Leaf, raw: string): unknown {
  switch (leaf.kind) {
    case "number":
      return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
    case "boolean": {
      const v = raw.trim().toLowerCase();
      if (["true", "1", "yes", "on"].includes(v)) return true;
      if (["false", "0", "no", "off"].includes(v)) return false;
      return raw;
    }
    case "string[]":
      return raw
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    default:
      return raw;
  }
}

/** HELK_* variables → a layer. Unknown HELK_ names are warned about, not ignored silently. */
export function envLayer(env: Record<string, string | undefined>): { layer: ConfigLayer; warnings: string[] } {
  const byEnv = new Map(configLeaves().map((leaf) => [leaf.env, leaf]));
  for (const [alias, path] of Object.entries(ENV_ALIASES)) {
    const leaf = leafByPath(path);
    if (leaf) byEnv.set(alias, leaf);
  }
  const data: Record<string, unknown> = {};
  const details: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith("HELK_") || raw === undefined) continue;
    const leaf = byEnv.get(name);
    if (!leaf) {
      if (!NON_CONFIG_ENV.has(name)) {
        const guess = closest(name, [...byEnv.keys()]);
        warnings.push(`${name} is not a HELK setting and was ignored${guess ? ` (did you mean ${guess}?)` : ""}`);
      }
      continue;
    }
    setPath(data, leaf.path, coerce(leaf, raw));
    details[leaf.path] = name;
  }
  return { layer: { source: { kind: "env", detail: "environment" }, data, details }, warnings };
}

/** HELK_ variables that steer the CLI rather than the configuration. */
const NON_CONFIG_ENV = new Set([
  "HELK_CONFIG",
  "HELK_NO_COLOR",
  "HELK_DEBUG",
  // Passwords of external clusters: secrets, never configuration (kept in the state file).
  "HELK_KAFKA_EXTERNAL_PASSWORD",
  "HELK_ELASTICSEARCH_EXTERNAL_PASSWORD",
  "HELK_ELASTICSEARCH_EXTERNAL_API_KEY",
  // helk replay --bootstrap's SASL login for a Kafka that is not the install's.
  "HELK_REPLAY_SASL_USERNAME",
  "HELK_REPLAY_SASL_PASSWORD",
  "HELK_REPLAY_SASL_MECHANISM",
]);

/** `--set path=value` assignments (and typed flags mapped to paths) → a layer. */
export function flagLayer(assignments: { path: string; value: unknown; flag: string }[]): {
  layer: ConfigLayer;
  errors: ConfigProblem[];
} {
  const data: Record<string, unknown> = {};
  const details: Record<string, string> = {};
  const errors: ConfigProblem[] = [];
  for (const { path, value, flag } of assignments) {
    const leaf = leafByPath(path);
    if (!leaf) {
      const guess = closest(
        path,
        configLeaves().map((l) => l.path),
      );
      errors.push({
        path: `$.${path}`,
        message: `unknown setting "${path}"`,
        hint: guess ? `did you mean "${guess}"? (\`helk config\` lists every setting)` : "`helk config` lists every setting",
        source: `flag ${flag}`,
      });
      continue;
    }
    setPath(data, path, typeof value === "string" ? coerce(leaf, value) : value);
    details[path] = flag;
  }
  return { layer: { source: { kind: "flag", detail: "command line" }, data, details }, errors };
}

function describeSource(s: ConfigSource): string {
  return s.kind === "default" ? "default" : `${s.kind} ${s.detail}`;
}

function hintFor(issue: z.core.$ZodIssue, path: (string | number)[]): string | undefined {
  if (issue.code === "unrecognized_keys") {
    const parent = path.length ? getPath(DEFAULTS_SHAPE, path.join(".")) : DEFAULTS_SHAPE;
    const allowed = isPlainObject(parent) ? Object.keys(parent) : [];
    const guesses = issue.keys.map((k) => closest(k, allowed)).filter((g): g is string => Boolean(g));
    const allowedText = allowed.length ? `allowed keys here: ${allowed.join(", ")}` : undefined;
    return guesses.length ? `did you mean ${guesses.map((g) => `"${g}"`).join(", ")}? ${allowedText ?? ""}`.trim() : allowedText;
  }
  if (issue.code === "invalid_value" && "values" in issue) {
    return `one of: ${(issue.values as unknown[]).map(String).join(", ")}`;
  }
  if (issue.code === "invalid_type") return `expected a ${issue.expected}`;
  return undefined;
}

const DEFAULTS_SHAPE: Record<string, unknown> = (() => {
  const shape = configSchema.parse({}) as unknown as Record<string, unknown>;
  return { $schema: "", ...shape };
})();

/** Merge the layers (lowest precedence first) and validate the result. */
export function resolveConfig(layers: ConfigLayer[]): ConfigResult {
  const defaults = configSchema.parse({});
  const sources: Record<string, ConfigSource> = {};
  for (const leaf of configLeaves()) sources[leaf.path] = { kind: "default", detail: "default" };

  // Defaults are the base layer, so a file that sets one field of a topic keeps the others.
  let merged: Record<string, unknown> = structuredClone(defaults) as unknown as Record<string, unknown>;
  for (const layer of layers) {
    merged = deepMerge(merged, layer.data);
    for (const leaf of configLeaves()) {
      if (getPath(layer.data, leaf.path) !== undefined) {
        sources[leaf.path] = { kind: layer.source.kind, detail: layer.details?.[leaf.path] ?? layer.source.detail };
      }
    }
  }

  const parsed = configSchema.safeParse(merged);
  if (parsed.success) return { value: parsed.data, sources, warnings: [], errors: [] };

  // One problem per unknown key, so each gets its own path and "did you mean".
  const issues = parsed.error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys" && issue.keys.length > 1 ? issue.keys.map((key) => ({ ...issue, keys: [key] })) : [issue],
  );
  const errors: ConfigProblem[] = issues.map((issue) => {
    const path = issue.path.map(String);
    const dotted = path.join(".");
    const source = sources[dotted];
    const problem: ConfigProblem = {
      path: `$${path.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join("")}`,
      message: issue.message,
    };
    const hint = hintFor(issue, issue.path as (string | number)[]);
    if (hint) problem.hint = hint;
    const leafDefault = getPath(defaults, dotted);
    if (!hint && leafDefault !== undefined && typeof leafDefault !== "object") problem.hint = `default: ${JSON.stringify(leafDefault)}`;
    if (source && source.kind !== "default") problem.source = describeSource(source);
    else if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0] ?? "";
      const keyPath = dotted ? `${dotted}.${key}` : key;
      const layer = [...layers].reverse().find((l) => getPath(l.data, keyPath) !== undefined);
      if (layer) problem.source = describeSource(layer.source);
      problem.path = `${problem.path}.${key}`;
      problem.message = `unknown key "${key}"`;
    }
    return problem;
  });
  return { sources, warnings: [], errors };
}

export { describeSource };
