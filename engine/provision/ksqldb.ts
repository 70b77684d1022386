/**
 * ksqlDB: HELK's statements (images/ksqldb/statements, the same files its ksqlDB image
 * carries) applied over the server's REST API, one by one. Offsets start at the earliest
 * record, so events published before the statements still join.
 *
 * What was applied is recorded (a hash of each statement, in the install home's state folder),
 * because ksqlDB keeps a stream's statement only in a rewritten form. A second run with the same
 * statements changes nothing. A stream whose statement changed since it was applied (or that
 * exists with no record: installs from before the record) is replaced: the streams reading it
 * go too, dropped readers first (each DROP after TERMINATE of the query writing into it), then
 * everything is created again in file order. Topics are kept: Logstash's offsets on SYSMON_JOIN
 * stay valid, and the join documents' ids are content fingerprints, so the re-run join does not
 * duplicate them.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createdName, sourceNames, splitStatements } from "../../compose/ksql.js";

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

/** A statement's identity: its text with whitespace runs collapsed (layout changes are not changes). */
export function statementHash(s: KsqlStatement): string {
  return createHash("sha256").update(s.text.replace(/\s+/g, " ").trim()).digest("hex");
}

export interface KsqlPlan {
  /** Streams to drop, readers before what they read. */
  drop: { name: string; reason: string }[];
  /** Statements to send, in file order. */
  create: KsqlStatement[];
}

/**
 * What to do, from the statements, the streams the server has and the hashes recorded when they
 * were applied. Pure.
 */
export function planKsqldb(
  statements: KsqlStatement[],
  existing: ReadonlySet<string>,
  applied: Readonly<Record<string, string>>,
): KsqlPlan {
  const replaced = new Map<string, string>();
  for (const s of statements) {
    if (!existing.has(s.name)) continue;
    const recorded = applied[s.name];
    if (recorded === undefined) replaced.set(s.name, "no record of the statement it was created with");
    else if (recorded !== statementHash(s)) replaced.set(s.name, "its statement changed");
    else {
      const source = sourceNames(s.text).find((n) => replaced.has(n));
      if (source) replaced.set(s.name, `it reads ${source}, which is replaced`);
    }
  }
  return {
    drop: statements
      .filter((s) => replaced.has(s.name))
      .reverse()
      .map((s) => ({ name: s.name, reason: replaced.get(s.name) as string })),
    create: statements.filter((s) => !existing.has(s.name) || replaced.has(s.name)),
  };
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
    // ksqlDB's messages run over lines (a refused DROP lists the queries in the way): keep them all.
    throw new Error(`ksqlDB answered HTTP ${res.status}${e.message ? `: ${e.message.trim().replace(/\s*\n\s*/g, " ")}` : ""}`);
  }
  if (!Array.isArray(body)) throw new Error(`ksqlDB answered ${JSON.stringify(body)?.slice(0, 120)} instead of a list of results`);
  return body;
}

/** A command's result: SUCCESS (or still running) passes, anything else throws its message. */
async function command(address: string, statement: string, timeoutMs: number): Promise<void> {
  const results = (await ksql(address, statement, timeoutMs)) as { commandStatus?: { status?: string; message?: string } }[];
  const status = results[0]?.commandStatus;
  if (status && status.status !== "SUCCESS" && status.status !== "QUEUED" && status.status !== "EXECUTING")
    throw new Error(`${status.status}: ${status.message ?? ""}`);
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

/** Ids of the persistent queries writing into a stream. */
async function writers(address: string, name: string, timeoutMs: number): Promise<string[]> {
  const [entry] = (await ksql(address, "SHOW QUERIES;", timeoutMs)) as { queries?: { id: string; sinks?: string[] }[] }[];
  return (entry?.queries ?? []).filter((q) => q.sinks?.includes(name)).map((q) => q.id);
}

export interface KsqldbTarget {
  /** http://127.0.0.1:<port> */
  address: string;
  /** Where the hashes of the applied statements are kept (the install home's state folder). */
  stateFile: string;
  timeoutMs?: number;
}

export async function provisionKsqldb(t: KsqldbTarget, statements: KsqlStatement[]): Promise<string[]> {
  const timeoutMs = t.timeoutMs ?? 30_000;
  const applied = existsSync(t.stateFile) ? (JSON.parse(readFileSync(t.stateFile, "utf8")) as Record<string, string>) : {};
  const plan = planKsqldb(statements, await existingStreams(t.address), applied);
  const save = () => {
    mkdirSync(dirname(t.stateFile), { recursive: true });
    writeFileSync(t.stateFile, `${JSON.stringify(applied, null, 2)}\n`);
  };
  const changes: string[] = [];
  const dropped = new Map<string, string>();
  for (const d of plan.drop) {
    try {
      for (const id of await writers(t.address, d.name, timeoutMs)) await command(t.address, `TERMINATE ${id};`, timeoutMs);
      await command(t.address, `DROP STREAM IF EXISTS ${d.name};`, timeoutMs);
    } catch (err) {
      throw new Error(`replacing ksqlDB stream ${d.name} (${d.reason}) failed while dropping it: ${(err as Error).message}`);
    }
    delete applied[d.name];
    save();
    dropped.set(d.name, d.reason);
  }
  for (const s of plan.create) {
    try {
      await command(t.address, `${s.text};`, timeoutMs);
    } catch (err) {
      throw new Error(`ksqlDB statement for ${s.name} (${s.file}) failed: ${(err as Error).message}`);
    }
    applied[s.name] = statementHash(s);
    save();
    const reason = dropped.get(s.name);
    changes.push(reason ? `ksqlDB stream ${s.name} replaced (${reason})` : `ksqlDB stream ${s.name} created`);
  }
  return changes;
}
