/**
 * Runs HELK's Logstash pipeline (as parsed by logstash-config.ts) on one event, for the subset
 * of Logstash the pipeline uses. Logstash cannot run here; this is a model, and says where:
 *
 * - Events: a JSON object as the kafka input's json codec makes it: a top-level `@metadata` is
 *   the event's metadata (Logstash's Event takes it out of the data), `decorate_events` adds
 *   `[@metadata][kafka][topic]` and `[@metadata][kafka][timestamp]` (the record's time, epoch ms:
 *   now, unless the caller gives one), and an event without `@timestamp` gets the current time.
 * - Conditions: field references, string / number / list literals, ==, !=, <, >, <=, >=, =~,
 *   !~, in, not in, !, and, or, parentheses. A reference is true unless missing, nil or false.
 *   A reference into a non-object (`[host][name]` on a string) is missing, as in Logstash 8.
 * - Plugins: mutate (rename, replace, convert integer/string, copy, then add_field and
 *   remove_field, in the order mutate applies them), date (ISO8601, UNIX_MS and
 *   `yyyy-MM-dd HH:mm:ss.SSS`, in UTC), kv (field_split, value_split, target, transform_key),
 *   fingerprint (a SHA-256 of the sources: stable, not byte-equal to Logstash's), and ruby only
 *   for the code snippets registered below by their exact text; anything else throws.
 * - Output: the elasticsearch outputs' `index` and `document_id`, with %{[field]} and
 *   %{+YYYY.MM.dd} (from @timestamp, UTC) substituted. Inputs are not run.
 */
import { createHash } from "node:crypto";
import type { Branch, Plugin, Section, Statement, Value } from "./logstash-config.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Event = Record<string, Json>;

/** A field reference (`[a][b]` or a bare top-level name) as its path. */
export function fieldPath(ref: string): string[] {
  const t = ref.trim();
  if (!t.startsWith("[")) return [t];
  const parts = [...t.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1] as string);
  if (parts.join("").length + parts.length * 2 !== t.length) throw new Error(`not a field reference: ${ref}`);
  return parts;
}

export function getField(e: Event, ref: string): Json | undefined {
  let v: Json | undefined = e;
  for (const p of fieldPath(ref)) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, Json>)[p];
  }
  return v;
}

export function setField(e: Event, ref: string, value: Json): void {
  const path = fieldPath(ref);
  let o: Record<string, Json> = e;
  for (const p of path.slice(0, -1)) {
    const next = o[p];
    if (next === null || typeof next !== "object" || Array.isArray(next)) o[p] = {};
    o = o[p] as Record<string, Json>;
  }
  o[path[path.length - 1] as string] = value;
}

export function removeField(e: Event, ref: string): void {
  const path = fieldPath(ref);
  const parent = path.length === 1 ? e : getField(e, `[${path.slice(0, -1).join("][")}]`);
  if (parent && typeof parent === "object" && !Array.isArray(parent))
    delete (parent as Record<string, Json>)[path[path.length - 1] as string];
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** What the kafka input (codec json, decorate_events basic) makes of one record's JSON value. */
export function fromKafka(json: Record<string, unknown>, topic: string, timestamp = Date.now()): Event {
  const e = clone(json) as Event;
  const meta = (e["@metadata"] && typeof e["@metadata"] === "object" ? e["@metadata"] : {}) as Record<string, Json>;
  e["@metadata"] = { ...meta, kafka: { topic, partition: 0, offset: 0, timestamp } };
  // Logstash's Event stamps one without @timestamp with the time it is made.
  if (typeof e["@timestamp"] !== "string") e["@timestamp"] = new Date().toISOString();
  return e;
}

// ---------------------------------------------------------------- conditions

type Cond =
  | { kind: "ref"; ref: string }
  | { kind: "lit"; value: Json }
  | { kind: "regexp"; re: RegExp }
  | { kind: "not"; c: Cond }
  | { kind: "bool"; op: string; l: Cond; r: Cond }
  | { kind: "cmp"; op: string; l: Cond; r: Cond };

const COND_TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(\/(?:[^/\\\n]|\\.)*\/)|((?:\[[^\],\n]+\])+)|(-?\d+(?:\.\d+)?)|(==|!=|<=|>=|=~|!~|<|>|!|\(|\)|\[|\]|,)|(not\s+in\b|in\b|and\b|or\b|xor\b|nand\b))/y;

export function parseCondition(text: string): Cond {
  const tokens: string[] = [];
  COND_TOKEN.lastIndex = 0;
  while (COND_TOKEN.lastIndex < text.length && text.slice(COND_TOKEN.lastIndex).trim()) {
    const m = COND_TOKEN.exec(text);
    if (!m) throw new Error(`condition not understood here: ${text}`);
    tokens.push(m[0].trim());
  }
  let i = 0;
  const peek = () => tokens[i];
  const bool = (): Cond => {
    let l = unary();
    while (peek() && /^(and|or|xor|nand)$/.test(peek() as string)) {
      const op = tokens[i++] as string;
      l = { kind: "bool", op, l, r: unary() };
    }
    return l;
  };
  const unary = (): Cond => {
    if (peek() === "!") {
      i++;
      return { kind: "not", c: unary() };
    }
    if (peek() === "(") {
      i++;
      const c = bool();
      if (tokens[i++] !== ")") throw new Error(`missing ) in ${text}`);
      return c;
    }
    const l = operand();
    const op = peek();
    if (op && /^(==|!=|<=|>=|<|>|=~|!~|in|not\s+in)$/.test(op)) {
      i++;
      return { kind: "cmp", op: op.replace(/\s+/, " "), l, r: operand() };
    }
    return l;
  };
  const operand = (): Cond => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`unexpected end of ${text}`);
    if (t.startsWith('"') || t.startsWith("'")) return { kind: "lit", value: t.slice(1, -1).replace(/\\(.)/g, "$1") };
    if (t.startsWith("/")) return { kind: "regexp", re: new RegExp(t.slice(1, -1)) };
    if (/^-?\d/.test(t)) return { kind: "lit", value: Number(t) };
    if (t.startsWith("[") && t.endsWith("]") && !/^\[\s*["'\d]/.test(t)) return { kind: "ref", ref: t };
    if (t === "[") {
      const items: Json[] = [];
      while (peek() !== "]") {
        if (items.length && tokens[i++] !== ",") throw new Error(`expected , in ${text}`);
        const v = operand();
        if (v.kind !== "lit") throw new Error(`only literals in a list: ${text}`);
        items.push(v.value);
      }
      i++;
      return { kind: "lit", value: items };
    }
    throw new Error(`operand not understood here: ${t} in ${text}`);
  };
  const c = bool();
  if (i !== tokens.length) throw new Error(`condition not understood here: ${text}`);
  return c;
}

const truthy = (v: Json | undefined) => v !== undefined && v !== null && v !== false;

function operandValue(c: Cond, e: Event): Json | undefined {
  if (c.kind === "ref") return getField(e, c.ref);
  if (c.kind === "lit") return c.value;
  throw new Error("a regexp is only a right-hand side of =~ / !~");
}

export function evalCondition(c: Cond, e: Event): boolean {
  switch (c.kind) {
    case "ref":
      return truthy(getField(e, c.ref));
    case "lit":
      return truthy(c.value);
    case "regexp":
      throw new Error("a bare regexp is not a condition");
    case "not":
      return !evalCondition(c.c, e);
    case "bool": {
      const l = evalCondition(c.l, e);
      const r = evalCondition(c.r, e);
      return { and: l && r, or: l || r, xor: l !== r, nand: !(l && r) }[c.op] as boolean;
    }
    case "cmp": {
      const l = operandValue(c.l, e);
      if (c.op === "=~" || c.op === "!~") {
        const re = c.r.kind === "regexp" ? c.r.re : new RegExp(String(operandValue(c.r, e)));
        const hit = typeof l === "string" && re.test(l);
        return c.op === "=~" ? hit : !hit;
      }
      const r = operandValue(c.r, e);
      if (c.op === "in" || c.op === "not in") {
        const hit = Array.isArray(r)
          ? r.some((x) => JSON.stringify(x) === JSON.stringify(l))
          : typeof r === "string" && typeof l === "string" && r.includes(l);
        return c.op === "in" ? hit : !hit;
      }
      if (c.op === "==") return JSON.stringify(l) === JSON.stringify(r);
      if (c.op === "!=") return JSON.stringify(l) !== JSON.stringify(r);
      if (l === undefined || r === undefined || l === null || r === null) return false;
      return { "<": l < r, ">": l > r, "<=": l <= r, ">=": l >= r }[c.op] as boolean;
    }
  }
}

// ---------------------------------------------------------------- plugins

/** %{[field]} and %{+YYYY.MM.dd} (from @timestamp, UTC), as Logstash's sprintf. */
export function sprintf(template: string, e: Event): string {
  return template.replace(/%\{([^}]+)\}/g, (whole, ref: string) => {
    if (ref.startsWith("+")) {
      const d = new Date(String(getField(e, "@timestamp")));
      if (ref !== "+YYYY.MM.dd") throw new Error(`date format ${ref} is not modelled`);
      return `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, "0")}.${String(d.getUTCDate()).padStart(2, "0")}`;
    }
    const v = getField(e, ref);
    return v === undefined ? whole : typeof v === "object" ? JSON.stringify(v) : String(v);
  });
}

const attr = (p: Plugin, key: string): Value | undefined => p.attributes.find(([k]) => k === key)?.[1];
const hashAttr = (p: Plugin, key: string) =>
  p.attributes.filter(([k]) => k === key).flatMap(([, v]) => Object.entries(v as Record<string, Value>)) as [string, Value][];
const list = (v: Value | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]);

const MUTATE = ["rename", "replace", "convert", "copy", "add_field", "remove_field", "id"];

function mutate(p: Plugin, e: Event): void {
  for (const [k] of p.attributes) if (!MUTATE.includes(k)) throw new Error(`mutate option ${k} is not modelled (line ${p.line})`);
  for (const [from, to] of hashAttr(p, "rename")) {
    const v = getField(e, from);
    if (v !== undefined) {
      removeField(e, from);
      setField(e, to as string, v);
    }
  }
  for (const [field, v] of hashAttr(p, "replace")) setField(e, field, sprintf(v as string, e));
  for (const [field, type] of hashAttr(p, "convert")) {
    const v = getField(e, field);
    if (v === undefined || v === null) continue;
    if (type === "integer") {
      const n = typeof v === "number" ? Math.trunc(v) : typeof v === "boolean" ? Number(v) : Number.parseInt(String(v), 10);
      // Ruby's to_i: no leading digits is 0.
      setField(e, field, Number.isNaN(n) ? 0 : n);
    } else if (type === "string") setField(e, field, typeof v === "object" ? JSON.stringify(v) : String(v));
    else throw new Error(`convert to ${String(type)} is not modelled`);
  }
  for (const [from, to] of hashAttr(p, "copy")) {
    const v = getField(e, from);
    if (v !== undefined) setField(e, to as string, clone(v));
  }
  for (const [field, v] of hashAttr(p, "add_field")) {
    const value = sprintf(v as string, e);
    const old = getField(e, field);
    // add_field on an existing field makes it an array, as Logstash does.
    setField(e, field, old === undefined ? value : Array.isArray(old) ? [...old, value] : [old, value]);
  }
  for (const f of list(attr(p, "remove_field"))) removeField(e, sprintf(f, e));
}

function addTags(e: Event, tags: string[]) {
  const old = getField(e, "tags");
  setField(e, "tags", [...(Array.isArray(old) ? old : old === undefined ? [] : [old]), ...tags]);
}

function date(p: Plugin, e: Event): void {
  const [field, ...formats] = list(attr(p, "match"));
  const target = (attr(p, "target") as string | undefined) ?? "@timestamp";
  const tz = attr(p, "timezone") as string | undefined;
  if (tz !== undefined && tz !== "UTC") throw new Error(`timezone ${tz} is not modelled`);
  const v = getField(e, field as string);
  if (v === undefined) return;
  for (const f of formats) {
    let d: Date | undefined;
    if (f === "UNIX_MS" && (typeof v === "number" || (typeof v === "string" && /^\d+$/.test(v)))) d = new Date(Number(v));
    else if (f === "ISO8601" && typeof v === "string" && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(v))
      d = new Date(/Z|[+-]\d{2}:?\d{2}$/.test(v) ? v.replace(" ", "T") : `${v.replace(" ", "T")}Z`);
    else if (f === "yyyy-MM-dd HH:mm:ss.SSS" && typeof v === "string" && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/.test(v))
      d = new Date(`${v.replace(" ", "T")}Z`);
    else if (f !== "ISO8601" && f !== "UNIX_MS" && f !== "yyyy-MM-dd HH:mm:ss.SSS") throw new Error(`date format ${f} is not modelled`);
    if (d && !Number.isNaN(d.getTime())) {
      setField(e, target, d.toISOString());
      return;
    }
  }
  addTags(e, list(attr(p, "tag_on_failure") ?? ["_dateparsefailure"]));
}

function kv(p: Plugin, e: Event): void {
  const source = getField(e, (attr(p, "source") as string | undefined) ?? "message");
  if (typeof source !== "string") return;
  const fieldSplit = (attr(p, "field_split") as string | undefined) ?? " ";
  const valueSplit = (attr(p, "value_split") as string | undefined) ?? "=";
  const lower = attr(p, "transform_key") === "lowercase";
  const out: Record<string, Json> = {};
  for (const pair of source.split(new RegExp(`[${fieldSplit.replace(/[\]\\^-]/g, "\\$&")}]`))) {
    const at = pair.search(new RegExp(`[${valueSplit.replace(/[\]\\^-]/g, "\\$&")}]`));
    if (at <= 0) continue;
    const key = pair.slice(0, at);
    out[lower ? key.toLowerCase() : key] = pair.slice(at + 1);
  }
  const target = attr(p, "target") as string | undefined;
  if (target) setField(e, target, out);
  else for (const [k, v] of Object.entries(out)) setField(e, k, v);
}

function fingerprint(p: Plugin, e: Event): void {
  const sources = list(attr(p, "source"));
  const values = sources.map((s) => [s, getField(e, s) ?? null]);
  setField(
    e,
    (attr(p, "target") as string | undefined) ?? "fingerprint",
    createHash("sha256").update(JSON.stringify(values)).digest("hex"),
  );
}

/**
 * The ruby filters HELK's pipeline uses, by their code with whitespace collapsed. A snippet not
 * listed here is not evaluated: running the pipeline throws, so a changed snippet must be
 * modelled again here.
 */
const RUBY: Record<string, (e: Event) => void> = {
  "data = event.get('[winlog][event_data]') if data.is_a?(Hash) data.each { |k, v| event.set(k, v) if event.get(k).nil? } end": (e) => {
    const data = getField(e, "[winlog][event_data]");
    if (data && typeof data === "object" && !Array.isArray(data))
      for (const [k, v] of Object.entries(data)) if (getField(e, k) === undefined || getField(e, k) === null) setField(e, k, clone(v));
  },
  "h = event.get('host') if h.is_a?(String) event.remove('host') event.set('[log][source][address]', h) end": (e) => {
    const h = getField(e, "host");
    if (typeof h === "string") {
      removeField(e, "host");
      setField(e, "[log][source][address]", h);
    }
  },
};

function ruby(p: Plugin, e: Event): void {
  const code = String(attr(p, "code") ?? "")
    .replace(/#[^\n]*/g, "")
    .replace(/\s+/g, " ")
    .trim();
  const run = RUBY[code];
  if (!run) throw new Error(`ruby code at line ${p.line} is not modelled here: ${code}`);
  run(e);
}

const FILTERS: Record<string, (p: Plugin, e: Event) => void> = { mutate, date, kv, fingerprint, ruby };

const conditions = new Map<string, Cond>();
const parsed = (text: string) => {
  const known = conditions.get(text);
  if (known) return known;
  const c = parseCondition(text);
  conditions.set(text, c);
  return c;
};

function runStatements(statements: Statement[], e: Event, visit: (p: Plugin) => void): void {
  for (const s of statements) {
    if (s.kind === "plugin") visit(s);
    else {
      const b = s as Branch;
      const taken = b.conditions.findIndex((c) => c === "else" || evalCondition(parsed(c), e));
      if (taken >= 0) runStatements(b.bodies[taken] as Statement[], e, visit);
    }
  }
}

export interface Indexed {
  index: string;
  documentId?: string;
  /** The document as Elasticsearch receives it (no @metadata). */
  source: Event;
}

/** The filter sections on a copy of the event, then what the elasticsearch output would write. */
export function runPipeline(sections: Section[], input: Event): { event: Event; outputs: Indexed[] } {
  const e = clone(input);
  for (const s of sections.filter((x) => x.type === "filter"))
    runStatements(s.body, e, (p) => {
      const f = FILTERS[p.name];
      if (!f) throw new Error(`filter ${p.name} (line ${p.line}) is not modelled here`);
      f(p, e);
    });
  const outputs: Indexed[] = [];
  for (const s of sections.filter((x) => x.type === "output"))
    runStatements(s.body, e, (p) => {
      if (p.name !== "elasticsearch") throw new Error(`output ${p.name} is not modelled here`);
      const id = attr(p, "document_id") as string | undefined;
      const { "@metadata": _meta, ...source } = e;
      outputs.push({ index: sprintf(attr(p, "index") as string, e), ...(id ? { documentId: sprintf(id, e) } : {}), source: clone(source) });
    });
  return { event: e, outputs };
}
