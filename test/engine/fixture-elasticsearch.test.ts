/**
 * The Elasticsearch fixture (test/fixtures/images/elasticsearch, CONTRACT.md there) against what
 * the official 8.19.5 image does that HELK relies on, and HELK's index templates on it: the
 * built-in `logs` template (logs-*-*, priority 100) makes Elasticsearch refuse any overlapping
 * template at the same priority, which is what HELK's helk-winevent used to be.
 */
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { indexTemplates } from "../../compose/elasticsearch-templates.js";
import { provisionElasticsearch } from "../../engine/provision/elasticsearch.js";
import { createSandbox, type Sandbox, until } from "../helpers/containers.js";
import { ES_FIXTURE } from "../helpers/doubles.js";
import { SECRETS } from "../helpers/fixtures.js";
import { requireImages } from "../helpers/test-stack.js";

const PASSWORD = "FixtureElastic0001";
let box: Sandbox;
let url: string;
let es: Client;

describe.sequential("Elasticsearch fixture: the official image's behaviour HELK relies on", () => {
  beforeAll(async () => {
    await requireImages([ES_FIXTURE], "run scripts/build-fixture-images.sh");
    box = await createSandbox("esfix");
    await box.run("es", ES_FIXTURE, {
      publish: 9200,
      env: {
        "discovery.type": "single-node",
        "cluster.name": "from-a-dotted-variable",
        "xpack.security.enabled": "true",
        ELASTIC_PASSWORD: PASSWORD,
        ES_JAVA_OPTS: "-Xms256m -Xmx256m",
      },
    });
    url = `http://127.0.0.1:${await box.port("es", 9200)}`;
    es = new Client({ node: url, auth: { username: "elastic", password: PASSWORD } });
    await until("the fixture answers as elastic", 120_000, async () =>
      (await es.cluster.health({ wait_for_status: "yellow", timeout: "5s" })) ? true : undefined,
    );
    // The node installs its built-in templates once it is master, as the real one does: moments later.
    await until("the built-in logs template", 60_000, async () =>
      (await es.indices.existsIndexTemplate({ name: "logs" })) ? true : undefined,
    );
  }, 180_000);
  afterAll(async () => {
    await es?.close();
    await box?.cleanup();
  });

  it("runs as uid 1000 `elasticsearch` in group 0, in /usr/share/elasticsearch, with curl", async () => {
    const id = await box.exec("es", ["id"]);
    // USER 1000:0, as the official Dockerfile: group 0 is the primary group (OpenShift's arbitrary uids).
    expect(id.stdout).toMatch(/^uid=1000\(elasticsearch\) gid=0\(root\)/);
    const layout = await box.exec("es", [
      "bash",
      "-c",
      "cd /usr/share/elasticsearch && ls -d bin config data logs plugins && command -v curl",
    ]);
    expect(layout.exitCode, layout.stderr).toBe(0);
    expect(layout.stdout).toContain("/usr/bin/curl");
  });

  it("dotted environment variables become settings", async () => {
    expect((await es.cluster.health()).cluster_name).toBe("from-a-dotted-variable");
  });

  it("ELASTIC_PASSWORD sets the elastic user's password and no other's", async () => {
    const kibana = new Client({ node: url, auth: { username: "kibana_system", password: PASSWORD } });
    await expect(kibana.security.authenticate()).rejects.toMatchObject({ meta: { statusCode: 401 } });
    await kibana.close();
    expect((await es.security.authenticate()).username).toBe("elastic");
  });

  it("refuses to run as root", async () => {
    await box.run("root", ES_FIXTURE, { env: { "discovery.type": "single-node" }, args: ["--user", "0:0"] });
    expect(await box.exited("root", 60_000)).not.toBe(0);
    expect(await box.logs("root")).toMatch(/run (elasticsearch )?as root/i);
  });

  it("carries the built-in logs and metrics templates of 8.19 at start: data streams, priority 100", async () => {
    const got = await es.indices.getIndexTemplate({ name: "logs" });
    const logs = got.index_templates[0]?.index_template;
    expect(logs?.index_patterns).toEqual(["logs-*-*"]);
    expect(logs?.priority).toBe(100);
    expect(logs?.data_stream).toBeDefined();
    expect(logs?.composed_of).toEqual(["logs@mappings", "logs@settings", "logs@custom", "ecs@mappings"]);
    const metrics = (await es.indices.getIndexTemplate({ name: "metrics" })).index_templates[0]?.index_template;
    expect([metrics?.index_patterns, metrics?.priority, metrics?.data_stream !== undefined]).toEqual([["metrics-*-*"], 100, true]);
    const components = (await es.cluster.getComponentTemplate()).component_templates.map((c) => c.name);
    expect(components).toEqual(
      expect.arrayContaining(["logs@mappings", "logs@settings", "ecs@mappings", "metrics@mappings", "metrics@settings"]),
    );
  });

  it("refuses HELK's old helk-winevent (logs-endpoint-winevent-* at priority 100, beside `logs`)", async () => {
    const current = indexTemplates().find((t) => t.name === "helk-winevent");
    const old = { ...(current?.body as object), priority: 100 };
    await expect(es.indices.putIndexTemplate({ name: "helk-winevent-old", ...old })).rejects.toThrow(
      /matching patterns from existing templates \[logs\].*same priority \[100\]/,
    );
  });

  it("provisioning applies HELK's templates, and HELK's daily indices stay plain indices, not data streams", async () => {
    const access = { nodes: [url], username: "elastic", password: PASSWORD, external: false };
    const r = await provisionElasticsearch({ access, manageUsers: true, secrets: SECRETS, retentionDays: 7 });
    expect(r.changes.filter((c) => c.startsWith("index template")).length).toBe(indexTemplates().length);
    for (const index of ["logs-endpoint-winevent-2020.10.23", "logs-endpoint-winevent-sysmon-2020.10.23", "logs-zeek-2020.10.23"])
      await es.index({ index, document: { "@timestamp": "2020-10-23T10:00:00Z", EventID: 1 }, refresh: true });
    const resolved = await es.indices.resolveIndex({ name: "logs-*" });
    expect(resolved.data_streams).toEqual([]);
    expect(resolved.indices.map((i) => i.name).sort()).toEqual([
      "logs-endpoint-winevent-2020.10.23",
      "logs-endpoint-winevent-sysmon-2020.10.23",
      "logs-zeek-2020.10.23",
    ]);
    // A second run changes nothing, read from the node: the templates as they were.
    const before = await es.indices.getIndexTemplate({ name: "helk-*" });
    const again = await provisionElasticsearch({ access, manageUsers: true, secrets: SECRETS, retentionDays: 7 });
    expect(again.changes).toEqual([]);
    expect(await es.indices.getIndexTemplate({ name: "helk-*" })).toEqual(before);
  });
});
