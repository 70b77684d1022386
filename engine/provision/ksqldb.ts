/**
 * ksqlDB: HELK's statements (images/ksqldb/statements, the same files its ksqlDB image
 * carries) applied over the server's REST API, one by one, only those whose stream does not
 * exist yet, so a second run changes nothing and says so. Offsets start at the earliest
 * record, so events published before the statements still join.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createdName, splitStatements } from "../../compose/ksql.js";

export interface KsqlStatement {
  /** The stream it creates (upper-cased as ksqlDB stores it). */
  name: string;
  text: string;
  file: string;
}

/** Every statement of the *.sql files in a folder, in file-name order. */
export function readStatements(dir: string): KsqlStatement[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((file) =>
      splitStatements(readFileSync(join(dir, file), "utf8")).map((text) => {
        const name = createdName(text);
        if (!name) throw new Error(`${file}: only CREATE STREAM/TABLE statements are applied, not: ${text.slice(0, 60)}`);
        return { name, text, file };
      }),
    );
}

interface KsqlError {
  "@type"?: string;
  message?: string;
}

async function ksql(address: string, statement: string, timeoutMs: number): Promise<unknown[]> {
  const res = await fetch(`${address}/ksql`, {
    method: "POST",
    headers: { "content-type": "application/vnd.ksql.v1+json", accept: "application/vnd.ksql.v1+json" },
    body: JSON.stringify({ ksql: statement, streamsProperties: { "ksql.streams.auto.offset.reset": "earliest" } }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json().catch(() => undefined)) as unknown;
  if (!res.ok) {
    const e = (body ?? {}) as KsqlError;
    throw new Error(`ksqlDB answered HTTP ${res.status}${e.message ? `: ${e.message.split("\n")[0]}` : ""}`);
  }
  if (!Array.isArray(body)) throw new Error(`ksqlDB answered ${JSON.stringify(body)?.slice(0, 120)} instead of a list of results`);
  return body;
}

/** Names of the streams and tables the server has. */
export async function existingStreams(address: string, timeoutMs = 10_000): Promise<Set<string>> {
  const names = new Set<string>();
  for (const list of ["LIST STREAMS;", "LIST TABLES;"]) {
    for (const entry of (await ksql(address, list, timeoutMs)) as { streams?: { name: string }[]; tables?: { name: string }[] }[]) {
      for (const s of [...(entry.streams ?? []), ...(entry.tables ?? [])]) names.add(s.name);
    }
  }
  return names;
}

export async function provisionKsqldb(address: string, statements: KsqlStatement[], timeoutMs = 30_000): Promise<string[]> {
  const existing = await existingStreams(address);
  const changes: string[] = [];
  for (const s of statements) {
    if (existing.has(s.name)) continue;
    try {
      const results = (await ksql(address, `${s.text};`, timeoutMs)) as { commandStatus?: { status?: string; message?: string } }[];
      const status = results[0]?.commandStatus;
      if (status && status.status !== "SUCCESS" && status.status !== "QUEUED" && status.status !== "EXECUTING")
        throw new Error(`${status.status}: ${status.message ?? ""}`);
    } catch (err) {
      throw new Error(`ksqlDB statement for ${s.name} (${s.file}) failed: ${(err as Error).message}`);
    }
    changes.push(`ksqlDB stream ${s.name} created`);
  }
  return changes;
}
