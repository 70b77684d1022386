/**
 * A reader for the subset of ksqlDB's statement grammar HELK's statements use: CREATE STREAM
 * with a column list over a topic, and CREATE STREAM ... AS SELECT with an optional windowed
 * stream-stream join, WHERE, PARTITION BY and EMIT CHANGES (ksqlDB 0.29 syntax). ksqlDB cannot
 * run here; this checks each statement's shape and that every name it uses is defined.
 */

export interface Column {
  name: string;
  type: string;
}

export interface SelectItem {
  /** The expression as written (`N.ProcessGuid`, `AS_VALUE(N.ProcessGuid)`). */
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
    partitionBy?: string;
  };
}

export { splitStatements } from "../../compose/ksql.js";

const TYPES = /^(VARCHAR|STRING|INT|INTEGER|BIGINT|DOUBLE|BOOLEAN|TIMESTAMP|DATE|TIME|BYTES)$/i;
const UNITS: Record<string, number> = { MILLISECOND: 0.001, SECOND: 1, MINUTE: 60, HOUR: 3600, DAY: 86400 };

/** Splits on commas at parenthesis depth 0, outside quotes. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = "";
  for (const c of text) {
    if (quote) quote = c === quote ? undefined : quote;
    else if (c === "'" || c === "`") quote = c;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
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

  const table = /^\((.*)\) WITH \((.*)\)$/.exec(rest);
  if (table) {
    const columns = splitTop(table[1] as string).map((c) => {
      const m = /^(`[^`]+`|\w+) (\w+)$/.exec(c);
      if (!m || !TYPES.test(m[2] as string)) throw new Error(`${name}: not a column definition: ${c}`);
      return { name: identifier(m[1] as string), type: (m[2] as string).toUpperCase() };
    });
    return { name, ifNotExists, properties: properties(table[2] as string), columns };
  }

  const csas =
    /^WITH \((.*?)\) AS SELECT (.*) FROM (\w+)(?: (\w+))?(?: (INNER |LEFT |FULL )?JOIN (\w+) (\w+) WITHIN \((\d+) (\w+), (\d+) (\w+)\)(?: GRACE PERIOD (\d+) (\w+))? ON (.*?))?(?: WHERE (.*?))?(?: PARTITION BY (\w+))? EMIT CHANGES$/i.exec(
      rest,
    );
  if (!csas) throw new Error(`${name}: not CREATE STREAM ... WITH (...) AS SELECT ... FROM ... EMIT CHANGES`);
  const items = splitTop(csas[2] as string).map((item) => {
    const m = /^(.*?) AS (`[^`]+`|\w+)$/i.exec(item);
    const expression = (m ? m[1] : item) as string;
    const bare = /^(?:\w+\.)?(`[^`]+`|\w+)$/.exec(expression);
    if (!m && !bare) throw new Error(`${name}: an expression needs an alias: ${item}`);
    return { expression, name: identifier(m ? (m[2] as string) : (bare?.[1] as string)) };
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
      ...(csas[16] ? { partitionBy: identifier(csas[16] as string) } : {}),
    },
  };
}

/** Column references (`A.col`, `` A.`col` ``, or bare) in an expression, outside string literals. */
export function references(expression: string): { alias?: string; column: string }[] {
  const code = expression.replace(/'(?:[^']|'')*'/g, "''");
  const out: { alias?: string; column: string }[] = [];
  for (const m of code.matchAll(/(?:\b(\w+)\.)?(`[^`]+`|\b[A-Za-z_]\w*\b)(?!\s*\()/g)) {
    const word = m[2] as string;
    if (!m[1] && /^(AND|OR|NOT|IS|NULL|TRUE|FALSE|IN|AS|LIKE|BETWEEN)$/i.test(word)) continue;
    out.push({ ...(m[1] ? { alias: (m[1] as string).toUpperCase() } : {}), column: identifier(word) });
  }
  return out;
}
