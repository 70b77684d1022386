/**
 * The alert counts of `helk rules list/show` and `helk status` against the real Elasticsearch
 * fixture, in the alerts index as ElastAlert itself creates it (the ElastAlert 2 fixture's
 * `elastalert-create-index` with HELK's generated config: its mapping makes rule_name a keyword
 * and alert_time a date, which the terms aggregation and the last-hour range need). The alert
 * documents are written in ElastAlert's shape (get_alert_body: rule_name, alert_time, match_body,
 * alert_sent; writeback adds @timestamp): what ElastAlert raising them end to end gives is the
 * alerting image's test (elastalert-sigma.test.ts). The rules come from HELK's real converter.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@elastic/elasticsearch";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { elastalertConfig } from "../../compose/files/elastalert-config.js";
import { alertsStatus } from "../../engine/rules/alerts-status.js";
import { createSandbox, type Sandbox, until } from "../helpers/containers.js";
import { ELASTALERT_FIXTURE, ES_FIXTURE } from "../helpers/doubles.js";
import { buildHelkImage } from "../helpers/helk-image.js";
import { rulesHome, SIGMA, sigmaFolder } from "../helpers/rules-home.js";
import { helk } from "../helpers/run-cli.js";
import { requireImages } from "../helpers/test-stack.js";

const project = `helktest-rulees-${process.pid}`;
const { home, record } = rulesHome({ alerting: true, project });
const tag = `${project}/elastalert:${record.version}`;
const run = (args: string[]) => helk(["rules", ...args, "--install-home", home]);
const USER_RULE = "Bitsadmin download";
const HELK_RULE = "Regsvr32 runs a remote scriptlet through scrobj.dll";
let box: Sandbox;
let es: Client;

const alert = (rule: string, minutesAgo: number, image: string) => {
  const t = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  return { rule_name: rule, alert_time: t, "@timestamp": t, alert_sent: true, match_body: { Hostname: "WORKSTATION5", Image: image } };
};

beforeAll(async () => {
  await requireImages([ES_FIXTURE, ELASTALERT_FIXTURE], "run scripts/build-fixture-images.sh and scripts/build-elastalert-image.sh");
  await buildHelkImage("elastalert", ELASTALERT_FIXTURE, tag);
  box = await createSandbox("rulees");
  await box.run("es", ES_FIXTURE, {
    alias: "elasticsearch",
    publish: 9200,
    env: { "discovery.type": "single-node", "xpack.security.enabled": "false", ES_JAVA_OPTS: "-Xms256m -Xmx256m" },
  });
  const port = await box.port("es", 9200);
  es = new Client({ node: `http://127.0.0.1:${port}` });
  await until("Elasticsearch answers", 150_000, async () => ((await es.cluster.health({ wait_for_status: "yellow" })) ? true : undefined));
  // The install's record points at it, as HELK's own node on its published port.
  record.config.ports.elasticsearch = port;
  writeFileSync(join(home, "helk.install.json"), JSON.stringify(record));
  const dir = mkdtempSync(join(tmpdir(), "helk-rulees-"));
  writeFileSync(join(dir, "config.yaml"), elastalertConfig(record.config), { mode: 0o644 });
  // ES_VERSION: the fixture has no GET / (elastalert-sigma.test.ts says why).
  const ci = await execa(
    "docker",
    [
      "run",
      "--rm",
      "--network",
      box.network,
      "-e",
      "ES_VERSION=8.19.5",
      "-v",
      `${dir}/config.yaml:/opt/elastalert/config.yaml:ro`,
      "--entrypoint",
      "elastalert-create-index",
      ELASTALERT_FIXTURE,
      "--config",
      "/opt/elastalert/config.yaml",
    ],
    { reject: false, all: true },
  );
  if (ci.exitCode !== 0) throw new Error(`elastalert-create-index failed:\n${ci.all}`);
}, 600_000);
afterAll(async () => {
  await es?.close();
  await box?.cleanup();
  await execa("docker", ["image", "rm", tag], { reject: false });
});

describe("alert counts on ElastAlert's own alerts index", () => {
  it("ElastAlert's mapping: rule_name a keyword, alert_time a date; match_body stored, not indexed", async () => {
    const m = await es.indices.getMapping({ index: "helk-alerts" });
    const props = Object.values(m)[0]?.mappings.properties as Record<string, { type?: string; enabled?: boolean }>;
    expect([props.rule_name?.type, props.alert_time?.type]).toEqual(["keyword", "date"]);
    // So Kibana's "HELK alerts" search shows the matched event's fields but cannot filter on them
    // (README, Detections): rule_name is what to filter on.
    expect(props.match_body?.enabled).toBe(false);
  });

  it("list: each rule's alerts summed over its ElastAlert names (the event index and the joined one); show: newest first", async () => {
    expect((await run(["add", sigmaFolder({ "bits.yml": SIGMA.bitsadmin })])).exitCode).toBe(0);
    const docs = [
      alert(USER_RULE, 1, "C:\\Windows\\System32\\bitsadmin.exe"),
      alert(USER_RULE, 5, "C:\\Windows\\System32\\bitsadmin.exe"),
      alert(`${USER_RULE} (joined)`, 3, "C:\\Windows\\System32\\bitsadmin.exe"),
      alert(USER_RULE, 120, "C:\\old\\bitsadmin.exe"),
      alert(HELK_RULE, 10, "C:\\Windows\\System32\\regsvr32.exe"),
    ];
    await es.bulk({ refresh: true, operations: docs.flatMap((d) => [{ index: { _index: "helk-alerts" } }, d]) });
    const list = await run(["list", "--json"]);
    expect(list.exitCode, list.stderr).toBe(0);
    const rows = (JSON.parse(list.stdout) as { rules: { title: string; alerts: number }[]; countsError?: string }).rules;
    const count = (title: string) => rows.find((r) => r.title === title)?.alerts;
    // Counted from the documents above, not from the code under test.
    expect(count(USER_RULE)).toBe(docs.filter((d) => d.rule_name.startsWith(USER_RULE)).length);
    expect(count(HELK_RULE)).toBe(1);
    expect(rows.filter((r) => r.title !== USER_RULE && r.title !== HELK_RULE).every((r) => r.alerts === 0)).toBe(true);
    const show = JSON.parse((await run(["show", "1d0f3a6e-1111", "--json", "--limit", "3"])).stdout) as {
      recent: { alertTime: string; match: { Image: string } }[];
    };
    expect(show.recent.map((a) => a.alertTime)).toEqual(
      docs
        .filter((d) => d.rule_name.startsWith(USER_RULE))
        .map((d) => d.alert_time)
        .sort()
        .reverse()
        .slice(0, 3),
    );
  });

  it("status: the last hour only, every loaded rule listed", async () => {
    const s = await alertsStatus(record, { timeoutMs: 2000, probes: true });
    expect(s.lastHour?.[USER_RULE]).toBe(2);
    expect(s.lastHour?.[`${USER_RULE} (joined)`]).toBe(1);
    expect(s.lastHour?.[HELK_RULE]).toBe(1);
    expect(s.total).toBe(4);
    expect(Object.values(s.lastHour ?? {}).filter((n) => n === 0).length).toBeGreaterThan(0);
  });
});
