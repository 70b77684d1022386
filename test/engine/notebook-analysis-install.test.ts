/**
 * `notebook-analysis` installed unattended: real Kafka and Elasticsearch, the doubles of
 * test/helpers/doubles.ts for Logstash, Kibana, ksqlDB and nginx, and a REAL Spark master and
 * worker running HELK's notebook image built on the upstream-shaped fixture (no Kafka
 * connector, Spark under /usr/local/spark). Checks what the issue found broken on real
 * images: the master's health, the worker's registration and work dir, the notebooks'
 * Elasticsearch login, and the notebooks in Jupyter's file browser. Then every shipped notebook
 * runs on the cluster (test/helpers/notebook-checks.ts) over one data set, as Logstash's
 * documents in Elasticsearch and, for the join, replayed into Kafka. Each Spark notebook is an
 * application of its own on the cluster (01-sysmon-sql: 50 s on the shared 2-core machine), so
 * they make most of the file's time: some 5 of its 7 or so minutes, estimated from that.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@elastic/elasticsearch";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlFigures, sysmonRows } from "../helpers/hunt-figures.js";
import { helkPipeline } from "../helpers/logstash-config.js";
import { fromKafka, runPipeline } from "../helpers/logstash-eval.js";
import { MORDOR_DIR, readMordorSet, readmeCounts } from "../helpers/mordor.js";
import { runShippedNotebooks, sparkApp } from "../helpers/notebook-checks.js";
import { helk } from "../helpers/run-cli.js";
import {
  containerIds,
  createTestStack,
  JUPYTER_FIXTURE,
  requireImages,
  requireLabImages,
  STANDIN,
  statusWhenReady,
  type TestStack,
} from "../helpers/test-stack.js";

const ROOT = join(import.meta.dirname, "../..");
/** HELK's Logstash pipeline, evaluated in TypeScript (Logstash cannot run here). */
const PIPELINE = helkPipeline();
/** The data set the notebooks read: regsvr32 fetching a scriptlet, then its payload calling out. */
const SET = "empire_launcher_sct_regsvr32.zip";
const CLUSTER = "spark://spark-master:7077";

let stack: TestStack;
let ids: Record<string, string>;

interface MasterJson {
  status: string;
  aliveworkers: number;
  workers: { host: string; state: string; cores: number }[];
  activeapps: { name: string }[];
  completedapps: { name: string; state: string }[];
}
const masterJson = async (): Promise<MasterJson> =>
  (await (await fetch(`http://127.0.0.1:${stack.ports.sparkUi}/json/`)).json()) as MasterJson;

describe.sequential("notebook-analysis: real Spark cluster on HELK's notebook image", () => {
  beforeAll(async () => {
    await requireLabImages();
    await requireImages([STANDIN], "run scripts/build-test-images.sh");
    stack = createTestStack("nbinstall", "notebook-analysis", { images: { jupyter: JUPYTER_FIXTURE }, timeouts: { healthSeconds: 300 } });
    const r = await helk(["install", "--non-interactive", "--yes", "--json", ...stack.flags]);
    if (r.exitCode !== 0) throw new Error(`install failed (${r.exitCode}): ${r.stderr}\n${r.stdout}`);
    ids = await containerIds(stack.project);
  });
  afterAll(() => stack?.cleanup());

  it("status: every service healthy, the cluster included", async () => {
    const { exitCode, status } = await statusWhenReady(stack, 120_000);
    expect(exitCode, JSON.stringify(status)).toBe(0);
    const names = status.services.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["jupyter", "spark-master", "spark-worker", "stream-join"]));
    expect(status.services.every((s) => s.probe !== "failed")).toBe(true);
    for (const service of ["spark-master", "spark-worker", "jupyter", "stream-join"]) {
      const health = await execa("docker", ["inspect", "-f", "{{.State.Health.Status}}", ids[service] as string]);
      expect(health.stdout, service).toBe("healthy");
    }
  });

  it("the join reads its own status back with the writer login (no 403 at start, so a restart keeps its last arrival time)", async () => {
    const log = await execa("docker", ["logs", ids["stream-join"] as string]);
    const text = log.stdout + log.stderr;
    expect(text).toMatch(/started: winlogbeat -> sysmon-join/);
    expect(text).not.toMatch(/could not (read|write status to) helk-stream-status/);
  });

  it("the cluster runs the notebook image: same image as jupyter and stream-join, Spark from /usr/local/spark", async () => {
    const image = async (s: string) => (await execa("docker", ["inspect", "-f", "{{.Config.Image}}", ids[s] as string])).stdout;
    const images = await Promise.all(["jupyter", "stream-join", "spark-master", "spark-worker"].map(image));
    expect(new Set(images)).toEqual(new Set([`${stack.project}/jupyter:0.1.0`]));
    const jars = await execa("docker", [
      "exec",
      ids["spark-worker"] as string,
      "bash",
      "-c",
      'echo "$SPARK_HOME"; ls "$SPARK_HOME/jars" | grep kafka',
    ]);
    expect(jars.stdout.split("\n")).toEqual(
      expect.arrayContaining(["/usr/local/spark", "spark-sql-kafka-0-10_2.13-4.2.0.jar", "spark-token-provider-kafka-0-10_2.13-4.2.0.jar"]),
    );
  });

  it("the master listens on its container address, not 127.0.0.1, and its UI says ALIVE with the worker registered", async () => {
    const master = ids["spark-master"] as string;
    // The check the compose file had before: nothing listens on 127.0.0.1:7077.
    const loopback = await execa("docker", ["exec", master, "bash", "-c", "</dev/tcp/127.0.0.1/7077"], { reject: false });
    expect(loopback.exitCode).not.toBe(0);
    const own = await execa("docker", ["exec", master, "bash", "-c", "</dev/tcp/spark-master/7077"], { reject: false });
    expect(own.exitCode).toBe(0);
    const json = await masterJson();
    expect(json.status).toBe("ALIVE");
    expect(json.aliveworkers).toBe(1);
    expect(json.workers.map((w) => w.state)).toEqual(["ALIVE"]);
    const log = await execa("docker", ["logs", master]);
    expect(log.stdout + log.stderr).toMatch(/Registering worker spark-worker:\d+/);
  });

  it("a notebook's driver runs Python tasks on the worker, which keeps them in its work dir", async () => {
    const script = [
      "from pyspark.sql import SparkSession",
      "s = SparkSession.builder.appName('helk-cluster-test').master('spark://spark-master:7077')" +
        ".config('spark.executor.memory', '512m').config('spark.cores.max', '1').getOrCreate()",
      // A Python lambda: the worker's executor starts Python workers of its own image.
      "print('sum', s.sparkContext.parallelize(range(100), 2).map(lambda x: x * 2).sum())",
      "s.stop()",
    ].join("\n");
    const r = await execa("docker", ["exec", ids.jupyter as string, "python3", "-c", script], { reject: false });
    expect(r.exitCode, r.stderr.split("\n").slice(-20).join("\n")).toBe(0);
    expect(r.stdout).toContain("sum 9900");
    const work = await execa("docker", ["exec", ids["spark-worker"] as string, "bash", "-c", "ls /var/lib/helk/spark-work"]);
    expect(work.stdout).toMatch(/^app-\d+-\d+$/m);
    expect((await masterJson()).completedapps.map((a) => a.name)).toContain("helk-cluster-test");
  }, 240_000);

  it("the notebooks' own login reads HELK's indices and writes nothing", async () => {
    const password = stack.secrets().notebookReaderPassword as string;
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    const envFile = join(stack.home, "secrets", "jupyter.env");
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const reader = new Client({
      node: `http://127.0.0.1:${stack.ports.elasticsearch}`,
      auth: { username: "helk_notebook_reader", password },
    });
    try {
      expect((await reader.count({ index: "helk-stream-status" })).count).toBe(1);
      await expect(reader.index({ index: "logs-endpoint-winevent-sysmon-x", document: { a: 1 } })).rejects.toThrow(
        /security_exception|unauthorized/,
      );
    } finally {
      await reader.close();
    }
    // Inside the jupyter container, with only what HELK gave the service: no 401.
    const inContainer = await execa("docker", [
      "exec",
      ids.jupyter as string,
      "python3",
      "-c",
      "import os; from elasticsearch import Elasticsearch\n" +
        "es = Elasticsearch(os.environ['HELK_ES_URL'], basic_auth=(os.environ['HELK_ES_USER'], os.environ['HELK_ES_PASSWORD']))\n" +
        "print(es.security.authenticate()['username'], es.count(index='helk-stream-status')['count'])",
    ]);
    expect(inContainer.stdout.trim()).toBe("helk_notebook_reader 1");
    const creds = await helk(["credentials", "--json", ...stack.flags]);
    expect(creds.exitCode, creds.stderr).toBe(0);
    expect((JSON.parse(creds.stdout) as { notebookReader?: { user: string } }).notebookReader?.user).toBe("helk_notebook_reader");
  });

  it("every shipped notebook runs on the Spark cluster: Sysmon and Security from Logstash's documents in Elasticsearch, the join's status from the data set replayed into Kafka", async () => {
    const set = await readMordorSet(SET);
    // Kafka first, with the CLI: the stream-join service works through the set while the other
    // notebooks run, and 03-stream-join-status reports what it joined.
    const replay = await helk(["replay", "--json", "--bootstrap", `127.0.0.1:${stack.ports.kafka}`, `${MORDOR_DIR}${set.file}`]);
    expect(replay.exitCode, replay.stderr).toBe(0);
    expect((JSON.parse(replay.stdout) as { events: number }).events).toBe(set.events.length);
    // The same events as HELK's Logstash pipeline writes them (its index names and fields).
    const docs = set.events.flatMap((e) => runPipeline(PIPELINE, fromKafka(e, "winlogbeat")).outputs);
    const es = new Client({
      node: `http://127.0.0.1:${stack.ports.elasticsearch}`,
      auth: { username: "elastic", password: stack.secrets().elasticPassword as string },
    });
    let ran: Record<string, Record<string, unknown>>;
    try {
      const bulk = await es.bulk({
        refresh: "wait_for",
        operations: docs.flatMap((d) => [{ index: { _index: d.index, ...(d.documentId ? { _id: d.documentId } : {}) } }, d.source]),
      });
      expect(bulk.errors, JSON.stringify(bulk.items.find((i) => i.index?.error))).toBe(false);
      expect(new Set(docs.map((d) => d.index))).toEqual(
        new Set(["logs-endpoint-winevent-sysmon-2020.07.22", "logs-endpoint-winevent-2020.07.22"]),
      );
      // The figures of what the notebooks read: Elasticsearch's documents; the join's of Kafka's lines.
      const events = docs.map((d) => d.source as Record<string, unknown>);
      const joined = sqlFigures(sysmonRows(set.events), "10.").join_rows;
      ran = await runShippedNotebooks(ids.jupyter as string, { source: "elasticsearch", sparkMaster: CLUSTER, events, es, joined });
    } finally {
      await es.close();
    }
    // The data set's README row (7 distinct EID 1 ProcessGuids, 11 joinable EID 3 = joined documents).
    const readme = readmeCounts().find((c) => c.file === set.file);
    const [sql, status] = [ran["01-sysmon-sql.ipynb"], ran["03-stream-join-status.ipynb"]];
    expect([sql?.distinct_eid1_guids, sql?.join_rows, status?.joined_documents]).toEqual([
      readme?.eid1Guids,
      readme?.joinableEid3,
      readme?.joinableEid3,
    ]);
    // Each notebook that reads events through Spark did so as an application of the cluster.
    const readers = Object.keys(ran).filter((name) => ran[name]?.source !== undefined);
    expect(readers.length).toBeGreaterThan(0);
    const completed = (await masterJson()).completedapps.map((a) => a.name);
    for (const name of readers) expect(completed, name).toContain(sparkApp(name));
  }, 1_500_000);

  it("read_es reads any index, with a query and only some fields, on the cluster", async () => {
    const rows = sysmonRows((await readMordorSet(SET)).events);
    // read_es for any index, with a query and only some fields (dotted names reach into objects).
    const script = [
      "import helk_hunt",
      "s = helk_hunt.session('helk-read-es')",
      "df = helk_hunt.read_es(s, 'logs-endpoint-winevent-sysmon-*', query={'term': {'EventID': 1}}, fields=['ProcessGuid', 'hash.sha1'])",
      "print('read_es', df.count(), df.select('ProcessGuid').distinct().count(), sorted(df.columns))",
    ].join("\n");
    const read = await execa("docker", ["exec", ids.jupyter as string, "python3", "-c", script], { reject: false });
    expect(read.exitCode, read.stderr.split("\n").slice(-20).join("\n")).toBe(0);
    const creates = rows.filter((r) => r.eventId === 1);
    expect(read.stdout).toContain(`read_es ${creates.length} ${new Set(creates.map((r) => r.guid)).size} ['ProcessGuid', 'hash.sha1']`);
    expect((await masterJson()).completedapps.map((a) => a.name)).toContain("helk-read-es");
  }, 300_000);

  it("Jupyter's file browser lists HELK's notebooks", async () => {
    const token = stack.secrets().jupyterToken as string;
    const api = `http://127.0.0.1:${stack.ports.jupyter}/jupyter/api/contents`;
    const root = (await (await fetch(`${api}?token=${token}`)).json()) as { content: { name: string; type: string }[] };
    expect(root.content.map((c) => c.name).sort()).toEqual(["helk-notebooks", "work"]);
    const dir = (await (await fetch(`${api}/helk-notebooks?token=${token}`)).json()) as { content: { name: string; type: string }[] };
    expect(dir.content.map((c) => [c.name, c.type]).sort()).toEqual(
      readdirSync(join(ROOT, "images/jupyter/notebooks"))
        .sort()
        .map((name) => [name, "notebook"]),
    );
    expect(dir.content).toHaveLength(6);
  });
});
