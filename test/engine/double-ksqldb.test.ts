/**
 * The ksqlDB double against its contract (test/fixtures/images/doubles/ksqldb/CONTRACT.md):
 * what confluentinc/ksqldb-server:0.29.0 does at start and over REST, including what it
 * refuses. Each container runs with the environment HELK's compose model gives ksqldb-server.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ksqldbServer } from "../../compose/services/ksqldb.js";
import { provisionKsqldb, readStatements } from "../../engine/provision/ksqldb.js";
import { DoubleRunner, envFlags, serviceContext } from "../helpers/double-runner.js";
import { KSQLDB_DOUBLE, STANDIN } from "../helpers/doubles.js";
import { requireImages } from "../helpers/test-stack.js";

const ROOT = join(import.meta.dirname, "../..");
const runner = new DoubleRunner(`helktest-ksqldouble-${process.pid}`);
const ctx = serviceContext(["kafka", "ksqldb-server"]);
/** ksqldb-server's volume as compose/services/ksqldb.ts mounts it. */
const STATE = "/var/lib/ksqldb";
let helkImage: string;

async function post(port: string, ksql: string): Promise<{ status: number; body: { message?: string }[] & { message?: string } }> {
  const res = await fetch(`http://127.0.0.1:${port}/ksql`, {
    method: "POST",
    headers: { "content-type": "application/vnd.ksql.v1+json" },
    body: JSON.stringify({ ksql }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

beforeAll(async () => {
  await requireImages([KSQLDB_DOUBLE, STANDIN], "run scripts/build-test-images.sh");
  await runner.init();
  // A TCP listener where the model's bootstrap servers point (kafka:19092): the server waits for one.
  await runner.start("kafka", ["--hostname", "kafka", "--network-alias", "kafka", "-e", "STANDIN_ROLE=kafka", STANDIN]);
  helkImage = await runner.build("ksqldb-helk", join(ROOT, "images/ksqldb"), { BASE_IMAGE: KSQLDB_DOUBLE });
});
afterAll(() => runner.cleanup());

describe("ksqlDB double: the upstream image's user, paths and start-up refusals", () => {
  it("runs as appuser (uid 1000) with upstream's paths, and has no /var/lib/ksqldb", async () => {
    const r = await runner.once([
      "--entrypoint",
      "sh",
      KSQLDB_DOUBLE,
      "-c",
      "id -un; id -u; test -x /usr/bin/ksql-server-start && test -x /usr/bin/docker/run && test -d /etc/ksqldb && echo paths; test -e /var/lib/ksqldb && echo has-state-dir; command -v curl",
    ]);
    expect(r.stdout.split("\n")).toEqual(["appuser", "1000", "paths", "/usr/bin/curl"]);
  });

  it("REFUSES to start on HELK's old setup: a named volume on /var/lib/ksqldb of the bare image is root's", async () => {
    const volume = await runner.volume("old-state");
    const r = await runner.once([...envFlags(ksqldbServer, ctx), "-v", `${volume}:${STATE}`, KSQLDB_DOUBLE]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`The kafka streams state directory is not writable for KSQL server: ${STATE}`);
  });

  it("refuses a state dir it cannot create either (no volume, parent owned by root)", async () => {
    const r = await runner.once([...envFlags(ksqldbServer, ctx), KSQLDB_DOUBLE]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`Could not create the kafka streams state directory: ${STATE}`);
  });

  it("refuses to start when no bootstrap server answers", async () => {
    const volume = await runner.volume("no-kafka");
    const r = await runner.once(
      [...envFlags(ksqldbServer, ctx, { KSQL_BOOTSTRAP_SERVERS: "nowhere:9092" }), "-v", `${volume}:${STATE}`, helkImage],
      150_000,
    );
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("no bootstrap server of nowhere:9092 answered");
  });
});

describe.sequential("ksqlDB double with HELK's image layer (images/ksqldb/Dockerfile)", () => {
  let server: string;
  let port: string;
  /** HELK's record of the applied statements, as the install home's state folder holds it. */
  const stateFile = join(mkdtempSync(join(tmpdir(), "helk-ksqldouble-")), "ksqldb-statements.json");

  beforeAll(async () => {
    const volume = await runner.volume("state");
    server = await runner.start("server", [...envFlags(ksqldbServer, ctx), "-v", `${volume}:${STATE}`, "-p", "127.0.0.1::8088", helkImage]);
    await runner.waitFor(server, ["curl", "-fsS", "http://localhost:8088/info"]);
    port = (await execa("docker", ["port", server, "8088/tcp"])).stdout.split("\n")[0]?.split(":").pop() as string;
  });

  it("starts on the same volume setup: the layer's state dir, owned by appuser, is copied into the fresh volume", async () => {
    expect((await runner.exec(server, ["stat", "-c", "%U %u", STATE])).stdout).toBe("appuser 1000");
  });

  it("maps KSQL_* variables to properties as the image's dub template does", async () => {
    const props = (await runner.exec(server, ["cat", "/etc/ksqldb/ksqldb-server.properties"])).stdout.split("\n");
    expect(props).toEqual(
      expect.arrayContaining([
        `ksql.streams.state.dir=${STATE}`,
        "ksql.service.id=helk_",
        "ksql.logging.processing.stream.auto.create=true",
        "listeners=http://0.0.0.0:8088",
        "bootstrap.servers=kafka:19092",
      ]),
    );
  });

  it("answers /info with the service id from the environment", async () => {
    const info = (await (await fetch(`http://127.0.0.1:${port}/info`)).json()) as { KsqlServerInfo: Record<string, string> };
    expect(info.KsqlServerInfo).toMatchObject({ version: "0.29.0", ksqlServiceId: "helk_", serverStatus: "RUNNING" });
  });

  it("takes HELK's statements through HELK's provisioning, and a second run changes nothing", async () => {
    const statements = readStatements(join(ROOT, "images/ksqldb/statements"));
    const target = { address: `http://127.0.0.1:${port}`, stateFile };
    const first = await provisionKsqldb(target, statements);
    expect(first).toEqual(statements.map((s) => `ksqlDB stream ${s.name} created`));
    expect(await provisionKsqldb(target, statements)).toEqual([]);
  });

  it("a changed statement is replaced through TERMINATE and DROP, readers first; the double keeps one query per derived stream", async () => {
    const statements = readStatements(join(ROOT, "images/ksqldb/statements"));
    const changed = statements.map((s) => (s.name === "SYSMON_PROCESS_CREATE" ? { ...s, text: s.text.replace("= 1", "= 1 AND TRUE") } : s));
    expect(await provisionKsqldb({ address: `http://127.0.0.1:${port}`, stateFile }, changed)).toEqual([
      "ksqlDB stream SYSMON_PROCESS_CREATE replaced (its statement changed)",
      "ksqlDB stream SYSMON_JOIN replaced (it reads SYSMON_PROCESS_CREATE, which is replaced)",
    ]);
    const [queries] = (await post(port, "SHOW QUERIES;")).body as unknown as {
      queries: { id: string; sinks: string[]; queryString: string }[];
    }[];
    expect(queries?.queries.map((q) => q.sinks[0]).sort()).toEqual(["SYSMON_JOIN", "SYSMON_NETWORK_CONNECT", "SYSMON_PROCESS_CREATE"]);
    expect(queries?.queries.find((q) => q.sinks[0] === "SYSMON_PROCESS_CREATE")?.queryString).toContain("AND TRUE");
    // Back to HELK's own statements for the tests below.
    expect(await provisionKsqldb({ address: `http://127.0.0.1:${port}`, stateFile }, statements)).toHaveLength(2);
  });

  it("refuses to drop a stream another query reads, naming the query", async () => {
    const r = await post(port, "DROP STREAM IF EXISTS WINLOGBEAT_STREAM;");
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(
      /Cannot drop WINLOGBEAT_STREAM\.\nThe following queries read from this source: \[CSAS_SYSMON_NETWORK_CONNECT_\d+, CSAS_SYSMON_PROCESS_CREATE_\d+\]/,
    );
  });

  it.each([
    [
      "a column its source does not have",
      "CREATE STREAM BAD1 WITH (KAFKA_TOPIC='b1', VALUE_FORMAT='JSON') AS SELECT ProcessGuidd FROM WINLOGBEAT_STREAM EMIT CHANGES;",
      "cannot be resolved",
    ],
    [
      "a struct field its STRUCT does not declare",
      "CREATE STREAM BAD5 WITH (KAFKA_TOPIC='b5', VALUE_FORMAT='JSON') AS SELECT winlog->event_data->NoSuchField AS X FROM WINLOGBEAT_STREAM EMIT CHANGES;",
      "Could not find field 'NOSUCHFIELD' in 'WINLOG->EVENT_DATA'",
    ],
    [
      "COALESCE over an INT and a VARCHAR (Winlogbeat's event id without a CAST)",
      "CREATE STREAM BAD6 WITH (KAFKA_TOPIC='b6', VALUE_FORMAT='JSON') AS SELECT COALESCE(EventID, winlog->event_id) AS E FROM WINLOGBEAT_STREAM EMIT CHANGES;",
      "does not accept parameters (INTEGER, STRING)",
    ],
    [
      "a PARTITION BY expression missing from the projection",
      "CREATE STREAM BAD7 WITH (KAFKA_TOPIC='b7', VALUE_FORMAT='JSON') AS SELECT Image FROM WINLOGBEAT_STREAM PARTITION BY COALESCE(ProcessGuid, winlog->event_data->ProcessGuid) EMIT CHANGES;",
      "must include the partitioning expression",
    ],
    [
      "an unquoted reserved word as a column name",
      "CREATE STREAM BAD8 (Window VARCHAR) WITH (KAFKA_TOPIC='b8', VALUE_FORMAT='JSON');",
      "mismatched input 'Window'",
    ],
    [
      "an undefined source stream",
      "CREATE STREAM BAD2 WITH (KAFKA_TOPIC='b2', VALUE_FORMAT='JSON') AS SELECT * FROM NO_SUCH_STREAM EMIT CHANGES;",
      "does not exist",
    ],
    ["a stream without VALUE_FORMAT", "CREATE STREAM BAD3 (a VARCHAR) WITH (KAFKA_TOPIC='b3');", "VALUE_FORMAT"],
    [
      "an existing name without IF NOT EXISTS",
      "CREATE STREAM SYSMON_JOIN (a VARCHAR) WITH (KAFKA_TOPIC='b4', VALUE_FORMAT='JSON');",
      "already exists",
    ],
    ["what is not a statement", "CREATE STREEM X (a VARCHAR) WITH (KAFKA_TOPIC='x', VALUE_FORMAT='JSON');", "line 1:1"],
  ])("refuses %s with HTTP 400", async (_what, ksql, message) => {
    const r = await post(port, ksql);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain(message);
  });

  it("listens only where KSQL_LISTENERS says", async () => {
    const volume = await runner.volume("loopback");
    const c = await runner.start("loopback", [
      ...envFlags(ksqldbServer, ctx, { KSQL_LISTENERS: "http://127.0.0.1:8089" }),
      "--network-alias",
      "ksqldb-loopback",
      "-v",
      `${volume}:${STATE}`,
      helkImage,
    ]);
    await runner.waitFor(c, ["curl", "-fsS", "http://127.0.0.1:8089/info"]);
    const kafka = `${runner.prefix}-kafka`;
    const fromOutside = await runner.exec(kafka, ["curl", "-fsS", "--max-time", "3", "http://ksqldb-loopback:8089/info"]);
    expect(fromOutside.exitCode).not.toBe(0);
    expect((await runner.exec(c, ["curl", "-fsS", "--max-time", "3", "http://localhost:8088/info"])).exitCode).not.toBe(0);
  });
});
