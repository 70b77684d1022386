/** Leaf paths of the configuration, derived from its defaults, and the env names that address them. */
import { defaultConfig } from "./schema.js";

export type LeafKind = "string" | "number" | "boolean" | "string[]";

export interface Leaf {
  /** Dotted path, e.g. "kafka.topics.winlogbeat.partitions". */
  path: string;
  kind: LeafKind;
  /** HELK_ environment variable that sets it, e.g. HELK_KAFKA__TOPICS__WINLOGBEAT__PARTITIONS. */
  env: string;
}

/** Short names users know from the original HELK (its folders and docs). */
export const ENV_ALIASES: Record<string, string> = { HELK_HOME: "installHome" };

const screamingSnake = (segment: string): string => segment.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

export function envNameFor(path: string): string {
  return `HELK_${path.split(".").map(screamingSnake).join("__")}`;
}

function walk(value: unknown, prefix: string[], out: Leaf[]): void {
  if (Array.isArray(value)) {
    out.push({ path: prefix.join("."), kind: "string[]", env: envNameFor(prefix.join(".")) });
  } else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) walk(child, [...prefix, key], out);
  } else {
    const kind = typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : "string";
    out.push({ path: prefix.join("."), kind, env: envNameFor(prefix.join(".")) });
  }
}

let cached: Leaf[] | undefined;
export function configLeaves(): Leaf[] {
  if (!cached) {
    cached = [];
    walk(defaultConfig(), [], cached);
  }
  return cached;
}

export function leafByPath(path: string): Leaf | undefined {
  return configLeaves().find((leaf) => leaf.path === path);
}

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    if (next === null || typeof next !== "object" || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1] as string] = value;
}

/** Edit distance, for "did you mean" hints on misspelt keys. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = levenshtein(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
