/**
 * The `lab` profile end to end on real services: Kafka (Apache jars, KRaft), Elasticsearch
 * (Elastic's test distribution) and JupyterLab with PySpark, installed unattended through the
 * real compose flow; probes, provisioning and data checked with the services' own clients.
 */
import { readFileSync } from "node:fs";
import { Client } from "@elastic/elasticsearch";
import { execa } from "execa";
import { ConfigResourceTypes, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distinctEvents, sqlFigures, sysmonRows } from "../helpers/hunt-figures.js";
import { MORDOR_DIR, readMordorSet, readmeCounts } from "../helpers/mordor.js";
import { runShippedNotebooks } from "../helpers/notebook-checks.js";
import { helk } from "../helpers/run-cli.js";
import { stackState } from "../helpers/stack-state.js";
import {
  containerIds,
  createTestStack,
  JUPYTER_FIXTURE,
  requireLabImages,
  type StatusJson,
  type TestStack,
} from "../helpers/test-stack.js";

let stack: TestStack;
/** `helk status` taken right after install returned. */
let firstStatus: StatusJson;

describe.sequential("lab profile: Kafka + Elasticsearch + Jupyter/Spark, all real", () => {
  beforeAll(async () => {
    await requireLabImages();
    stack = createTestStack("lab", "lab", { images: { jupyter: JUPYTER_FIXTURE }, timeouts: { healthSeconds: 240 } });
  });
  afterAll(() => stack?.cleanup());

  it("installs unattended and provisions; `helk install && helk status` passes", async () => {
    const r = await helk(["install", "--non-interactive", "--yes", "--json", ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    // Straight after install, no retry: a script's `helk install && helk status` (issue 19:
    // status said stream-join "no progress reported yet" for 30 s after "HELK is up").
    const now = await helk(["status", "--json", ...stack.flags]);
    expect(now.exitCode, now.stdout).toBe(0);
    firstStatus = JSON.parse(now.stdout) as StatusJson;
    const result = JSON.parse(r.stdout) as { summary: { provision: { changes: string[]; notes: string[] }; urls: { jupyter: string } } };
    // Elasticsearch's templates and logins are set before the services that write start (the
    // logins step: the join writes as soon as it can log in); provisioning does the rest.
    const logged = readFileSync(stack.logFile, "utf8");
    for (const change of [
      "index template helk-sysmon (logs-endpoint-winevent-sysmon-*)",
      "user kibana_system: password set",
      "user helk_logstash_writer",
    ])
      expect(logged).toContain(`[logins] ${change}`);
    expect(result.summary.provision.changes).toEqual(
      expect.arrayContaining(["created topic winlogbeat (3 partitions, retention 168 h, LogAppendTime)", "user helk_notebook_reader"]),
    );
    expect(result.summary.provision.changes).not.toContain("index template helk-sysmon (logs-endpoint-winevent-sysmon-*)");
    expect(result.summary.urls.jupyter).toBe(`http://127.0.0.1:${stack.ports.jupyter}/jupyter/`);
    expect(Object.keys(await containerIds(stack.project)).sort()).toEqual(["elasticsearch", "jupyter", "kafka", "stream-join"]);
  });

  it("status: all healthy, with each service's own answer", async () => {
    const s = firstStatus;
    const detail = Object.fromEntries(s.services.map((x) => [x.name, x.detail]));
    expect(detail.kafka).toBe("1 broker, controller 1, 5 topics");
    expect(detail.elasticsearch).toMatch(/^green, 1 node, \d+ shards?, Elasticsearch 8\.19\.5$/);
    expect(detail.jupyter).toMatch(/^\d+ kernels?, \d+ connections?$/);
    expect(detail["stream-join"]).toMatch(/^running, (no batch yet|batch \d+), 0 joined documents$/);
    expect(s.services.every((x) => x.probe === "ok")).toBe(true);
  });

  // Before any test writes a Sysmon document into Elasticsearch: lab has no Logstash, so the
  // notebooks must find its indices empty and read the winlogbeat topic.
  it("every shipped notebook runs headless in the jupyter container on the replayed data sets, with the figures the data imply", async () => {
    const sets = await Promise.all(readmeCounts().map((c) => readMordorSet(c.file)));
    const r = await helk([
      "replay",
      "--json",
      "--bootstrap",
      `127.0.0.1:${stack.ports.kafka}`,
      ...sets.map((s) => `${MORDOR_DIR}${s.file}`),
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const events = distinctEvents(sets.map((s) => s.text));
    const jupyter = (await containerIds(stack.project)).jupyter as string;
    // The streaming job joins the same events; the status notebook counts what it wrote (as the
    // notebooks' read-only login).
    const es = new Client({
      node: `http://127.0.0.1:${stack.ports.elasticsearch}`,
      auth: { username: "elastic", password: stack.secrets().elasticPassword as string },
    });
    try {
      const joined = sqlFigures(sysmonRows(events), "10.").join_rows;
      const ran = await runShippedNotebooks(jupyter, { source: "kafka", sparkMaster: "local[*]", events, es, joined });
      // The README's independent counts: 41 distinct EID 1 ProcessGuids, 37 joinable EID 3.
      const readme = readmeCounts();
      const sql = ran["01-sysmon-sql.ipynb"];
      expect(sql?.distinct_eid1_guids).toBe(readme.reduce((n, c) => n + c.eid1Guids, 0));
      expect(sql?.join_rows).toBe(readme.reduce((n, c) => n + c.joinableEid3, 0));
    } finally {
      await es.close();
    }
  }, 1_500_000);

  it("topics have the configured partitions and retention", async () => {
    const admin = new Kafka({ brokers: [`127.0.0.1:${stack.ports.kafka}`], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: ["winlogbeat", "SYSMON_JOIN", "winevent", "filebeat", "zeek"] });
      expect(Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length]))).toEqual({
        winlogbeat: 3,
        SYSMON_JOIN: 1,
        winevent: 1,
        filebeat: 1,
        zeek: 1,
      });
      const cfg = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: "winlogbeat", configNames: ["retention.ms"] }],
      });
      expect(cfg.resources[0]?.configEntries[0]?.configValue).toBe(String(168 * 3600 * 1000));
    } finally {
      await admin.disconnect();
    }
  });

  it("templates map ProcessGuid as keyword, IPs as ip, ports as integers, and Elasticsearch applies them", async () => {
    const es = new Client({
      node: `http://127.0.0.1:${stack.ports.elasticsearch}`,
      auth: { username: "elastic", password: stack.secrets().elasticPassword as string },
    });
    try {
      const t = await es.indices.getIndexTemplate({ name: "helk-sysmon" });
      const props = t.index_templates[0]?.index_template.template?.mappings?.properties as Record<string, { type: string }>;
      expect([
        props.ProcessGuid?.type,
        props.DestinationIp?.type,
        props.DestinationPort?.type,
        props.Hashes?.type,
        props.UtcTime?.type,
      ]).toEqual(["keyword", "ip", "integer", "keyword", "date"]);
      // A real Sysmon event indexed into a HELK index takes the template's types.
      await es.index({
        index: "logs-endpoint-winevent-sysmon-2020.10.23",
        refresh: true,
        document: {
          "@timestamp": "2020-10-23T02:36:43.542Z",
          EventID: 3,
          ProcessGuid: "{39e4a257-4178-5f92-9d01-000000000400}",
          DestinationIp: "10.0.1.5",
          DestinationPort: "443",
        },
      });
      const hits = await es.search({
        index: "logs-endpoint-winevent-sysmon-*",
        query: { bool: { filter: [{ term: { DestinationIp: "10.0.0.0/16" } }, { range: { DestinationPort: { gte: 400 } } }] } },
      });
      expect((hits.hits.total as { value: number }).value).toBe(1);
      // The least-privilege writer can write HELK's indices and nothing else.
      const writer = new Client({
        node: `http://127.0.0.1:${stack.ports.elasticsearch}`,
        auth: { username: "helk_logstash_writer", password: stack.secrets().logstashWriterPassword as string },
      });
      await writer.index({ index: "logs-endpoint-winevent-2020.10.23", document: { EventID: 4688 } });
      await expect(writer.index({ index: "not-helk", document: { a: 1 } })).rejects.toThrow(/security_exception|unauthorized/);
      await writer.close();
    } finally {
      await es.close();
    }
  });

  it("a second provisioning run changes nothing and says so", async () => {
    const real = await stackState(stack);
    const r = await helk(["provision", ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe("nothing to change: everything is as configured");
    expect(await stackState(stack)).toEqual(real);
    expect(r.stderr).toContain("note: retention policy not applied: this Elasticsearch node has no ILM");
  });

  it("Jupyter answers with its token only, and PySpark runs in it", async () => {
    const token = stack.secrets().jupyterToken as string;
    const base = `http://127.0.0.1:${stack.ports.jupyter}/jupyter/api/status`;
    expect((await fetch(`${base}?token=${token}`)).status).toBe(200);
    expect([401, 403]).toContain((await fetch(`${base}?token=wrong`)).status);
    const id = (await containerIds(stack.project)).jupyter as string;
    const spark = await execa("docker", [
      "exec",
      id,
      "python3",
      "-c",
      "from pyspark.sql import SparkSession; s=SparkSession.builder.master('local[1]').getOrCreate(); print(s.range(5).count()); s.stop()",
    ]);
    expect(spark.stdout.trim().split("\n").at(-1)).toBe("5");
  });
});
