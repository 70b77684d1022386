/**
 * ksqlDB provisioning logic: which of HELK's statements are sent, in what order and with what
 * properties, what a second run does, and how a refusal surfaces. No ksqlDB server can be
 * obtained here, so the peer is a loopback HTTP server answering in the shapes ksqlDB's REST
 * API documents for /ksql (LIST STREAMS, currentStatus, statement_error); it proves HELK's
 * side only, not that ksqlDB accepts the statements (see images-content.test.ts for those).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { provisionKsqldb, readStatements } from "../../engine/provision/ksqldb.js";

const STATEMENTS = readStatements(new URL("../../images/ksqldb/statements/", import.meta.url).pathname);

let server: Server | undefined;
afterEach(() => server?.close());

/** A /ksql endpoint with a set of streams; `refuse` makes CREATE of that stream a 400. */
async function ksqlPeer(streams: Set<string>, refuse?: string) {
  const requests: { ksql: string; streamsProperties?: Record<string, string> }[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const r = JSON.parse(body) as { ksql: string; streamsProperties?: Record<string, string> };
      requests.push(r);
      res.setHeader("content-type", "application/vnd.ksql.v1+json");
      if (r.ksql === "LIST STREAMS;") {
        res.end(
          JSON.stringify([
            {
              "@type": "streams",
              statementText: r.ksql,
              streams: [...streams].map((name) => ({
                type: "STREAM",
                name,
                topic: name,
                keyFormat: "KAFKA",
                valueFormat: "JSON",
                isWindowed: false,
              })),
              warnings: [],
            },
          ]),
        );
        return;
      }
      if (r.ksql === "LIST TABLES;") {
        res.end(JSON.stringify([{ "@type": "tables", statementText: r.ksql, tables: [], warnings: [] }]));
        return;
      }
      const name = /CREATE STREAM IF NOT EXISTS (\w+)/.exec(r.ksql)?.[1] as string;
      if (name === refuse) {
        res.statusCode = 400;
        res.end(
          JSON.stringify({
            "@type": "statement_error",
            error_code: 40001,
            message: "Kafka topic does not exist: winlogbeat",
            statementText: r.ksql,
          }),
        );
        return;
      }
      streams.add(name);
      res.end(
        JSON.stringify([
          {
            "@type": "currentStatus",
            statementText: r.ksql,
            commandId: `stream/${name}/create`,
            commandStatus: { status: "SUCCESS", message: "Stream created" },
            commandSequenceNumber: streams.size,
          },
        ]),
      );
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { address: `http://127.0.0.1:${((server as Server).address() as AddressInfo).port}`, requests };
}

describe("ksqlDB provisioning", () => {
  it("reads HELK's four statements in order", () => {
    expect(STATEMENTS.map((s) => s.name)).toEqual(["WINLOGBEAT_STREAM", "SYSMON_PROCESS_CREATE", "SYSMON_NETWORK_CONNECT", "SYSMON_JOIN"]);
  });

  it("creates what is missing, from the earliest offset; a second run sends nothing and changes nothing", async () => {
    const peer = await ksqlPeer(new Set());
    expect(await provisionKsqldb(peer.address, STATEMENTS)).toEqual([
      "ksqlDB stream WINLOGBEAT_STREAM created",
      "ksqlDB stream SYSMON_PROCESS_CREATE created",
      "ksqlDB stream SYSMON_NETWORK_CONNECT created",
      "ksqlDB stream SYSMON_JOIN created",
    ]);
    const creates = peer.requests.filter((r) => r.ksql.startsWith("CREATE"));
    expect(creates).toHaveLength(4);
    expect(creates.every((r) => r.ksql.endsWith(";") && r.streamsProperties?.["ksql.streams.auto.offset.reset"] === "earliest")).toBe(true);
    const before = peer.requests.length;
    expect(await provisionKsqldb(peer.address, STATEMENTS)).toEqual([]);
    expect(peer.requests.slice(before).map((r) => r.ksql)).toEqual(["LIST STREAMS;", "LIST TABLES;"]);
  });

  it("only the missing ones when some exist", async () => {
    const peer = await ksqlPeer(new Set(["WINLOGBEAT_STREAM", "SYSMON_PROCESS_CREATE", "SYSMON_NETWORK_CONNECT"]));
    expect(await provisionKsqldb(peer.address, STATEMENTS)).toEqual(["ksqlDB stream SYSMON_JOIN created"]);
  });

  it("a refused statement names the stream, the file and ksqlDB's reason", async () => {
    const peer = await ksqlPeer(new Set(), "WINLOGBEAT_STREAM");
    await expect(provisionKsqldb(peer.address, STATEMENTS)).rejects.toThrow(
      "ksqlDB statement for WINLOGBEAT_STREAM (sysmon-join.sql) failed: ksqlDB answered HTTP 400: Kafka topic does not exist: winlogbeat",
    );
  });

  it("an unreachable server is an error, not a silent skip", async () => {
    await expect(provisionKsqldb("http://127.0.0.1:1", STATEMENTS)).rejects.toThrow(/fetch failed|ECONNREFUSED/);
  });
});
