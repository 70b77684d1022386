/**
 * HELK's Sigma rules as running alerts, real end to end: HELK's ElastAlert layer (images/elastalert)
 * built over the real ElastAlert 2 fixture (helk-test/elastalert2:2.31.0,
 * test/fixtures/images/elastalert2/CONTRACT.md), the real Elasticsearch fixture with security on
 * and HELK's index templates, the rules converted by `helk-sigma convert` in the image, and the
 * config HELK generates (compose/files/elastalert-config.ts). The four shared data sets are
 * indexed as Logstash writes them (HELK's pipeline run by test/helpers/logstash-eval.ts: Logstash
 * cannot run here) and as the join writes them (test/helpers/sigma-expected.ts joinedDocuments),
 * with event.ingested = now and their own 2020 @timestamps. The alerts in `helk-alerts` must be
 * exactly images/elastalert/sigma/EXPECTED.md, per rule and per data set.
 * ES_VERSION: the Elasticsearch fixture has no GET / (no rest-root module, see
 * test/fixtures/images/elasticsearch/CONTRACT.md), which ElastAlert asks for the version unless ES_VERSION is set
 * (elastalert/util.py get_version_from_cluster_info); the test sets it to the fixture's version.
 * HELK's service gets the same from the Elasticsearch image's tag (compose/services/elastalert.ts).
 * HELK's generated run_every (1 minute) stays: ElastAlert runs every rule once when it starts, and
 * the documents are indexed before that, so the first run sees them all (its window is the
 * config's buffer_time, 15 minutes, back from now on event.ingested).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@elastic/elasticsearch";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { defaultConfig } from "../../compose/config/schema.js";
import { indexTemplates } from "../../compose/elasticsearch-templates.js";
import { elastalertConfig } from "../../compose/files/elastalert-config.js";
import { elastalert } from "../../compose/services/elastalert.js";
import { until } from "../helpers/containers.js";
import { DoubleRunner, serviceContext } from "../helpers/double-runner.js";
import { ELASTALERT_FIXTURE, ES_FIXTURE } from "../helpers/doubles.js";
import { bulkIndex } from "../helpers/es-bulk.js";
import { buildHelkImage } from "../helpers/helk-image.js";
import { helkPipeline } from "../helpers/logstash-config.js";
import { fromKafka, runPipeline } from "../helpers/logstash-eval.js";
import { readMordorSet, readmeCounts } from "../helpers/mordor.js";
import { joinedDocuments, readExpected, type TargetKey, TECHNIQUES } from "../helpers/sigma-expected.js";
import { requireImages } from "../helpers/test-stack.js";

const PASSWORD = "ElastAlertSigma0001";
const HELK_RULES = new URL("../../images/elastalert/sigma/helk/", import.meta.url).pathname;
const INDEX_OF: Record<TargetKey, string> = {
  sysmon: "logs-endpoint-winevent-sysmon-*",
  winevent: "logs-endpoint-winevent-*",
  join: "sysmon-join*",
};
const runner = new DoubleRunner(`helktest-alerts-${process.pid}`);

interface ReportRule {
  id: string | null;
  title: string | null;
  file: string;
  origin: "helk" | "user";
  status: "ok" | "error";
  reason?: string;
  targets?: { name: string; index: string; query: string; file: string }[];
}

let image: string;
let dir: string;
const sub = (name: string) => join(dir, name);

/** `helk-sigma convert` in HELK's image as uid 1000, the user's folder read-only, as `helk rules` runs it. */
async function convert() {
  const r = await execa(
    "docker",
    [
      "run",
      "--rm",
      "--user",
      "1000",
      ...["-v", `${sub("user")}:/opt/helk/sigma/user:ro`, "-v", `${sub("rules")}:/out`, "-v", `${sub("report")}:/report`],
      image,
      ...[
        "helk-sigma",
        "convert",
        "--rules",
        "/opt/helk/sigma/helk",
        "--rules",
        "/opt/helk/sigma/user",
        "--out",
        "/out",
        "--report",
        "/report/report.json",
      ],
    ],
    { reject: false },
  );
  const report = JSON.parse(readFileSync(sub("report/report.json"), "utf8")) as { version: number; rules: ReportRule[] };
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, report, files: readdirSync(sub("rules")).sort() };
}

const helkRuleCount = () => readdirSync(HELK_RULES).filter((f) => f.endsWith(".yml")).length;
const helkFiles = () => TECHNIQUES.flatMap((t) => t.targets.map((k) => `${t.id}${k === "join" ? "-join" : ""}.yaml`)).sort();

beforeAll(async () => {
  await requireImages([ES_FIXTURE, ELASTALERT_FIXTURE], "run scripts/build-fixture-images.sh and scripts/build-elastalert-image.sh");
  image = await buildHelkImage("elastalert", ELASTALERT_FIXTURE, "helk-test/helk-elastalert:2.31.0");
  dir = mkdtempSync(join(tmpdir(), "helk-alerts-"));
  chmodSync(dir, 0o755);
  // Written by the image's uid 1000, as `helk rules` prepares them.
  for (const d of ["user", "rules", "report"]) {
    mkdirSync(sub(d));
    chmodSync(sub(d), 0o777);
  }
  await runner.init();
}, 600_000);
afterAll(async () => {
  await runner.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.sequential("helk-sigma convert in HELK's ElastAlert image", () => {
  it("converts every HELK rule: exit 0, only the report's path on stdout, one ElastAlert rule per target on event.ingested", async () => {
    const r = await convert();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("/report/report.json");
    expect(r.report.version).toBe(1);
    expect(r.report.rules).toHaveLength(helkRuleCount());
    for (const t of TECHNIQUES) {
      const rule = r.report.rules.find((x) => x.id === t.id);
      expect(rule, t.id).toMatchObject({ origin: "helk", status: "ok" });
      expect(rule?.targets?.map((x) => x.index)).toEqual(t.targets.map((k) => INDEX_OF[k]));
    }
    expect(r.files).toEqual(helkFiles());
    for (const f of r.files) {
      const rule = parseYaml(readFileSync(sub(`rules/${f}`), "utf8")) as Record<string, unknown>;
      expect(rule, f).toMatchObject({ type: "any", realert: { minutes: 0 }, timestamp_field: "event.ingested", alert: ["debug"] });
      expect(rule.name, f).toMatch(f.endsWith("-join.yaml") ? / \(joined\)$/ : /[^)]$/);
    }
  });

  it("refuses a malformed file, an unknown field and an uncollected log source (exit 2, a reason each); every other rule is written", async () => {
    writeFileSync(sub("user/broken.yml"), "title: broken\nstatus: test\n  oops: here\n");
    writeFileSync(
      sub("user/unknown-field.yml"),
      userRule("11111111-0000-4000-8000-000000000001", "Unknown field", "category: process_creation", "NoSuchField: x"),
    );
    writeFileSync(
      sub("user/linux.yml"),
      userRule(
        "11111111-0000-4000-8000-000000000002",
        "Linux rule",
        "product: linux\n  category: process_creation",
        "Image|endswith: /bash",
      ),
    );
    writeFileSync(
      sub("user/good.yml"),
      userRule("11111111-0000-4000-8000-000000000003", "User rule", "category: process_creation", "Image|endswith: '\\whoami.exe'"),
    );
    const r = await convert();
    expect(r.exitCode, r.stderr).toBe(2);
    const byFile = Object.fromEntries(r.report.rules.map((x) => [x.file, x]));
    expect(byFile["broken.yml"]).toMatchObject({ origin: "user", status: "error", id: null });
    expect(byFile["broken.yml"]?.reason).toMatch(
      /^YAML error at line 3, column \d+: mapping values are not allowed here; fix the file's syntax$/,
    );
    expect(byFile["unknown-field.yml"]?.reason).toMatch(/^unknown field NoSuchField \(HELK maps: .*\bCommandLine\b.*\)$/);
    expect(byFile["linux.yml"]?.reason).toMatch(
      /^log source product=linux, category=process_creation is not collected by HELK \(HELK collects: product=windows/,
    );
    expect(byFile["good.yml"]).toMatchObject({ origin: "user", status: "ok" });
    expect(r.report.rules.filter((x) => x.origin === "helk" && x.status === "ok")).toHaveLength(helkRuleCount());
    const user = ["11111111-0000-4000-8000-000000000003.yaml", "11111111-0000-4000-8000-000000000003-join.yaml"];
    expect(r.files).toEqual([...helkFiles(), ...user].sort());
  });

  it("removing a Sigma file removes its rule file; a rule file helk-sigma did not write stays", async () => {
    for (const f of ["broken.yml", "unknown-field.yml", "linux.yml", "good.yml"]) rmSync(sub(`user/${f}`));
    writeFileSync(sub("rules/hand-written.yaml"), "name: by hand\n");
    const r = await convert();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.files).toEqual([...helkFiles(), "hand-written.yaml"].sort());
    rmSync(sub("rules/hand-written.yaml"));
  });
});

/** A one-selection Sigma rule of the user's (`logsource` lines under product windows unless given). */
function userRule(id: string, title: string, logsource: string, selection: string): string {
  const source = logsource.startsWith("product:") ? logsource : `product: windows\n  ${logsource}`;
  return `title: ${title}\nid: ${id}\nlogsource:\n  ${source}\ndetection:\n  selection:\n    ${selection}\n  condition: selection\nlevel: low\n`;
}

const setKey = (file: string) => file.replace(/\.zip$/, "");
/** Sysmon's "yyyy-MM-dd HH:mm:ss.SSS" (UTC) as the join writes its times. */
const utc = (v: unknown) => (typeof v === "string" ? `${v.replace(" ", "T")}Z` : undefined);

/** Every data set as Logstash and the join index it, each document's _id naming its set. */
async function indexDataSets(es: Client): Promise<void> {
  const pipeline = helkPipeline();
  const now = Date.now();
  const ingested = new Date(now).toISOString();
  for (const { file } of readmeCounts()) {
    const set = await readMordorSet(file);
    const docs = set.events.flatMap((e) => runPipeline(pipeline, fromKafka(e, "winlogbeat", now)).outputs);
    const joined = joinedDocuments(set.events).map((d) => ({
      index: "sysmon-join",
      source: {
        ...d,
        "@timestamp": utc(d.network_time),
        process_time: utc(d.process_time),
        network_time: utc(d.network_time),
        event: { ingested },
      },
    }));
    const all = [...docs, ...joined].map((d, i) => ({ index: d.index, source: d.source, id: `${setKey(file)}:${i}` }));
    await bulkIndex(es, all, file);
  }
  await es.indices.refresh({ index: "logs-*,sysmon-join*" });
}

describe.sequential("ElastAlert 2 runs HELK's Sigma rules over the shared data sets", () => {
  let es: Client;
  let elastalertC: string;
  const config = defaultConfig();

  beforeAll(async () => {
    // The converted rules of HELK's folder alone (the previous describe left exactly those).
    const converted = await convert();
    if (converted.exitCode !== 0) throw new Error(`helk-sigma convert: ${converted.exitCode} ${converted.stderr}`);
    writeFileSync(sub("config.yaml"), elastalertConfig(config));
    chmodSync(sub("config.yaml"), 0o644);
    // Passwords through env files (0600, read by the docker CLI), never in argv.
    writeFileSync(sub("es.env"), `ELASTIC_PASSWORD=${PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(sub("elastalert.env"), `ES_PASSWORD=${PASSWORD}\nES_VERSION=8.19.5\n`, { mode: 0o600 });
    const esC = await runner.start("es", [
      ...["--network-alias", "elasticsearch", "-p", "127.0.0.1::9200", "--env-file", sub("es.env")],
      ...["-e", "discovery.type=single-node", "-e", "xpack.security.enabled=true", "-e", "ES_JAVA_OPTS=-Xms512m -Xmx512m"],
      ES_FIXTURE,
    ]);
    const port = (await execa("docker", ["port", esC, "9200/tcp"])).stdout.split("\n")[0]?.split(":").pop();
    es = new Client({ node: `http://127.0.0.1:${port}`, auth: { username: "elastic", password: PASSWORD } });
    await until("Elasticsearch answers as elastic", 180_000, async () =>
      (await es.cluster.health({ wait_for_status: "yellow", timeout: "5s" })) ? true : undefined,
    );
    for (const t of indexTemplates()) await es.indices.putIndexTemplate({ name: t.name, ...(t.body as object) });
    await indexDataSets(es);
    elastalertC = await runner.start("elastalert", [
      ...["-v", `${sub("config.yaml")}:/opt/elastalert/config.yaml:ro`, "-v", `${sub("rules")}:/opt/elastalert/rules:ro`],
      ...["--env-file", sub("elastalert.env")],
      image,
    ]);
  }, 900_000);
  afterAll(async () => {
    await es?.close();
  });

  it("every HELK rule raises exactly EXPECTED.md's alerts on each data set, and none on another", async () => {
    const report = JSON.parse(readFileSync(sub("report/report.json"), "utf8")) as { rules: ReportRule[] };
    const names = report.rules.flatMap((r) => r.targets ?? []).map((t) => t.name);
    // Each rule writes its status once it has run; alerts go in before (elastalert.py run_rule).
    await until("every rule ran once", 240_000, async () => {
      const s = await es.search({ index: "helk-alerts_status", size: 0, aggs: { r: { terms: { field: "rule_name", size: 100 } } } });
      const ran = ((s.aggregations?.r as { buckets?: { key: string }[] } | undefined)?.buckets ?? []).map((b) => b.key);
      return names.every((n) => ran.includes(n)) ? true : undefined;
    }).catch(async (err) => {
      throw new Error(`${err}\nElastAlert's log:\n${(await runner.logs(elastalertC)).split("\n").slice(-40).join("\n")}`);
    });
    await es.indices.refresh({ index: "helk-alerts" });
    const hits = await es.search<{ rule_name: string; alert_sent: boolean; match_body: { _id: string; "@timestamp": string } }>({
      index: "helk-alerts",
      size: 1000,
      query: { match_all: {} },
    });
    const got: Record<string, Record<string, number>> = {};
    for (const h of hits.hits.hits) {
      const a = h._source;
      if (!a) continue;
      expect(a.alert_sent, a.rule_name).toBe(true);
      // The 2020 events fired on their arrival, not their @timestamp.
      expect(a.match_body["@timestamp"]).toMatch(/^2020-/);
      const set = `${a.match_body._id.split(":")[0]}.zip`;
      got[a.rule_name] = { ...got[a.rule_name], [set]: (got[a.rule_name]?.[set] ?? 0) + 1 };
    }
    const { sets, counts } = readExpected();
    const want: Record<string, Record<string, number>> = {};
    for (const r of report.rules) {
      for (const t of r.targets ?? []) {
        const key = `${r.id} ${t.file.endsWith("-join.yaml") ? "join" : t.index === INDEX_OF.sysmon ? "sysmon" : "winevent"}`;
        const perSet = Object.fromEntries(sets.map((s) => [s, counts[key]?.[s] ?? Number.NaN]).filter(([, n]) => n !== 0));
        if (Object.keys(perSet).length) want[t.name] = perSet;
      }
    }
    expect(got).toEqual(want);
  }, 300_000);

  it("the generated healthcheck passes in the running ElastAlert", async () => {
    const ctx = serviceContext(["elasticsearch", "elastalert"], config);
    const check = await runner.exec(elastalertC, ["sh", "-c", elastalert(ctx).healthcheck.test[1] as string]);
    expect(check.exitCode, check.stderr).toBe(0);
  });
});

describe("the ElastAlert 2 fixture has upstream's layout (test/fixtures/images/elastalert2/CONTRACT.md)", () => {
  it("runs as elastalert (uid 1000) in /opt/elastalert with python3, pip, curl, jq, TZ=UTC and run.sh", async () => {
    const r = await runner.once([
      ...["--entrypoint", "sh", ELASTALERT_FIXTURE, "-c"],
      'id -un; id -u; id -g; pwd; echo "$TZ"; cat run.sh; command -v python3 pip curl jq elastalert elastalert-create-index >/dev/null && echo tools',
    ]);
    expect(r.stdout.split("\n")).toEqual([
      "elastalert",
      "1000",
      "1000",
      "/opt/elastalert",
      "UTC",
      "#!/bin/sh",
      "set -e",
      "elastalert-create-index --config /opt/elastalert/config.yaml",
      'elastalert --config /opt/elastalert/config.yaml "$@"',
      "tools",
    ]);
  });

  it("stops without its config file (run.sh's set -e), rather than waiting", async () => {
    // Without a config, create-index asks for the host on stdin (create_index.py main); with no
    // terminal that read fails, and run.sh stops before ElastAlert starts.
    const r = await runner.once([ELASTALERT_FIXTURE], 60_000);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Enter Elasticsearch host: .*EOFError|EOFError: EOF when reading a line/s);
    expect(r.stderr).not.toMatch(/Starting up|elastalert\.py/);
  });

  it("refuses to start when Elasticsearch cannot be reached", async () => {
    const r = await runner.once(
      [
        ...["-v", `${sub("config.yaml")}:/opt/elastalert/config.yaml:ro`, "-e", "ES_HOST=nowhere.invalid", "-e", "ES_VERSION=8.19.5"],
        ELASTALERT_FIXTURE,
      ],
      120_000,
    );
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/ConnectionError|Failed to establish a new connection|Name or service not known/);
  });
});
