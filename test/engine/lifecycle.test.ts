/**
 * A whole stack on the real Docker engine, driven through the built CLI: unattended install,
 * the install log, secrets, status, logs, stop/start, down/install with data intact, the
 * guarded deletions, uninstall. Services are stand-ins (lifecycle behaviour only).
 */

import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET_KEYS } from "../../compose/secrets.js";
import { helk } from "../helpers/run-cli.js";
import { elasticAdmin, kafkaOf } from "../helpers/stack-clients.js";
import { stackState } from "../helpers/stack-state.js";
import { containerIds, createTestStack, requireStandinImages, type TestStack, volumeNames } from "../helpers/test-stack.js";

const SERVICES = ["kafka", "elasticsearch", "logstash", "kibana", "nginx"];
let stack: TestStack;
let firstInstall: { stdout: string; stderr: string };

/** Real data in both stores: a document in Elasticsearch and a message in Kafka's winlogbeat topic. */
async function writeData(stack: TestStack): Promise<string> {
  const marker = `marker-${Date.now()}`;
  const es = elasticAdmin(stack);
  await es.index({
    index: "logs-endpoint-winevent-sysmon-test",
    id: marker,
    document: { "@timestamp": new Date().toISOString(), ProcessGuid: marker },
    refresh: true,
  });
  await es.close();
  const producer = kafkaOf(stack).producer();
  await producer.connect();
  await producer.send({ topic: "winlogbeat", messages: [{ key: "WS1", value: JSON.stringify({ marker }) }] });
  await producer.disconnect();
  return marker;
}

async function readData(stack: TestStack, marker: string): Promise<{ doc: unknown; kafkaMessages: number }> {
  const es = elasticAdmin(stack);
  const doc = (await es.get({ index: "logs-endpoint-winevent-sysmon-test", id: marker }))._source;
  await es.close();
  const admin = kafkaOf(stack).admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets("winlogbeat");
  await admin.disconnect();
  return { doc, kafkaMessages: offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0) };
}

/** `helk start` returns when containers run; the data checks wait for the services too. */
async function waitHealthy(stack: TestStack): Promise<void> {
  for (let i = 0; i < 90; i++) {
    if ((await helk(["status", ...stack.flags])).exitCode === 0) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error("stack did not become healthy again within 180 s");
}

describe.sequential("install and operate a stack (stand-in services)", () => {
  beforeAll(async () => {
    await requireStandinImages();
    stack = createTestStack("life");
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("installs unattended from a config file with --json, every service healthy", async () => {
    const r = await helk(["install", "--non-interactive", "--yes", "--profile", "core", "--json", ...stack.flags]);
    firstInstall = r;
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      summary: { healthyAfterSeconds: Record<string, number>; credentials?: unknown; urls: { kibana: string } };
      logFile: string;
    };
    expect(Object.keys(result.summary.healthyAfterSeconds).sort()).toEqual([...SERVICES].sort());
    expect(result.summary.credentials).toBeUndefined();
    expect(result.summary.urls.kibana).toBe(`https://127.0.0.1:${stack.ports.https}/`);
    expect(result.logFile).toBe(stack.logFile);
  });

  it("nginx serves the generated TLS site and asks for the generated password", async () => {
    const url = `https://127.0.0.1:${stack.ports.https}/api/status`;
    const anon = await execa("curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}", url]);
    expect(anon.stdout).toBe("401");
    const s = stack.secrets();
    const authed = await execa("curl", ["-sk", "-u", `helk:${s.analystPassword}`, url]);
    expect(authed.stdout).toContain('"level":"available"');
  });

  it("logs every step and command, and no secret anywhere in the log or output", () => {
    const log = readFileSync(stack.logFile, "utf8");
    for (const stepName of ["preflight", "tuning", "secrets", "tls", "render", "validate", "images", "start"])
      expect(log).toContain(`[${stepName}]`);
    expect(log).toMatch(/\$ docker compose --project-name helktest-life-\d+ --file \S+compose\.yaml up -d --remove-orphans/);
    const secrets = Object.values(stack.secrets());
    expect(secrets).toHaveLength(SECRET_KEYS.length);
    const tlsKey = readFileSync(join(stack.home, "secrets", "tls.key"), "utf8").split("\n")[1] as string;
    for (const v of [...secrets, tlsKey]) {
      expect(log.includes(v), "secret in log").toBe(false);
      expect(firstInstall.stdout.includes(v) || firstInstall.stderr.includes(v), "secret in output").toBe(false);
    }
  });

  it("stores secrets mode 0600 and reuses them on a re-run, with the same containers", async () => {
    const state = join(stack.home, "secrets", "helk-state.json");
    expect(statSync(state).mode & 0o777).toBe(0o600);
    const before = readFileSync(state, "utf8");
    const real = await stackState(stack);
    const r = await helk(["install", "--non-interactive", "--yes", "--profile", "core", ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/secrets: done \(reused\)/);
    expect(readFileSync(state, "utf8")).toBe(before);
    // The same containers (ids and creation times), topics, templates, and no user written again.
    expect(await stackState(stack)).toEqual(real);
    // The human summary shows the credentials once, at the end.
    expect(r.stdout).toContain(`password ${stack.secrets().analystPassword}`);
  });

  it("status --json reports every service healthy with image, ports and detail; exit 0", async () => {
    const r = await helk(["status", "--json", ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as {
      project: string;
      healthy: boolean;
      services: { name: string; state: string; health: string; image: string; ports: string[]; detail: string; probe?: string }[];
    };
    expect(s.project).toBe(stack.project);
    expect(s.healthy).toBe(true);
    expect(s.services.map((x) => x.name)).toEqual(SERVICES);
    for (const x of s.services) expect(x).toMatchObject({ state: "running", health: "healthy" });
    // nginx has no protocol probe of its own; every other service answered its own.
    expect(s.services.map((x) => x.probe ?? "none")).toEqual(["ok", "ok", "ok", "ok", "none"]);
    const detail = Object.fromEntries(s.services.map((x) => [x.name, x.detail]));
    // Real protocol answers: Kafka metadata and Elasticsearch health from the real fixtures.
    expect(detail.kafka).toBe("1 broker, controller 1, 5 topics");
    expect(detail.elasticsearch).toMatch(/^green, 1 node, \d+ shards?, Elasticsearch 8\.19\.5$/);
    // The doubles answer as their real images do, version included (their CONTRACT.md).
    expect(detail.logstash).toBe("1 pipeline (helk-kafka-to-es), Logstash 8.19.5");
    expect(detail.kibana).toBe("available, Kibana 8.19.5");
    expect(detail.nginx).toBe("ok");
    expect(s.services.find((x) => x.name === "elasticsearch")?.ports).toEqual([`127.0.0.1:${stack.ports.elasticsearch}->9200/tcp`]);
  });

  it("status prints a table", async () => {
    const r = await helk(["status", ...stack.flags]);
    expect(r.stdout).toMatch(/^SERVICE\s+STATE\s+HEALTH\s+UPTIME\s+IMAGE\s+PORTS\s+DETAIL$/m);
    expect(r.stdout).toMatch(
      /^kibana\s+running\s+healthy\s+\d+[sm]\s+helktest-life-\d+\/kibana:0\.1\.0\s+-\s+available, Kibana 8\.19\.5$/m,
    );
    expect(r.stdout).toMatch(
      /^kafka\s+running\s+healthy\s+\d+[sm]\s+helk-test\/kafka:4\.1\.1\s+127\.0\.0\.1:\d+->9092\/tcp\s+1 broker, controller 1, 5 topics$/m,
    );
    expect(r.stdout).toContain("all 5 services healthy");
  });

  it("logs shows merged lines with service prefixes", async () => {
    const r = await helk(["logs", "--tail", "5", "kibana", "elasticsearch", ...stack.flags]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^kibana-1\s+\| /m);
    expect(r.stdout).toMatch(/^elasticsearch-1\s+\| /m);
    expect(r.stdout).not.toMatch(/^kafka-1/m);
  });

  it("logs names an unknown service", async () => {
    const r = await helk(["logs", "kibanna", ...stack.flags]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown service kibanna");
  });

  it("stop keeps data; status then exits non-zero; start brings it back", async () => {
    const marker = await writeData(stack);
    const before = await readData(stack, marker);
    expect(before.kafkaMessages).toBe(1);
    expect((await helk(["stop", ...stack.flags])).exitCode).toBe(0);
    const down = await helk(["status", "--json", ...stack.flags]);
    expect(down.exitCode).toBe(6);
    expect((JSON.parse(down.stdout) as { healthy: boolean }).healthy).toBe(false);
    expect((await helk(["start", ...stack.flags])).exitCode).toBe(0);
    await waitHealthy(stack);
    expect(await readData(stack, marker)).toEqual(before);
  });

  it("down keeps the volumes; install again brings the same data back", async () => {
    const marker = await writeData(stack);
    const before = await readData(stack, marker);
    expect(before.kafkaMessages).toBe(2);
    const volumes = await volumeNames(stack.project);
    const real = await stackState(stack, { containers: false });
    const r = await helk(["down", ...stack.flags]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("data volumes kept");
    expect(Object.keys(await containerIds(stack.project))).toEqual([]);
    expect(await volumeNames(stack.project)).toEqual(volumes);
    const again = await helk(["install", "--non-interactive", "--yes", "--profile", "core", ...stack.flags]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await readData(stack, marker)).toEqual(before);
    // Provisioning on the re-run found everything in place, and left it so: topics, templates,
    // and no user or password written again (the security index's sequence number is kept).
    expect(again.stderr).toMatch(/provision: done \(nothing to change\)/);
    expect(await stackState(stack, { containers: false })).toEqual(real);
  });

  it("down --volumes without a terminal or --force refuses and deletes nothing", async () => {
    const volumes = await volumeNames(stack.project);
    const r = await helk(["down", "--volumes", ...stack.flags]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("refusing to delete ALL data");
    expect(r.stderr).toContain("--force");
    expect(await volumeNames(stack.project)).toEqual(volumes);
    expect(Object.keys(await containerIds(stack.project)).length).toBe(5);
  });

  it("uninstall --purge --force removes containers, volumes and the install home", async () => {
    const r = await helk(["uninstall", "--purge", "--force", ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(Object.keys(await containerIds(stack.project))).toEqual([]);
    expect(await volumeNames(stack.project)).toEqual([]);
    const status = await helk(["status", ...stack.flags]);
    expect(status.exitCode).toBe(2);
    expect(status.stderr).toContain(`no HELK install found in ${stack.home}`);
  });
});
