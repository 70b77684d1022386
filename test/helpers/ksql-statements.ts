/**
 * A reader and checker for the subset of ksqlDB's statement grammar HELK's statements use:
 * CREATE STREAM with a column list over a topic (primitive and STRUCT<...> columns), and CREATE
 * STREAM ... AS SELECT with an optional windowed stream-stream join, WHERE, PARTITION BY and EMIT
 * CHANGES (ksqlDB 0.29 syntax). Expressions: column references (`A.col`, `` `col` ``, struct
 * access `col->field->field`), literals, COALESCE / IFNULL / AS_VALUE, CAST(x AS type),
 * comparisons, AND / OR / NOT, IS [NOT] NULL.
 *
 * ksqlDB cannot run here. `checkStatements` resolves every name and type as ksqlDB's analyzer
 * does for this subset and refuses what it refuses: an unknown stream, column or struct field;
 * COALESCE over different types; comparing a number with a string; a CAST ksqlDB has no rule
 * for; a PARTITION BY expression missing from the projection (RepartitionNode's "must include
 * the partitioning expression"). `evaluate` runs a statement's WHERE and SELECT on one JSON event
 * the way ksqlDB's JSON reader would see it (`deserialize`, after
 * ksqldb-serde/.../json/KsqlJsonDeserializer.java and JsonSerdeUtils.java). Neither windows,
 * keys' serialization, nor any function outside the list above is modelled.
 */

export type SqlType =
  | { base: "VARCHAR" | "INT" | "BIGINT" | "DOUBLE" | "BOOLEAN" | "TIMESTAMP" | "DATE" | "TIME" | "BYTES" }
  | { base: "STRUCT"; fields: Map<string, SqlType> }
  | { base: "ARRAY"; item: SqlType }
  | { base: "MAP"; value: SqlType };

export interface Column {
  name: string;
  /** The type as ksqlDB prints it (`STRUCT<EVENT_ID VARCHAR, ...>`). */
  type: string;
  sqlType: SqlType;
}

export interface SelectItem {
  /** The expression as written (`N.ProcessGuid`, `COALESCE(Image, winlog->event_data->Image)`). */
  expression: string;
  /** The output column (the alias, or the column's own name). */
  name: string;
}

export interface StreamStatement {
  name: string;
  ifNotExists: boolean;
  properties: Record<string, string>;
  /** CREATE STREAM (columns) WITH (...). */
  columns?: Column[];
  /** CREATE STREAM ... AS SELECT. */
  select?: {
    items: SelectItem[];
    from: { stream: string; alias?: string };
    join?: {
      type: string;
      stream: string;
      alias: string;
      within: { beforeSeconds: number; afterSeconds: number };
      graceSeconds?: number;
      on: string;
    };
    where?: string;
    /** The PARTITION BY expression as written. */
    partitionBy?: string;
  };
}

export { splitStatements } from "../../compose/ksql.js";

const PRIMITIVES: Record<string, SqlType["base"]> = {
  VARCHAR: "VARCHAR",
  STRING: "VARCHAR",
  INT: "INT",
  INTEGER: "INT",
  BIGINT: "BIGINT",
  DOUBLE: "DOUBLE",
  BOOLEAN: "BOOLEAN",
  TIMESTAMP: "TIMESTAMP",
  DATE: "DATE",
  TIME: "TIME",
  BYTES: "BYTES",
};
const UNITS: Record<string, number> = { MILLISECOND: 0.001, SECOND: 1, MINUTE: 60, HOUR: 3600, DAY: 86400 };
const NUMERIC = new Set(["INT", "BIGINT", "DOUBLE"]);

/** Splits on commas at depth 0 (parentheses, and angle brackets when `angles`), outside quotes. */
function splitTop(text: string, angles = false): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = "";
  for (const c of text) {
    if (quote) quote = c === quote ? undefined : quote;
    else if (c === "'" || c === "`") quote = c;
    else if (c === "(" || (angles && c === "<")) depth++;
    else if (c === ")" || (angles && c === ">")) depth--;
    else if (c === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
      continue;
    }
    current += c;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** A column or alias name as ksqlDB stores it: quoted keeps its case, unquoted is upper-cased. */
export function identifier(raw: string): string {
  const t = raw.trim();
  return t.startsWith("`") ? t.slice(1, -1) : t.toUpperCase();
}

/**
 * Keywords ksqlDB's grammar does not accept as an unquoted name (the lexer's tokens minus its
 * `nonReserved` list, ksqldb-parser/src/main/antlr4/io/confluent/ksql/parser/SqlBase.g4).
 */
export const RESERVED = new Set(
  "SELECT FROM AS ALL DISTINCT WHERE WITHIN WINDOW GROUP BY HAVING LIMIT AT OR AND IN NOT EXISTS BETWEEN LIKE IS NULL TRUE FALSE MILLISECOND YEARS MONTHS DAYS HOURS MINUTES SECONDS MILLISECONDS TUMBLING HOPPING SIZE ADVANCE RETENTION CASE WHEN THEN ELSE END JOIN FULL OUTER INNER LEFT RIGHT ON WITH VALUES CREATE TABLE TOPIC STREAM STREAMS INSERT DELETE INTO DESCRIBE EXTENDED PRINT CAST LIST TOPICS QUERY QUERIES TERMINATE LOAD DROP TO RENAME SAMPLE EXPORT CATALOG PROPERTIES BEGINNING UNSET RUN SCRIPT DECIMAL CONNECTOR CONNECTORS NAMESPACE MATERIALIZED VIEW".split(
    " ",
  ),
);

/** A name being defined (column, struct field, alias): refused when an unquoted reserved word. */
function definedName(raw: string): string {
  const t = raw.trim();
  if (!t.startsWith("`") && RESERVED.has(t.toUpperCase()))
    throw new Error(`line 1:1: mismatched input '${t}': a reserved word needs quoting (\`${t}\`)`);
  return identifier(t);
}

/** A column type: a primitive, STRUCT<name type, ...>, ARRAY<type> or MAP<VARCHAR, type>. */
export function parseType(text: string): SqlType {
  const t = text.trim();
  const primitive = PRIMITIVES[t.toUpperCase()];
  if (primitive) return { base: primitive } as SqlType;
  const m = /^(STRUCT|ARRAY|MAP)\s*<(.*)>$/is.exec(t);
  if (!m) throw new Error(`unknown type ${t}`);
  const kind = (m[1] as string).toUpperCase();
  const inner = m[2] as string;
  if (kind === "ARRAY") return { base: "ARRAY", item: parseType(inner) };
  if (kind === "MAP") {
    const [key, value] = splitTop(inner, true);
    if (!key || !value || PRIMITIVES[key.toUpperCase()] !== "VARCHAR") throw new Error(`MAP keys must be VARCHAR: ${t}`);
    return { base: "MAP", value: parseType(value) };
  }
  const fields = new Map<string, SqlType>();
  for (const f of splitTop(inner, true)) {
    const fm = /^(`[^`]+`|\w+)\s+(.+)$/s.exec(f);
    if (!fm) throw new Error(`not a struct field (name type): ${f}`);
    const name = definedName(fm[1] as string);
    if (fields.has(name)) throw new Error(`duplicate struct field ${name}`);
    fields.set(name, parseType(fm[2] as string));
  }
  if (fields.size === 0) throw new Error(`a STRUCT needs fields: ${t}`);
  return { base: "STRUCT", fields };
}

export function typeText(t: SqlType): string {
  if (t.base === "STRUCT")
    return `STRUCT<${[...t.fields].map(([n, f]) => `${/^[A-Z_][A-Z0-9_]*$/.test(n) ? n : `\`${n}\``} ${typeText(f)}`).join(", ")}>`;
  if (t.base === "ARRAY") return `ARRAY<${typeText(t.item)}>`;
  if (t.base === "MAP") return `MAP<VARCHAR, ${typeText(t.value)}>`;
  return t.base;
}

function properties(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const p of splitTop(text)) {
    const m = /^(\w+)\s*=\s*'((?:[^']|'')*)'$/s.exec(p);
    if (!m) throw new Error(`not a property (NAME = 'value'): ${p}`);
    props[(m[1] as string).toUpperCase()] = (m[2] as string).replace(/''/g, "'");
  }
  return props;
}

function seconds(amount: string, unit: string): number {
  const u = UNITS[unit.toUpperCase().replace(/S$/, "")];
  if (u === undefined) throw new Error(`unknown time unit ${unit}`);
  return Number(amount) * u;
}

export function parseStatement(statement: string): StreamStatement {
  const s = statement.replace(/\s+/g, " ").trim();
  const head = /^CREATE STREAM (IF NOT EXISTS )?(\w+) /i.exec(s);
  if (!head) throw new Error(`not a CREATE STREAM statement: ${s.slice(0, 60)}`);
  const name = (head[2] as string).toUpperCase();
  const ifNotExists = Boolean(head[1]);
  const rest = s.slice(head[0].length);

  const table = /^\((.*)\) WITH \(([^()]*)\)$/.exec(rest);
  if (table) {
    const columns = splitTop(table[1] as string, true).map((c) => {
      const m = /^(`[^`]+`|\w+) (.+)$/.exec(c);
      let sqlType: SqlType | undefined;
      try {
        sqlType = m ? parseType(m[2] as string) : undefined;
      } catch (e) {
        throw new Error(`${name}: not a column definition: ${c} (${(e as Error).message})`);
      }
      if (!m || !sqlType) throw new Error(`${name}: not a column definition: ${c}`);
      return { name: definedName(m[1] as string), type: typeText(sqlType), sqlType };
    });
    return { name, ifNotExists, properties: properties(table[2] as string), columns };
  }

  const csas =
    /^WITH \((.*?)\) AS SELECT (.*) FROM (\w+)(?: (\w+))?(?: (INNER |LEFT |FULL )?JOIN (\w+) (\w+) WITHIN \((\d+) (\w+), (\d+) (\w+)\)(?: GRACE PERIOD (\d+) (\w+))? ON (.*?))?(?: WHERE (.*?))?(?: PARTITION BY (.*?))? EMIT CHANGES$/i.exec(
      rest,
    );
  if (!csas) throw new Error(`${name}: not CREATE STREAM ... WITH (...) AS SELECT ... FROM ... EMIT CHANGES`);
  const items = splitTop(csas[2] as string).map((item) => {
    const m = /^(.*?) AS (`[^`]+`|\w+)$/i.exec(item);
    const expression = (m ? m[1] : item) as string;
    const bare = /^(?:\w+\.)?(`[^`]+`|\w+)$/.exec(expression);
    if (!m && !bare) throw new Error(`${name}: an expression needs an alias: ${item}`);
    return { expression, name: m ? definedName(m[2] as string) : identifier(bare?.[1] as string) };
  });
  return {
    name,
    ifNotExists,
    properties: properties(csas[1] as string),
    select: {
      items,
      from: { stream: (csas[3] as string).toUpperCase(), ...(csas[4] ? { alias: (csas[4] as string).toUpperCase() } : {}) },
      ...(csas[6]
        ? {
            join: {
              type: (csas[5] ?? "INNER ").trim().toUpperCase(),
              stream: (csas[6] as string).toUpperCase(),
              alias: (csas[7] as string).toUpperCase(),
              within: {
                beforeSeconds: seconds(csas[8] as string, csas[9] as string),
                afterSeconds: seconds(csas[10] as string, csas[11] as string),
              },
              ...(csas[12] ? { graceSeconds: seconds(csas[12] as string, csas[13] as string) } : {}),
              on: csas[14] as string,
            },
          }
        : {}),
      ...(csas[15] ? { where: csas[15] as string } : {}),
      ...(csas[16] ? { partitionBy: csas[16] as string } : {}),
    },
  };
}

// ---------------------------------------------------------------- expressions

export type Expr =
  | { kind: "literal"; value: string | number | boolean | null }
  | { kind: "column"; alias?: string; column: string; path: string[] }
  | { kind: "call"; name: string; args: Expr[] }
  | { kind: "cast"; expr: Expr; to: SqlType }
  | { kind: "binary"; op: string; left: Expr; right: Expr }
  | { kind: "not"; expr: Expr }
  | { kind: "isNull"; expr: Expr; negated: boolean };

const TOKEN = /\s*(?:('(?:[^']|'')*')|(`[^`]+`)|(\d+(?:\.\d+)?)|(->|<>|!=|<=|>=|[=<>(),.+\-*/])|([A-Za-z_@][\w@]*))/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`line 1:${at + 1}: unexpected character in ${text}`);
    out.push((m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5]) as string);
  }
  return out;
}

/** Parses one expression of the subset above; throws on anything else. */
export function parseExpression(text: string): Expr {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (k = 0) => tokens[i + k];
  const isWord = (t: string | undefined, w: string) => t !== undefined && t.toUpperCase() === w;
  const expect = (t: string) => {
    if (tokens[i] === undefined || tokens[i]?.toUpperCase() !== t)
      throw new Error(`expected ${t} at '${tokens.slice(i).join(" ")}' in ${text}`);
    i++;
  };
  const or = (): Expr => {
    let left = and();
    while (isWord(peek(), "OR")) {
      i++;
      left = { kind: "binary", op: "OR", left, right: and() };
    }
    return left;
  };
  const and = (): Expr => {
    let left = not();
    while (isWord(peek(), "AND")) {
      i++;
      left = { kind: "binary", op: "AND", left, right: not() };
    }
    return left;
  };
  const not = (): Expr => {
    if (isWord(peek(), "NOT")) {
      i++;
      return { kind: "not", expr: not() };
    }
    return comparison();
  };
  const comparison = (): Expr => {
    const left = additive();
    const op = peek();
    if (op && ["=", "<>", "!=", "<", ">", "<=", ">="].includes(op)) {
      i++;
      return { kind: "binary", op: op === "!=" ? "<>" : op, left, right: additive() };
    }
    if (isWord(op, "IS")) {
      i++;
      const negated = isWord(peek(), "NOT");
      if (negated) i++;
      expect("NULL");
      return { kind: "isNull", expr: left, negated };
    }
    return left;
  };
  const additive = (): Expr => {
    let left = primary();
    while (peek() === "+" || peek() === "-") {
      const op = tokens[i++] as string;
      left = { kind: "binary", op, left, right: primary() };
    }
    return left;
  };
  const primary = (): Expr => {
    const t = peek();
    if (t === undefined) throw new Error(`unexpected end of ${text}`);
    if (t === "(") {
      i++;
      const e = or();
      expect(")");
      return e;
    }
    if (t.startsWith("'")) {
      i++;
      return { kind: "literal", value: t.slice(1, -1).replace(/''/g, "'") };
    }
    if (/^\d/.test(t)) {
      i++;
      return { kind: "literal", value: Number(t) };
    }
    if (isWord(t, "NULL") || isWord(t, "TRUE") || isWord(t, "FALSE")) {
      i++;
      return { kind: "literal", value: isWord(t, "NULL") ? null : isWord(t, "TRUE") };
    }
    if (isWord(t, "CAST") && peek(1) === "(") {
      i += 2;
      const expr = or();
      expect("AS");
      const to = parseType(tokens[i++] ?? "");
      expect(")");
      return { kind: "cast", expr, to };
    }
    if (/^[A-Za-z_]/.test(t) && peek(1) === "(") {
      i += 2;
      const args: Expr[] = [];
      while (peek() !== ")") {
        if (args.length) expect(",");
        args.push(or());
      }
      i++;
      return { kind: "call", name: t.toUpperCase(), args };
    }
    if (/^[A-Za-z_`@]/.test(t)) {
      i++;
      let alias: string | undefined;
      let column = identifier(t);
      if (peek() === ".") {
        i++;
        alias = column;
        column = identifier(tokens[i++] ?? "");
      }
      const path: string[] = [];
      while (peek() === "->") {
        i++;
        path.push(identifier(tokens[i++] ?? ""));
      }
      return { kind: "column", ...(alias ? { alias } : {}), column, path };
    }
    throw new Error(`line 1:1: mismatched input '${t}' in ${text}`);
  };
  const e = or();
  if (i !== tokens.length) throw new Error(`line 1:1: extraneous input '${tokens.slice(i).join(" ")}' in ${text}`);
  return e;
}

/** Every column reference in an expression (with its struct path). */
export function columnRefs(e: Expr): Extract<Expr, { kind: "column" }>[] {
  switch (e.kind) {
    case "column":
      return [e];
    case "call":
      return e.args.flatMap(columnRefs);
    case "cast":
    case "not":
    case "isNull":
      return columnRefs(e.expr);
    case "binary":
      return [...columnRefs(e.left), ...columnRefs(e.right)];
    default:
      return [];
  }
}

/** Columns in scope: alias (or stream name) → column name → type. */
export type Scope = Map<string, Map<string, SqlType>>;

const same = (a: SqlType, b: SqlType) => typeText(a) === typeText(b);
const display = (t: SqlType) => (t.base === "VARCHAR" ? "STRING" : t.base === "INT" ? "INTEGER" : typeText(t));

/** The type of an expression in a scope, refusing what ksqlDB's type checks refuse. Null literal → undefined. */
export function typeOf(e: Expr, scope: Scope): SqlType | undefined {
  switch (e.kind) {
    case "literal":
      if (e.value === null) return undefined;
      return { base: typeof e.value === "string" ? "VARCHAR" : typeof e.value === "boolean" ? "BOOLEAN" : "INT" };
    case "column": {
      if (e.alias && !scope.has(e.alias)) throw new Error(`'${e.alias}' is not a valid stream/table name or alias.`);
      const candidates = e.alias ? [scope.get(e.alias) as Map<string, SqlType>] : [...scope.values()];
      const found = candidates.filter((c) => c.has(e.column));
      if (found.length === 0) throw new Error(`Column '${e.alias ? `${e.alias}.` : ""}${e.column}' cannot be resolved.`);
      if (found.length > 1) throw new Error(`Column '${e.column}' is ambiguous.`);
      let t = found[0]?.get(e.column) as SqlType;
      let where = e.column;
      for (const field of e.path) {
        if (t.base !== "STRUCT")
          throw new Error(`Expected STRUCT type for '${where}' but got ${display(t)}: cannot dereference '${field}'.`);
        const next = t.fields.get(field);
        if (!next) throw new Error(`Could not find field '${field}' in '${where}'.`);
        t = next;
        where = `${where}->${field}`;
      }
      return t;
    }
    case "cast": {
      const from = typeOf(e.expr, scope);
      if (from && from.base !== e.to.base) {
        const castable = ["VARCHAR", ...NUMERIC, "BOOLEAN"];
        if (!castable.includes(from.base) || !castable.includes(e.to.base) || (from.base === "BOOLEAN" && e.to.base !== "VARCHAR"))
          throw new Error(`Cast of ${display(from)} to ${display(e.to)} is not supported`);
      }
      return e.to;
    }
    case "call": {
      const types = e.args.map((a) => typeOf(a, scope));
      if (e.name === "COALESCE" || e.name === "IFNULL") {
        if (e.args.length < (e.name === "IFNULL" ? 2 : 1) || (e.name === "IFNULL" && e.args.length !== 2))
          throw new Error(`Function '${e.name}' does not accept ${e.args.length} parameters`);
        const known = types.filter((t): t is SqlType => t !== undefined);
        if (known.some((t) => !same(t, known[0] as SqlType)))
          throw new Error(`Function '${e.name}' does not accept parameters (${types.map((t) => (t ? display(t) : "NULL")).join(", ")})`);
        return known[0];
      }
      if (e.name === "AS_VALUE") {
        if (e.args.length !== 1) throw new Error("AS_VALUE takes one argument");
        return types[0];
      }
      throw new Error(`Can't find any functions with the name '${e.name}'`);
    }
    case "not":
    case "isNull": {
      const t = typeOf(e.expr, scope);
      if (e.kind === "not" && t && t.base !== "BOOLEAN") throw new Error(`NOT needs a BOOLEAN, got ${display(t)}`);
      return { base: "BOOLEAN" };
    }
    case "binary": {
      const l = typeOf(e.left, scope);
      const r = typeOf(e.right, scope);
      if (e.op === "AND" || e.op === "OR") {
        for (const t of [l, r]) if (t && t.base !== "BOOLEAN") throw new Error(`${e.op} needs BOOLEAN operands, got ${display(t)}`);
        return { base: "BOOLEAN" };
      }
      if (e.op === "+" || e.op === "-") {
        if ((l && !NUMERIC.has(l.base)) || (r && !NUMERIC.has(r.base))) {
          if (!(e.op === "+" && l?.base === "VARCHAR" && r?.base === "VARCHAR"))
            throw new Error(`Unsupported arithmetic types. ${l ? display(l) : "NULL"} ${r ? display(r) : "NULL"}`);
        }
        return l ?? r;
      }
      if (l && r) {
        const comparable = same(l, r) || (NUMERIC.has(l.base) && NUMERIC.has(r.base));
        if (!comparable || l.base === "STRUCT") throw new Error(`Cannot compare ${display(l)} to ${display(r)} with ${e.op}.`);
      }
      return { base: "BOOLEAN" };
    }
  }
}

/** Expression text without spaces and with unquoted words upper-cased, to compare two spellings. */
function canonical(text: string): string {
  return tokenize(text)
    .map((t) => (t.startsWith("'") || t.startsWith("`") ? t : t.toUpperCase()))
    .join(" ");
}

/**
 * Checks statements in order as ksqlDB's analyzer would for this subset; returns each stream's
 * value columns and types. Throws on the first refusal, naming the stream.
 */
export function checkStatements(statements: StreamStatement[]): Map<string, Map<string, SqlType>> {
  const streams = new Map<string, Map<string, SqlType>>();
  for (const s of statements) {
    const fail = (msg: string): never => {
      throw new Error(`${s.name}: ${msg}`);
    };
    if (streams.has(s.name) && !s.ifNotExists) fail(`A stream with the same name already exists`);
    for (const required of s.select ? [] : ["KAFKA_TOPIC", "VALUE_FORMAT"])
      if (!(required in s.properties)) fail(`Missing required property "${required}" which has no default value.`);
    if (s.columns) {
      const cols = new Map<string, SqlType>();
      for (const c of s.columns) {
        if (cols.has(c.name)) fail(`Duplicate column names: ${c.name}`);
        cols.set(c.name, c.sqlType);
      }
      const ts = s.properties.TIMESTAMP;
      if (ts !== undefined && !cols.has(identifier(ts)))
        fail(`The TIMESTAMP column set in the WITH clause does not exist in the schema: '${identifier(ts)}'`);
      streams.set(s.name, cols);
      continue;
    }
    const sel = s.select as NonNullable<StreamStatement["select"]>;
    const scope: Scope = new Map();
    const add = (stream: string, alias: string) => {
      const cols = streams.get(stream);
      if (!cols) fail(`${stream} does not exist.`);
      scope.set(alias, cols as Map<string, SqlType>);
    };
    add(sel.from.stream, sel.from.alias ?? sel.from.stream);
    try {
      if (sel.join) {
        add(sel.join.stream, sel.join.alias);
        const on = parseExpression(sel.join.on);
        if (on.kind !== "binary" || on.op !== "=") fail(`a join needs an equality ON, got ${sel.join.on}`);
        typeOf(on, scope);
      }
      if (sel.where) {
        const t = typeOf(parseExpression(sel.where), scope);
        if (t && t.base !== "BOOLEAN") fail(`WHERE expression must be BOOLEAN: ${sel.where}`);
      }
      const out = new Map<string, SqlType>();
      for (const item of sel.items) {
        if (out.has(item.name)) fail(`Duplicate value columns found in schema: \`${item.name}\``);
        const t = typeOf(parseExpression(item.expression), scope);
        if (!t) fail(`Can't infer a type of null for ${item.name}`);
        out.set(item.name, t as SqlType);
      }
      if (sel.partitionBy) {
        typeOf(parseExpression(sel.partitionBy), scope);
        const key = canonical(sel.partitionBy);
        if (!sel.items.some((i) => canonical(i.expression) === key))
          fail(`The query used to build \`${s.name}\` must include the partitioning expression ${sel.partitionBy} in its projection.`);
      }
      streams.set(s.name, out);
    } catch (e) {
      throw (e as Error).message.startsWith(`${s.name}: `) ? e : new Error(`${s.name}: ${(e as Error).message}`);
    }
  }
  return streams;
}

// ---------------------------------------------------------------- evaluation on one event

/** A deserialized value: what ksqlDB holds for a column after reading the JSON. */
export type Value = string | number | boolean | null | { [field: string]: Value };

/**
 * One JSON object read with a declared schema, as ksqlDB's JSON reader does: fields matched by
 * exact name, then by upper-cased name; missing or null → null; VARCHAR takes numbers and
 * booleans as their text and objects as JSON text; INT/BIGINT/DOUBLE take numbers and numeric
 * strings; STRUCT takes objects only. A value it cannot coerce fails the whole record: returns
 * `{ error }` (ksqlDB logs it to the processing log and skips the record).
 */
export function deserialize(
  json: Record<string, unknown>,
  columns: Map<string, SqlType>,
): { row: Record<string, Value> } | { error: string } {
  const coerce = (v: unknown, t: SqlType, path: string): Value => {
    if (v === undefined || v === null) return null;
    switch (t.base) {
      case "VARCHAR":
        if (typeof v === "object") return JSON.stringify(v);
        return String(v);
      case "INT":
      case "BIGINT":
      case "DOUBLE": {
        if (typeof v === "number") return t.base === "DOUBLE" ? v : Math.trunc(v);
        if (typeof v === "string" && (t.base === "DOUBLE" ? /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/ : /^[-+]?\d+$/).test(v))
          return Number(v);
        throw new Error(`Can't convert type. sourceType: ${typeof v}, requiredType: ${t.base}, path: ${path}`);
      }
      case "BOOLEAN":
        if (typeof v === "boolean") return v;
        throw new Error(`Can't convert type. sourceType: ${typeof v}, requiredType: BOOLEAN, path: ${path}`);
      case "STRUCT":
        if (typeof v !== "object" || Array.isArray(v))
          throw new Error(`Can't convert type. sourceType: ${typeof v}, requiredType: ${typeText(t)}, path: ${path}`);
        return struct(v as Record<string, unknown>, t.fields, path);
      default:
        throw new Error(`type ${t.base} is not modelled here`);
    }
  };
  const struct = (o: Record<string, unknown>, fields: Map<string, SqlType>, path: string) => {
    const upper = new Map(Object.entries(o).map(([k, v]) => [k.toUpperCase(), v]));
    const out: Record<string, Value> = {};
    for (const [name, t] of fields) out[name] = coerce(name in o ? o[name] : upper.get(name), t, `${path}.${name}`);
    return out;
  };
  try {
    return { row: struct(json, columns, "$") };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** An expression's value on one row per alias (SQL three-valued logic: a comparison with NULL is NULL). */
export function evaluate(e: Expr, rows: Map<string, Record<string, Value>>): Value {
  switch (e.kind) {
    case "literal":
      return e.value;
    case "column": {
      const row = e.alias ? rows.get(e.alias) : [...rows.values()].find((r) => e.column in r);
      let v: Value = row?.[e.column] ?? null;
      for (const f of e.path) v = v !== null && typeof v === "object" ? (v[f] ?? null) : null;
      return v;
    }
    case "cast": {
      const v = evaluate(e.expr, rows);
      if (v === null) return null;
      if (e.to.base === "VARCHAR") return String(v);
      if (NUMERIC.has(e.to.base)) {
        const n = Number(v);
        // ksqlDB logs a failed cast and yields NULL for the row's value.
        return typeof v === "string" && !/^\s*[-+]?\d+(\.\d+)?\s*$/.test(v) ? null : e.to.base === "DOUBLE" ? n : Math.trunc(n);
      }
      return v;
    }
    case "call": {
      if (e.name === "AS_VALUE") return evaluate(e.args[0] as Expr, rows);
      for (const a of e.args) {
        const v = evaluate(a, rows);
        if (v !== null) return v;
      }
      return null;
    }
    case "not": {
      const v = evaluate(e.expr, rows);
      return v === null ? null : !v;
    }
    case "isNull": {
      const isNull = evaluate(e.expr, rows) === null;
      return e.negated ? !isNull : isNull;
    }
    case "binary": {
      const l = evaluate(e.left, rows);
      const r = evaluate(e.right, rows);
      if (e.op === "AND") return l === false || r === false ? false : l === null || r === null ? null : true;
      if (e.op === "OR") return l === true || r === true ? true : l === null || r === null ? null : false;
      if (l === null || r === null) return null;
      if (e.op === "+") return typeof l === "number" && typeof r === "number" ? l + r : `${l}${r}`;
      if (e.op === "-") return (l as number) - (r as number);
      const cmp = l < r ? -1 : l > r ? 1 : 0;
      return { "=": cmp === 0, "<>": cmp !== 0, "<": cmp < 0, ">": cmp > 0, "<=": cmp <= 0, ">=": cmp >= 0 }[e.op] ?? null;
    }
  }
}

/**
 * A CREATE STREAM ... AS SELECT without a join, applied to one row of its source: the output
 * row, or undefined when WHERE does not hold (NULL does not hold).
 */
export function project(s: StreamStatement, row: Record<string, Value>): Record<string, Value> | undefined {
  const sel = s.select;
  if (!sel || sel.join) throw new Error(`${s.name}: only a single-source SELECT is evaluated here`);
  const rows = new Map([[sel.from.alias ?? sel.from.stream, row]]);
  if (sel.where && evaluate(parseExpression(sel.where), rows) !== true) return undefined;
  return Object.fromEntries(sel.items.map((i) => [i.name, evaluate(parseExpression(i.expression), rows)]));
}
