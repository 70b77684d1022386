/** ksqlDB statement text, as data: split a statements file into statements. Pure. */

/** Statements without comments, split on semicolons outside quotes. */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (!quote && c === "-" && text[i + 1] === "-") {
      while (i < text.length && text[i] !== "\n") i++;
      current += "\n";
      continue;
    }
    if (quote) {
      // A doubled quote inside a quoted string is the quote character itself.
      if (c === quote && text[i + 1] === quote) {
        current += c;
        i++;
      } else if (c === quote) quote = undefined;
    } else if (c === "'" || c === "`") quote = c;
    else if (c === ";") {
      out.push(current.trim());
      current = "";
      continue;
    }
    current += c;
  }
  if (current.trim()) throw new Error(`statement without a closing semicolon: ${current.trim().slice(0, 60)}`);
  return out;
}

/** The stream or table a CREATE statement makes, upper-cased as ksqlDB stores it. */
export function createdName(statement: string): string | undefined {
  const m = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:STREAM|TABLE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(`[^`]+`|\w+)/i.exec(statement);
  if (!m) return undefined;
  const name = m[1] as string;
  return name.startsWith("`") ? name.slice(1, -1) : name.toUpperCase();
}

/** The streams or tables a CREATE ... AS SELECT reads (FROM and JOIN), upper-cased; [] for others. */
export function sourceNames(statement: string): string[] {
  const code = statement.replace(/'(?:[^']|'')*'/g, "''");
  return [...code.matchAll(/\b(?:FROM|JOIN)\s+(`[^`]+`|\w+)/gi)].map((m) => {
    const name = m[1] as string;
    return name.startsWith("`") ? name.slice(1, -1) : name.toUpperCase();
  });
}
