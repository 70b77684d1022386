/**
 * The default profile, `analysis`, installed on the real engine with the strict doubles
 * (test/helpers/doubles.ts): real Kafka and Elasticsearch, and the ksqlDB, Logstash and nginx
 * doubles that refuse what the upstream images refuse. Before the fixes of issue 19, ksqlDB
 * exited at start (its state volume owned by root) and Logstash also ran the image's sample
 * pipeline.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStatements } from "../../engine/provision/ksqldb.js";
import { ES_FIXTURE, KAFKA_FIXTURE, KSQLDB_DOUBLE, LOGSTASH_DOUBLE, NGINX_DOUBLE, STANDIN } from "../helpers/doubles.js";
import { parseStatement } from "../helpers/ksql-statements.js";
import { parseLogstashConfig, plugins } from "../helpers/logstash-config.js";
import { helk } from "../helpers/run-cli.js";
import { containerIds, createTestStack, requireImages, statusWhenReady, type TestStack } from "../helpers/test-stack.js";

const ROOT = join(import.meta.dirname, "../..");
let stack: TestStack;
let ids: Record<string, string>;

interface Vertex {
  config_name: string;
  plugin_type: string;
  meta: { source: { id: string; line: number } };
}

async function dockerExec(service: string, ...cmd: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa("docker", ["exec", ids[service] as string, ...cmd], { reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe.sequential("install the default profile `analysis` on the strict doubles", () => {
  beforeAll(async () => {
    await requireImages(
      [KAFKA_FIXTURE, ES_FIXTURE, STANDIN, KSQLDB_DOUBLE, LOGSTASH_DOUBLE, NGINX_DOUBLE],
      "run scripts/build-test-images.sh and scripts/build-fixture-images.sh (scripts/test.sh does)",
    );
    stack = createTestStack("analysis", "analysis", { timeouts: { healthSeconds: 240 } });
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("installs unattended, every service of the profile healthy", async () => {
    const r = await helk(["install", "--non-interactive", "--yes", "--json", ...stack.flags]);
    ids = await containerIds(stack.project);
    expect(r.exitCode, `${r.stderr}\n${r.stdout.slice(-2000)}`).toBe(0);
    const result = JSON.parse(r.stdout) as { summary: { healthyAfterSeconds: Record<string, number> } };
    expect(Object.keys(result.summary.healthyAfterSeconds).sort()).toEqual(
      ["elasticsearch", "kafka", "kibana", "ksqldb-server", "logstash", "nginx"].sort(),
    );
  });

  it("helk status reports every service healthy", async () => {
    const { exitCode, status } = await statusWhenReady(stack);
    expect(exitCode, JSON.stringify(status)).toBe(0);
    expect(status.services.map((s) => s.name).sort()).toEqual(["elasticsearch", "kafka", "kibana", "ksqldb-server", "logstash", "nginx"]);
    expect(status.services.filter((s) => s.probe === "failed")).toEqual([]);
  });

  it("ksqlDB keeps its state in /var/lib/ksqldb, owned by appuser (uid 1000), and runs as appuser", async () => {
    const owner = await dockerExec("ksqldb-server", "stat", "-c", "%U %u %F", "/var/lib/ksqldb");
    expect(owner.stdout.trim()).toBe("appuser 1000 directory");
    expect((await dockerExec("ksqldb-server", "id", "-un")).stdout.trim()).toBe("appuser");
    // The server really wrote there: the double keeps its metastore in the state dir.
    expect((await dockerExec("ksqldb-server", "test", "-s", "/var/lib/ksqldb/double-metastore.json")).exitCode).toBe(0);
  });

  it("ksqlDB has every stream of HELK's statements, each accepted by the double and by the statement reader", async () => {
    const statements = readStatements(join(ROOT, "images/ksqldb/statements"));
    for (const s of statements) expect(parseStatement(s.text).name).toBe(s.name);
    const res = await fetch(`http://127.0.0.1:${stack.ports.ksqldb}/ksql`, {
      method: "POST",
      headers: { "content-type": "application/vnd.ksql.v1+json" },
      body: JSON.stringify({ ksql: "LIST STREAMS;" }),
    });
    expect(res.status).toBe(200);
    const [list] = (await res.json()) as { streams: { name: string; topic: string }[] }[];
    expect(list?.streams.map((s) => s.name).sort()).toEqual(statements.map((s) => s.name).sort());
    expect(list?.streams.find((s) => s.name === "SYSMON_JOIN")?.topic).toBe("SYSMON_JOIN");
    const logs = await execa("docker", ["logs", ids["ksqldb-server"] as string], { all: true });
    expect(logs.all).not.toContain("statement refused");
  });

  it("Logstash runs HELK's pipeline only: the image's sample pipeline (beats -> stdout) is not loaded", async () => {
    const res = await fetch(`http://127.0.0.1:${stack.ports.logstashApi}/_node/pipelines?graph=true`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { pipelines: Record<string, { graph: { graph: { vertices: Vertex[] } } }> };
    expect(Object.keys(body.pipelines)).toEqual(["helk-kafka-to-es"]);
    const vertices = body.pipelines["helk-kafka-to-es"]?.graph.graph.vertices ?? [];
    expect(vertices.map((v) => v.config_name)).not.toContain("beats");
    expect(vertices.filter((v) => !v.meta.source.id.startsWith("/usr/share/logstash/helk-pipeline/"))).toEqual([]);
    // The plugins Logstash loaded are exactly those of HELK's files, in order.
    const dir = join(ROOT, "images/logstash/pipeline");
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".conf"))
      .sort();
    const expected = files.flatMap((f) =>
      parseLogstashConfig(readFileSync(join(dir, f), "utf8")).flatMap((s) => plugins(s.body).map((p) => p.name)),
    );
    expect(vertices.map((v) => v.config_name)).toEqual(expected);
    // The sample file is still in the image (HELK does not depend on deleting it).
    expect((await dockerExec("logstash", "test", "-f", "/usr/share/logstash/pipeline/logstash.conf")).exitCode).toBe(0);
  });

  it("nginx is healthy through the generated healthcheck, on an image with no curl and no bash", async () => {
    const health = await execa("docker", ["inspect", "-f", "{{.State.Health.Status}}", ids.nginx as string]);
    expect(health.stdout.trim()).toBe("healthy");
    expect((await dockerExec("nginx", "sh", "-c", "command -v curl || command -v bash")).exitCode).not.toBe(0);
  });
});
