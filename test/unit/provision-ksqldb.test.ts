/**
 * ksqlDB provisioning logic: which of HELK's statements are sent, in what order and with what
 * properties, what a second run does, how a stream whose statement changed is replaced (the
 * upgrade path: installs already running keep their old streams otherwise), and how a refusal
 * surfaces. No ksqlDB server can be obtained here, so the peer is a loopback HTTP server
 * answering in the shapes ksqlDB's REST API documents for /ksql (LIST STREAMS, SHOW QUERIES,
 * TERMINATE, DROP STREAM, currentStatus, statement_error). Like ksqlDB, it refuses to drop a
 * stream another query reads; stricter than 0.29 (which terminates the writing query itself on
 * DROP), it refuses to drop one whose writing query still runs. It proves HELK's side only, not
 * that ksqlDB accepts the statements (see images-content.test.ts for those).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createdName, sourceNames } from "../../compose/ksql.js";
import { type KsqlStatement, planKsqldb, provisionKsqldb, readStatements, statementHash } from "../../engine/provision/ksqldb.js";

const STATEMENTS = readStatements(new URL("../../images/ksqldb/statements/", import.meta.url).pathname);
const NAMES = STATEMENTS.map((s) => s.name);

let server: Server | undefined;
afterEach(() => server?.close());

interface PeerStream {
  sources: string[];
  text: string;
}

/** A /ksql endpoint holding streams and the queries that write them; `refuse` makes CREATE of that stream a 400. */
async function ksqlPeer(initial: Record<string, string> = {}, refuse?: string) {
  const streams = new Map<string, PeerStream>();
  const queries = new Map<string, { sink: string; sources: string[] }>();
  let seq = 0;
  const create = (text: string) => {
    const name = createdName(text) as string;
    if (streams.has(name)) return false;
    const sources = sourceNames(text);
    streams.set(name, { sources, text });
    if (sources.length) queries.set(`CSAS_${name}_${++seq}`, { sink: name, sources });
    return true;
  };
  for (const text of Object.values(initial)) create(text);
  const requests: { ksql: string; streamsProperties?: Record<string, string> }[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const r = JSON.parse(body) as { ksql: string; streamsProperties?: Record<string, string> };
      requests.push(r);
      res.setHeader("content-type", "application/vnd.ksql.v1+json");
      const ok = (entity: unknown) => res.end(JSON.stringify([{ statementText: r.ksql, warnings: [], ...(entity as object) }]));
      const refused = (message: string) => {
        res.statusCode = 400;
        res.end(JSON.stringify({ "@type": "statement_error", error_code: 40001, message, statementText: r.ksql }));
      };
      const status = (commandId: string, message: string) =>
        ok({ "@type": "currentStatus", commandId, commandStatus: { status: "SUCCESS", message }, commandSequenceNumber: ++seq });
      if (r.ksql === "LIST STREAMS;")
        return ok({
          "@type": "streams",
          streams: [...streams.keys()].map((name) => ({
            type: "STREAM",
            name,
            topic: name,
            keyFormat: "KAFKA",
            valueFormat: "JSON",
            isWindowed: false,
          })),
        });
      if (r.ksql === "LIST TABLES;") return ok({ "@type": "tables", tables: [] });
      if (r.ksql === "SHOW QUERIES;")
        return ok({
          "@type": "queries",
          queries: [...queries].map(([id, q]) => ({
            id,
            queryType: "PERSISTENT",
            sinks: [q.sink],
            sinkKafkaTopics: [q.sink],
            state: "RUNNING",
          })),
        });
      const terminate = /^TERMINATE (\w+);$/.exec(r.ksql);
      if (terminate) {
        if (!queries.delete(terminate[1] as string)) return refused(`Unknown queryId: ${terminate[1]}`);
        return status(`terminate/${terminate[1]}/execute`, "Query terminated.");
      }
      const drop = /^DROP STREAM IF EXISTS (\w+);$/.exec(r.ksql);
      if (drop) {
        const name = drop[1] as string;
        const readers = [...queries].filter(([, q]) => q.sources.includes(name)).map(([id]) => id);
        const writers = [...queries].filter(([, q]) => q.sink === name).map(([id]) => id);
        if (readers.length || writers.length)
          return refused(
            `Cannot drop ${name}.\nThe following queries read from this source: [${readers.join(", ")}].\nThe following queries write into this source: [${writers.join(", ")}].\nYou need to terminate them before dropping ${name}.`,
          );
        streams.delete(name);
        return status(`stream/${name}/drop`, `Source \`${name}\` (topic: ${name}) was dropped.`);
      }
      const name = createdName(r.ksql) as string;
      if (name === refuse) return refused("Kafka topic does not exist: winlogbeat");
      create(r.ksql.replace(/;$/, ""));
      return status(`stream/${name}/create`, "Stream created");
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const address = `http://127.0.0.1:${((server as Server).address() as AddressInfo).port}`;
  return { address, requests, streams, queries };
}

const stateFile = () => join(mkdtempSync(join(tmpdir(), "helk-ksqldb-")), "state", "ksqldb-statements.json");
const record = (file: string, statements: KsqlStatement[]) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(Object.fromEntries(statements.map((s) => [s.name, statementHash(s)]))));
};
/** HELK's previous statements as installs before this change have them: flat only, event time. */
const OLD: Record<string, string> = Object.fromEntries(
  STATEMENTS.map((s) => [
    s.name,
    s.text.replace(
      /\) WITH \(KAFKA_TOPIC = 'winlogbeat', VALUE_FORMAT = 'JSON'\)$/,
      ") WITH (KAFKA_TOPIC = 'winlogbeat', VALUE_FORMAT = 'JSON', TIMESTAMP = '`@timestamp`')",
    ),
  ]),
);
const sent = (requests: { ksql: string }[]) => requests.map((r) => r.ksql).filter((k) => !/^(LIST|SHOW) /.test(k));

describe("ksqlDB provisioning", () => {
  it("reads HELK's four statements in order", () => {
    expect(NAMES).toEqual(["WINLOGBEAT_STREAM", "SYSMON_PROCESS_CREATE", "SYSMON_NETWORK_CONNECT", "SYSMON_JOIN"]);
  });

  it("creates what is missing, from the earliest offset, and records it; a second run sends nothing and changes nothing", async () => {
    const peer = await ksqlPeer();
    const file = stateFile();
    expect(await provisionKsqldb({ address: peer.address, stateFile: file }, STATEMENTS)).toEqual(
      NAMES.map((n) => `ksqlDB stream ${n} created`),
    );
    const creates = peer.requests.filter((r) => r.ksql.startsWith("CREATE"));
    expect(creates).toHaveLength(4);
    expect(creates.every((r) => r.ksql.endsWith(";") && r.streamsProperties?.["ksql.streams.auto.offset.reset"] === "earliest")).toBe(true);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(Object.fromEntries(STATEMENTS.map((s) => [s.name, statementHash(s)])));
    const before = peer.requests.length;
    expect(await provisionKsqldb({ address: peer.address, stateFile: file }, STATEMENTS)).toEqual([]);
    expect(peer.requests.slice(before).map((r) => r.ksql)).toEqual(["LIST STREAMS;", "LIST TABLES;"]);
  });

  it("only the missing ones when the others exist as recorded", async () => {
    const peer = await ksqlPeer(Object.fromEntries(STATEMENTS.slice(0, 3).map((s) => [s.name, s.text])));
    const file = stateFile();
    record(file, STATEMENTS.slice(0, 3));
    expect(await provisionKsqldb({ address: peer.address, stateFile: file }, STATEMENTS)).toEqual(["ksqlDB stream SYSMON_JOIN created"]);
  });

  it("an install from before the record (the old event-time, flat-only streams) gets every stream replaced, readers dropped first", async () => {
    const peer = await ksqlPeer(OLD);
    expect(peer.streams.get("WINLOGBEAT_STREAM")?.text).toContain("TIMESTAMP");
    const file = stateFile();
    expect(await provisionKsqldb({ address: peer.address, stateFile: file }, STATEMENTS)).toEqual([
      "ksqlDB stream WINLOGBEAT_STREAM replaced (no record of the statement it was created with)",
      "ksqlDB stream SYSMON_PROCESS_CREATE replaced (no record of the statement it was created with)",
      "ksqlDB stream SYSMON_NETWORK_CONNECT replaced (no record of the statement it was created with)",
      "ksqlDB stream SYSMON_JOIN replaced (no record of the statement it was created with)",
    ]);
    expect(sent(peer.requests).map((k) => k.replace(/^CREATE STREAM IF NOT EXISTS (\w+)[\s\S]*$/, "CREATE $1"))).toEqual([
      "TERMINATE CSAS_SYSMON_JOIN_3;",
      "DROP STREAM IF EXISTS SYSMON_JOIN;",
      "TERMINATE CSAS_SYSMON_NETWORK_CONNECT_2;",
      "DROP STREAM IF EXISTS SYSMON_NETWORK_CONNECT;",
      "TERMINATE CSAS_SYSMON_PROCESS_CREATE_1;",
      "DROP STREAM IF EXISTS SYSMON_PROCESS_CREATE;",
      "DROP STREAM IF EXISTS WINLOGBEAT_STREAM;",
      "CREATE WINLOGBEAT_STREAM",
      "CREATE SYSMON_PROCESS_CREATE",
      "CREATE SYSMON_NETWORK_CONNECT",
      "CREATE SYSMON_JOIN",
    ]);
    expect(peer.streams.get("WINLOGBEAT_STREAM")?.text).not.toContain("TIMESTAMP");
    expect(peer.queries.size).toBe(3);
    expect(await provisionKsqldb({ address: peer.address, stateFile: file }, STATEMENTS)).toEqual([]);
  });

  it("a changed statement replaces its stream and the streams reading it, and nothing else", async () => {
    const peer = await ksqlPeer(Object.fromEntries(STATEMENTS.map((s) => [s.name, s.text])));
    const file = stateFile();
    record(file, STATEMENTS);
    const changed = STATEMENTS.map((s) =>
      s.name === "SYSMON_NETWORK_CONNECT" ? { ...s, text: s.text.replace("= 3", "= 3 AND TRUE") } : s,
    );
    expect(await provisionKsqldb({ address: peer.address, stateFile: file }, changed)).toEqual([
      "ksqlDB stream SYSMON_NETWORK_CONNECT replaced (its statement changed)",
      "ksqlDB stream SYSMON_JOIN replaced (it reads SYSMON_NETWORK_CONNECT, which is replaced)",
    ]);
    expect(sent(peer.requests).filter((k) => k.startsWith("DROP"))).toEqual([
      "DROP STREAM IF EXISTS SYSMON_JOIN;",
      "DROP STREAM IF EXISTS SYSMON_NETWORK_CONNECT;",
    ]);
    expect(peer.streams.get("SYSMON_NETWORK_CONNECT")?.text).toContain("AND TRUE");
  });

  it("the plan: layout-only edits are no change; a replaced source takes every reader, transitively", () => {
    const all = new Set(NAMES);
    const hashes = Object.fromEntries(STATEMENTS.map((s) => [s.name, statementHash(s)]));
    const relaid = STATEMENTS.map((s) => ({ ...s, text: s.text.replace(/ /g, "  \n ") }));
    expect(planKsqldb(relaid, all, hashes)).toEqual({ drop: [], create: [] });
    const src = STATEMENTS.map((s) =>
      s.name === "WINLOGBEAT_STREAM" ? { ...s, text: s.text.replace("EventID INT", "EventID BIGINT") } : s,
    );
    const plan = planKsqldb(src, all, hashes);
    expect(plan.drop.map((d) => d.name)).toEqual(["SYSMON_JOIN", "SYSMON_NETWORK_CONNECT", "SYSMON_PROCESS_CREATE", "WINLOGBEAT_STREAM"]);
    expect(plan.drop.find((d) => d.name === "SYSMON_JOIN")?.reason).toMatch(
      /^it reads SYSMON_(NETWORK_CONNECT|PROCESS_CREATE), which is replaced$/,
    );
    expect(plan.create.map((s) => s.name)).toEqual(NAMES);
    expect(planKsqldb(STATEMENTS, new Set(["WINLOGBEAT_STREAM"]), hashes).create.map((s) => s.name)).toEqual(NAMES.slice(1));
  });

  it("a drop ksqlDB refuses (an operator's own stream reads HELK's) names the stream, why it is replaced and ksqlDB's reason", async () => {
    const peer = await ksqlPeer({
      ...OLD,
      MY_STREAM:
        "CREATE STREAM IF NOT EXISTS MY_STREAM WITH (KAFKA_TOPIC = 'mine', VALUE_FORMAT = 'JSON') AS SELECT * FROM SYSMON_JOIN EMIT CHANGES",
    });
    const file = stateFile();
    await expect(provisionKsqldb({ address: peer.address, stateFile: file }, STATEMENTS)).rejects.toThrow(
      /^replacing ksqlDB stream SYSMON_JOIN \(no record of the statement it was created with\) failed while dropping it: ksqlDB answered HTTP 400: Cannot drop SYSMON_JOIN\. The following queries read from this source: \[CSAS_MY_STREAM_4\]\. /,
    );
    expect(peer.streams.has("SYSMON_JOIN")).toBe(true);
  });

  it("a refused statement names the stream, the file and ksqlDB's reason", async () => {
    const peer = await ksqlPeer({}, "WINLOGBEAT_STREAM");
    await expect(provisionKsqldb({ address: peer.address, stateFile: stateFile() }, STATEMENTS)).rejects.toThrow(
      "ksqlDB statement for WINLOGBEAT_STREAM (sysmon-join.sql) failed: ksqlDB answered HTTP 400: Kafka topic does not exist: winlogbeat",
    );
  });

  it("an unreachable server is an error, not a silent skip", async () => {
    await expect(provisionKsqldb({ address: "http://127.0.0.1:1", stateFile: stateFile() }, STATEMENTS)).rejects.toThrow(
      /fetch failed|ECONNREFUSED/,
    );
  });
});
