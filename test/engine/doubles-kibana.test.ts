/**
 * The Kibana double (test/fixtures/images/doubles/kibana, CONTRACT.md there) against the real
 * Elasticsearch fixture: each behaviour of kibana:8.19.5 that HELK relies on, including what it
 * refuses. A friendlier double (available before its login works, a saved objects API without
 * credentials, `elastic` accepted) fails these.
 */
import { readFileSync } from "node:fs";
import { Client } from "@elastic/elasticsearch";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildComposeModel } from "../../compose/model.js";
import { createSandbox, type Sandbox, until } from "../helpers/containers.js";
import { ES_FIXTURE, KIBANA_DOUBLE } from "../helpers/doubles.js";
import { configFor, HOST } from "../helpers/fixtures.js";
import { requireImages } from "../helpers/test-stack.js";

const ELASTIC = "DoubleElastic0001";
const KIBANA_SYSTEM = "DoubleKibanaSys0002";
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const objects = (file: string) => readFileSync(new URL(`../../images/kibana/saved-objects/${file}`, import.meta.url), "utf8");
const NDJSON = objects("helk.ndjson");

let box: Sandbox;
let es: Client;
let kibana: string;

/** The env HELK's compose file gives Kibana with security on (compose/services/kibana.ts). */
const helkEnv = (extra: Record<string, string> = {}) => ({
  ELASTICSEARCH_HOSTS: '["http://elasticsearch:9200"]',
  ELASTICSEARCH_USERNAME: "kibana_system",
  ELASTICSEARCH_PASSWORD: KIBANA_SYSTEM,
  STATUS_ALLOWANONYMOUS: "true",
  SERVER_NAME: "helk-kibana",
  ...extra,
});

async function get(base: string, path: string, auth?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${path}`, { headers: auth ? { authorization: auth } : {}, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

function importForm(ndjson = NDJSON, name = "helk.ndjson"): FormData {
  const form = new FormData();
  form.append("file", new Blob([ndjson], { type: "application/ndjson" }), name);
  return form;
}

/** An import as `elastic`: [HTTP status, success, successCount]. */
async function importAsElastic(ndjson: string, name: string): Promise<[number, boolean, number]> {
  const imported = await fetch(`${kibana}/api/saved_objects/_import?overwrite=true`, {
    method: "POST",
    headers: { "kbn-xsrf": "helk", authorization: basic("elastic", ELASTIC) },
    body: importForm(ndjson, name),
  });
  const body = (await imported.json()) as { success: boolean; successCount: number };
  return [imported.status, body.success, body.successCount];
}

/** Each object's id and status (200, or the error's) from _bulk_get, as `elastic`. */
async function bulkGet(wanted: { type: string; id: string }[]): Promise<[string, number][]> {
  const bulk = await fetch(`${kibana}/api/saved_objects/_bulk_get`, {
    method: "POST",
    headers: { "kbn-xsrf": "helk", authorization: basic("elastic", ELASTIC), "content-type": "application/json" },
    body: JSON.stringify(wanted),
  });
  const objects = ((await bulk.json()) as { saved_objects: { id: string; error?: { statusCode: number } }[] }).saved_objects;
  return objects.map((o) => [o.id, o.error?.statusCode ?? 200]);
}

describe.sequential("Kibana double: kibana:8.19.5 as HELK meets it", () => {
  beforeAll(async () => {
    await requireImages([ES_FIXTURE, KIBANA_DOUBLE], "run scripts/build-fixture-images.sh and scripts/build-test-images.sh");
    box = await createSandbox("kbdouble");
    await box.run("es", ES_FIXTURE, {
      alias: "elasticsearch",
      publish: 9200,
      env: {
        "discovery.type": "single-node",
        "xpack.security.enabled": "true",
        ELASTIC_PASSWORD: ELASTIC,
        ES_JAVA_OPTS: "-Xms256m -Xmx256m",
      },
    });
    es = new Client({ node: `http://127.0.0.1:${await box.port("es", 9200)}`, auth: { username: "elastic", password: ELASTIC } });
    await until("Elasticsearch answers as elastic", 150_000, async () => ((await es.cluster.health()) ? true : undefined));
    await box.run("kibana", KIBANA_DOUBLE, { publish: 5601, env: helkEnv() });
    kibana = `http://127.0.0.1:${await box.port("kibana", 5601)}`;
  }, 240_000);
  afterAll(async () => {
    await es?.close();
    await box?.cleanup();
  });

  it("runs as uid 1000 `kibana` (group 0 too) in /usr/share/kibana, its data dir writable, with curl", async () => {
    const id = await box.exec("kibana", ["id"]);
    expect(id.stdout).toMatch(/^uid=1000\(kibana\) gid=1000\(kibana\) groups=1000\(kibana\),0\(root\)/);
    const layout = await box.exec("kibana", [
      "bash",
      "-c",
      "test -f /usr/share/kibana/config/kibana.yml && test -w /usr/share/kibana/data && command -v curl",
    ]);
    expect(layout.exitCode, layout.stderr).toBe(0);
  });

  it("answers 503 'not ready' while kibana_system cannot log in, then available once its password is set", async () => {
    // Several readings over a few seconds: a double that turns available on its own fails here.
    for (let i = 0; i < 4; i++) {
      const r = await until("Kibana listens", 30_000, async () => get(kibana, "/api/status").catch(() => undefined));
      expect([r.status, r.text]).toEqual([503, "Kibana server is not ready yet"]);
      await new Promise((res) => setTimeout(res, 1500));
    }
    expect(await box.logs("kibana")).toMatch(/unable to authenticate user \[kibana_system\]/);
    await es.security.changePassword({ username: "kibana_system", password: KIBANA_SYSTEM });
    const ready = await until("Kibana available", 30_000, async () => {
      const r = await get(kibana, "/api/status");
      return r.status === 200 ? r : undefined;
    });
    const doc = JSON.parse(ready.text) as { version: { number: string }; status: { overall: { level: string } } };
    expect([doc.version.number, doc.status.overall.level]).toEqual(["8.19.5", "available"]);
  });

  it("listens on 0.0.0.0:5601 from its kibana.yml; SERVER_HOST=127.0.0.1 makes it unreachable from outside", async () => {
    // The published port reaches the container's own address, so the first double listens beyond loopback.
    expect((await get(kibana, "/api/status")).status).toBe(200);
    await box.run("loopback", KIBANA_DOUBLE, { publish: 5601, env: helkEnv({ SERVER_HOST: "127.0.0.1" }) });
    const inside = await until("the loopback double answers inside", 30_000, async () => {
      const r = await box.exec("loopback", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:5601/api/status"]);
      return r.stdout === "200" ? r.stdout : undefined;
    });
    expect(inside).toBe("200");
    const outside = `http://127.0.0.1:${await box.port("loopback", 5601)}`;
    await expect(get(outside, "/api/status")).rejects.toThrow();
  });

  it("/api/status needs a login unless status.allowAnonymous; variables outside the launcher's list are ignored", async () => {
    // ELASTICSEARCH_URL is not a setting the launcher knows: the double still finds Elasticsearch
    // at kibana.yml's elasticsearch:9200, and it has no STATUS_ALLOWANONYMOUS.
    await box.run("private", KIBANA_DOUBLE, {
      publish: 5601,
      env: { ELASTICSEARCH_URL: "http://nowhere:9200", ELASTICSEARCH_USERNAME: "kibana_system", ELASTICSEARCH_PASSWORD: KIBANA_SYSTEM },
    });
    const base = `http://127.0.0.1:${await box.port("private", 5601)}`;
    const withLogin = await until("the private double is available", 30_000, async () => {
      const r = await get(base, "/api/status", basic("elastic", ELASTIC));
      return r.status === 200 ? r : undefined;
    });
    expect(withLogin.text).toContain('"level":"available"');
    expect((await get(base, "/api/status")).status).toBe(401);
    expect((await get(base, "/api/status", basic("elastic", "wrong-password"))).status).toBe(401);
  });

  it("the saved objects API: 401 without credentials, kbn-xsrf required, import and bulk_get with a login", async () => {
    const url = `${kibana}/api/saved_objects/_import?overwrite=true`;
    const anonymous = await fetch(url, { method: "POST", headers: { "kbn-xsrf": "helk" }, body: importForm() });
    expect(anonymous.status).toBe(401);
    const noXsrf = await fetch(url, { method: "POST", headers: { authorization: basic("elastic", ELASTIC) }, body: importForm() });
    expect(noXsrf.status).toBe(400);
    expect(await importAsElastic(NDJSON, "helk.ndjson")).toEqual([200, true, NDJSON.trim().split("\n").length]);
    expect(
      await bulkGet([
        { type: "index-pattern", id: "helk-sysmon" },
        { type: "index-pattern", id: "not-there" },
      ]),
    ).toEqual([
      ["helk-sysmon", 200],
      ["not-there", 404],
    ]);
  });

  it("imports the alerting add-on's objects too: the helk-alerts data view and the search that references it", async () => {
    const alerts = objects("alerts.ndjson");
    expect(await importAsElastic(alerts, "alerts.ndjson")).toEqual([200, true, alerts.trim().split("\n").length]);
    expect(
      await bulkGet([
        { type: "index-pattern", id: "helk-alerts" },
        { type: "search", id: "helk-alerts-all" },
      ]),
    ).toEqual([
      ["helk-alerts", 200],
      ["helk-alerts-all", 200],
    ]);
  });

  it("refuses `elastic` as its Elasticsearch user at start (exit 64, the config validation message)", async () => {
    await box.run("superuser", KIBANA_DOUBLE, { env: helkEnv({ ELASTICSEARCH_USERNAME: "elastic", ELASTICSEARCH_PASSWORD: ELASTIC }) });
    expect(await box.exited("superuser", 30_000)).toBe(64);
    expect(await box.logs("superuser")).toContain('[config validation of [elasticsearch].username]: value of "elastic" is forbidden');
  });

  it("refuses an invalid value of a mapped setting at start (STATUS_ALLOWANONYMOUS=yes)", async () => {
    await box.run("invalid", KIBANA_DOUBLE, { env: helkEnv({ STATUS_ALLOWANONYMOUS: "yes" }) });
    expect(await box.exited("invalid", 30_000)).toBe(64);
    expect(await box.logs("invalid")).toContain("[config validation of [status].allowAnonymous]: expected value of type [boolean]");
  });

  it("HELK's compose healthcheck passes on it as written (curl in the image, compact JSON)", async () => {
    const config = configFor("core", [], { hostIp: "127.0.0.1" });
    const model = buildComposeModel({ config, host: HOST, kafkaClusterId: "x", version: "1" });
    const test = model.services.kibana?.healthcheck?.test as string[];
    expect(test[0]).toBe("CMD-SHELL");
    const check = await execa("docker", ["exec", `${box.network}-kibana`, "sh", "-c", test[1] as string], { reject: false });
    expect(check.exitCode, check.stderr).toBe(0);
  });
});
