/**
 * ES-Hadoop in HELK's notebook image (images/jupyter/build/bake-es-hadoop.sh,
 * images/jupyter/python/helk_hunt/es_hadoop.py): on a Spark 3.4 base it is baked in and
 * `helk_hunt.es_hadoop` writes and reads a real Elasticsearch with security and TLS on (its CA
 * through a trust store made at read time); on HELK's default Spark 4.2 it is not there, and the
 * bake says why. The expected figures are computed here from the shared Mordor zip.
 * The Elasticsearch fixture lacks GET / (rest-root), which ES-Hadoop calls before every read and
 * write: test/fixtures/es-hadoop/main-info-proxy.py answers it from the node's own APIs, as the
 * same login, and passes every other request through.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@elastic/elasticsearch";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, type Sandbox, until } from "../helpers/containers.js";
import { ES_FIXTURE, JUPYTER_FIXTURE, JUPYTER_SPARK34_FIXTURE } from "../helpers/doubles.js";
import { buildHelkImage } from "../helpers/helk-image.js";
import { isSysmonFlat, readMordorSet } from "../helpers/mordor.js";
import { requireImages } from "../helpers/test-stack.js";

const SET = "empire_launcher_sct_regsvr32.zip";
const PASSWORD = "EsHadoopElastic0001";
const INDEX = "helk-eshadoop-sysmon";
const repo = (path: string) => new URL(`../../${path}`, import.meta.url).pathname;

/** HELK's notebook image on `base`, built as `helk install` builds it, cached by the same input hash. */
const helkNotebook = (base: string) => buildHelkImage("jupyter", base, `helk-test/helk-notebook:${base.split(":")[1]}`);

/** A CA and a node certificate for the name `es` (openssl on the host), readable by the containers. */
async function makeCerts(dir: string): Promise<void> {
  const ssl = (args: string[]) => execa("openssl", args, { cwd: dir });
  await ssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=HELK test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
  ]);
  await ssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=es", "-keyout", "node.key", "-out", "node.csr"]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:es,DNS:es-backend,DNS:localhost,IP:127.0.0.1\n");
  await ssl([
    "x509",
    "-req",
    "-in",
    "node.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "san.ext",
    "-out",
    "node.crt",
  ]);
  for (const f of ["ca.crt", "node.crt", "node.key"]) chmodSync(join(dir, f), 0o644);
}

interface Result {
  [key: string]: unknown;
}

/** One python3 run in `image` with the repo's helk_hunt and the data folder mounted; its RESULT line. */
async function python(image: string, script: string, data: string, env: Record<string, string>, network?: string): Promise<Result> {
  const r = await execa(
    "docker",
    [
      "run",
      "--rm",
      ...(network ? ["--network", network] : []),
      ...Object.keys(env).flatMap((k) => ["-e", k]),
      "-v",
      `${repo("images/jupyter/python")}:/helk-python:ro`,
      "-v",
      `${repo("test/fixtures/es-hadoop")}:/scripts:ro`,
      "-v",
      `${data}:/data:ro`,
      image,
      "python3",
      `/scripts/${script}`,
      ...(script === "roundtrip.py" ? [env.MODE as string] : []),
    ],
    // Values by environment, never in argv (docker run -e NAME takes them from here).
    { reject: false, env, all: true },
  );
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`${script} printed no RESULT (exit ${r.exitCode}):\n${r.all?.split("\n").slice(-30).join("\n")}`);
  return JSON.parse(line.slice("RESULT ".length)) as Result;
}

describe.sequential("ES-Hadoop in HELK's notebook image", () => {
  let box: Sandbox;
  let data: string;
  let image34: string;
  let es: Client;
  let sysmon: Record<string, unknown>[];

  beforeAll(async () => {
    await requireImages(
      [ES_FIXTURE, JUPYTER_FIXTURE, JUPYTER_SPARK34_FIXTURE],
      "run scripts/build-fixture-images.sh and scripts/build-notebook-image.sh spark-3.4",
    );
    data = mkdtempSync(join(tmpdir(), "helk-es-hadoop-"));
    chmodSync(data, 0o755);
    await makeCerts(data);
    sysmon = (await readMordorSet(SET)).events.filter(isSysmonFlat) as Record<string, unknown>[];
    writeFileSync(join(data, "sysmon.jsonl"), `${sysmon.map((e) => JSON.stringify(e)).join("\n")}\n`);
    chmodSync(join(data, "sysmon.jsonl"), 0o644);
    image34 = await helkNotebook(JUPYTER_SPARK34_FIXTURE);
    box = await createSandbox("eshadoop");
    await box.run("es", ES_FIXTURE, {
      alias: "es-backend",
      publish: 9200,
      env: {
        "discovery.type": "single-node",
        "xpack.security.enabled": "true",
        "xpack.security.http.ssl.enabled": "true",
        "xpack.security.http.ssl.certificate": "certs/node.crt",
        "xpack.security.http.ssl.key": "certs/node.key",
        "xpack.security.http.ssl.certificate_authorities": "certs/ca.crt",
        ELASTIC_PASSWORD: PASSWORD,
        ES_JAVA_OPTS: "-Xms256m -Xmx256m",
      },
      args: ["-v", `${data}:/usr/share/elasticsearch/config/certs:ro`],
    });
    const url = `https://127.0.0.1:${await box.port("es", 9200)}`;
    es = new Client({
      node: url,
      auth: { username: "elastic", password: PASSWORD },
      tls: { ca: readFileSync(join(data, "ca.crt"), "utf8") },
    });
    await until("Elasticsearch answers over TLS as elastic", 120_000, async () =>
      (await es.cluster.health({ wait_for_status: "yellow", timeout: "5s" })) ? true : undefined,
    );
    // `es` for the notebook: the proxy (the sandbox's label, so that its cleanup removes it too).
    await execa("docker", [
      "run",
      "-d",
      "--name",
      `${box.network}-proxy`,
      "--label",
      `org.helk.test=${box.network}`,
      "--network",
      box.network,
      "--network-alias",
      "es",
      "-e",
      "BACKEND=es-backend:9200",
      "-e",
      "CERT=/data/node.crt",
      "-e",
      "KEY=/data/node.key",
      "-e",
      "CA=/data/ca.crt",
      "-v",
      `${data}:/data:ro`,
      "-v",
      `${repo("test/fixtures/es-hadoop")}:/scripts:ro`,
      "--entrypoint",
      "python3",
      image34,
      "/scripts/main-info-proxy.py",
    ]);
  }, 900_000);
  afterAll(async () => {
    await es?.close();
    await box?.cleanup();
    if (data) rmSync(data, { recursive: true, force: true });
  });

  const env = (mode: string) => ({
    MODE: mode,
    ES_URL: "https://es:9200",
    ES_USER: "elastic",
    ES_PASSWORD: PASSWORD,
    ES_CA: "/data/ca.crt",
    INDEX,
  });

  it("writes the data set's Sysmon events and reads them back, all and with a query, over TLS with a login", async () => {
    const eid1 = sysmon.filter((e) => e.EventID === 1);
    const records = new Set(sysmon.map((e) => e.RecordNumber)).size;
    const r = await python(image34, "roundtrip.py", data, env("roundtrip"), box.network);
    expect(r.spark).toMatch(/^3\.4\./);
    // Written twice, keyed on RecordNumber: each event once.
    expect([r.all, r.records]).toEqual([records, records]);
    expect((await es.count({ index: INDEX })).count).toBe(records);
    expect(r.eid1).toBe(eid1.length);
    expect(r.eid1_event_ids).toEqual([1]);
    expect(r.eid1_guids).toEqual([...new Set(eid1.map((e) => e.ProcessGuid as string))].sort());
    // The Mordor events carry `tags` as a list: read as an array, not a failed read.
    expect(r.tags_type).toBe("array<string>");
    // Spark's plan of the read (explain, the UI's SQL tab) shows the options but not the password.
    expect([r.plan_shows_login, r.plan_redacted, r.plan_has_password]).toEqual([true, true, false]);
    expect([r.log_has_password, r.log_masked]).toEqual([false, true]);
    expect(r.log_lines).toBe(4);
  }, 600_000);

  it("a wrong password fails the read with one clear error that names the login, not the password", async () => {
    const r = await python(image34, "roundtrip.py", data, env("wrong-password"), box.network);
    expect(r.error_type).toBe("PermissionError");
    expect(r.error).toMatch(/refused the login of user 'elastic' \(HTTP 401\): check the user and password/);
    expect([r.error_has_password, r.log_has_password]).toEqual([false, false]);
  }, 300_000);

  it("the options built from a conn carry the password to ES-Hadoop, and no printed or logged form does", async () => {
    const r = await python(image34, "options_check.py", data, {});
    expect(r.pyspark_imported).toBe(false);
    expect([r.auth_pass, r.store_pass]).toEqual(["Pw-unit-check-7f3a", "Ts-unit-check-91bd"]);
    expect(r.connection).toEqual({
      "es.nodes": "elasticsearch:9200,es2:9200",
      "es.port": "9200",
      "es.nodes.wan.only": "true",
      "es.net.ssl": "true",
      "es.net.http.auth.user": "helk_notebook",
      "es.net.ssl.truststore.location": "file:///tmp/ca.p12",
      "es.net.ssl.keystore.type": "PKCS12",
    });
    expect([r.printed_with_secret, r.printed_masked]).toEqual([[], true]);
    expect((r.errors as (string | null)[]).every((e) => typeof e === "string")).toBe(true);
    expect(r.errors_with_secret).toEqual([]);
    expect(JSON.parse(r.query_dsl as string)).toEqual({ query: { term: { EventID: 1 } } });
    expect(JSON.parse(r.query_body as string)).toEqual({ query: { match_all: {} } });
  }, 120_000);

  it("on HELK's default Spark 4.2 the bake says ES-Hadoop is not available and why, and adds no jar", async () => {
    const bake = await execa(
      "docker",
      [
        "run",
        "--rm",
        "--user",
        "0",
        "-e",
        "ES_HADOOP_VERSION=9.5.6",
        "-v",
        `${repo("images/jupyter/build")}:/build:ro`,
        "--entrypoint",
        "bash",
        JUPYTER_FIXTURE,
        "-c",
        'bash /build/bake-es-hadoop.sh && ls "$SPARK_HOME"/jars | grep -c "^elasticsearch-spark" || true',
      ],
      { reject: false },
    );
    expect(bake.exitCode, bake.stderr).toBe(0);
    expect(bake.stdout.split("\n")).toEqual([
      expect.stringMatching(
        /^bake-es-hadoop: ES-Hadoop is not available for Spark 4\.2\.0 \(Scala 2\.13\): elasticsearch-spark-30_2\.12 9\.5\.6 runs on Spark 3\.4\.x with Scala 2\.12 only/,
      ),
      "0",
    ]);
    const image42 = await helkNotebook(JUPYTER_FIXTURE);
    const jars = await execa("docker", ["run", "--rm", "--entrypoint", "bash", image42, "-c", 'ls "$SPARK_HOME"/jars']);
    expect(jars.stdout).toMatch(/^spark-sql-kafka-0-10_2\.13-4\.2\.0\.jar$/m);
    expect(jars.stdout).not.toMatch(/elasticsearch-spark/);
    const jars34 = await execa("docker", ["run", "--rm", "--entrypoint", "bash", image34, "-c", 'ls "$SPARK_HOME"/jars']);
    expect(jars34.stdout).toMatch(/^elasticsearch-spark-30_2\.12-9\.5\.6\.jar$/m);
    expect(jars34.stdout).toMatch(/^spark-sql-kafka-0-10_2\.12-3\.4\.4\.jar$/m);
  }, 900_000);
});
