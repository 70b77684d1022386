/**
 * The Logstash double against its contract (test/fixtures/images/doubles/logstash/CONTRACT.md):
 * the upstream image's user, default files (the sample pipeline included), env2yaml and the
 * pipelines it loads, run with the environment HELK's compose model gives logstash. HELK's old
 * image layer, which copied its files beside the sample, must show the sample loaded.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logstash } from "../../compose/services/logstash.js";
import { DoubleRunner, envFlags, serviceContext } from "../helpers/double-runner.js";
import { LOGSTASH_DOUBLE } from "../helpers/doubles.js";
import { requireImages } from "../helpers/test-stack.js";

const ROOT = join(import.meta.dirname, "../..");
const runner = new DoubleRunner(`helktest-lsdouble-${process.pid}`);
const ctx = serviceContext(["kafka", "elasticsearch", "logstash"]);
/** The model's env, plus the password its env file would hold when security is on. */
const env = (extra: Record<string, string> = {}): string[] => envFlags(logstash, ctx, { HELK_ES_PASSWORD: "from-env-file", ...extra });

interface Vertex {
  config_name: string;
  meta: { source: { id: string } };
}
type Pipelines = Record<string, { graph: { graph: { vertices: Vertex[] } } }>;

/** HELK's Logstash layer before issue 19: its files beside the sample, a glob over that folder. */
const OLD_LAYER = {
  Dockerfile: `ARG BASE_IMAGE\nFROM \${BASE_IMAGE}\nCOPY pipelines.yml /usr/share/logstash/config/pipelines.yml\nCOPY pipeline/ /usr/share/logstash/pipeline/\n`,
  "pipelines.yml": `- pipeline.id: helk-kafka-to-es\n  path.config: "/usr/share/logstash/pipeline/*.conf"\n`,
};

async function loaded(container: string): Promise<Pipelines> {
  const r = await runner.waitFor(container, ["curl", "-fsS", "http://localhost:9600/_node/pipelines?graph=true"]);
  return (JSON.parse(r.stdout) as { pipelines: Pipelines }).pipelines;
}

const names = (p: Pipelines, id: string): string[] => (p[id]?.graph.graph.vertices ?? []).map((v) => v.config_name);

beforeAll(async () => {
  await requireImages([LOGSTASH_DOUBLE], "run scripts/build-test-images.sh");
  await runner.init();
});
afterAll(() => runner.cleanup());

describe("Logstash double: the upstream image as shipped", () => {
  it("runs as logstash (uid 1000) in /usr/share/logstash, with curl and upstream's default files", async () => {
    const r = await runner.once([
      "--entrypoint",
      "sh",
      LOGSTASH_DOUBLE,
      "-c",
      "id -un; id -u; pwd; command -v curl; cat config/pipelines.yml | grep -v '^#' | grep .; tr -s ' \\n' ' ' < pipeline/logstash.conf",
    ]);
    expect(r.stdout.split("\n")).toEqual([
      "logstash",
      "1000",
      "/usr/share/logstash",
      "/usr/bin/curl",
      "- pipeline.id: main",
      '  path.config: "/usr/share/logstash/pipeline"',
      "input { beats { port => 5044 } } output { stdout { codec => rubydebug } } ",
    ]);
  });

  it("maps the model's settings into logstash.yml through env2yaml, and ignores other variables", async () => {
    // bash, as upstream's entrypoint: dash would drop the dotted variable names before env2yaml sees them.
    const r = await runner.once([
      ...env(),
      "--entrypoint",
      "bash",
      LOGSTASH_DOUBLE,
      "-c",
      "env2yaml config/logstash.yml >/dev/null && cat config/logstash.yml",
    ]);
    const yml = r.stdout.split("\n");
    expect(yml).toEqual(
      expect.arrayContaining(["api.http.host: 0.0.0.0", "xpack.monitoring.enabled: false", "pipeline.ecs_compatibility: disabled"]),
    );
    expect(r.stdout).not.toMatch(/HELK_ES_URL|helk_es_url|LS_JAVA_OPTS/);
  });

  it("loads and reports the sample pipeline (beats -> stdout) when nothing replaces it", async () => {
    const c = await runner.start("bare", [...env(), LOGSTASH_DOUBLE]);
    const p = await loaded(c);
    expect(Object.keys(p)).toEqual(["main"]);
    expect(names(p, "main")).toEqual(["beats", "stdout"]);
  });

  it("refuses an invalid pipeline.ecs_compatibility at start", async () => {
    const r = await runner.once([...env({ "pipeline.ecs_compatibility": "v7" }), LOGSTASH_DOUBLE]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toContain('invalid value "v7" for pipeline.ecs_compatibility');
  });
});

describe("Logstash double with HELK's image layer", () => {
  it("HELK's OLD layer also loads the sample: its beats input and stdout output join HELK's pipeline", async () => {
    // The old layer's context: HELK's pipeline files plus the Dockerfile and pipelines.yml above.
    const dir = mkdtempSync(join(tmpdir(), "helk-ls-old-"));
    cpSync(join(ROOT, "images/logstash/pipeline"), join(dir, "pipeline"), { recursive: true });
    for (const [f, text] of Object.entries(OLD_LAYER)) writeFileSync(join(dir, f), text);
    const old = await runner.build("logstash-old", dir, { BASE_IMAGE: LOGSTASH_DOUBLE });
    const c = await runner.start("old", [...env(), old]);
    const p = await loaded(c);
    expect(Object.keys(p)).toEqual(["helk-kafka-to-es"]);
    expect(names(p, "helk-kafka-to-es")).toEqual(expect.arrayContaining(["kafka", "beats", "stdout", "elasticsearch"]));
    expect(p["helk-kafka-to-es"]?.graph.graph.vertices.map((v) => v.meta.source.id)).toContain(
      "/usr/share/logstash/pipeline/logstash.conf",
    );
  });

  it("HELK's layer (images/logstash) loads only HELK's files", async () => {
    const image = await runner.build("logstash-helk", join(ROOT, "images/logstash"), { BASE_IMAGE: LOGSTASH_DOUBLE });
    const c = await runner.start("helk", [...env(), image]);
    const p = await loaded(c);
    expect(Object.keys(p)).toEqual(["helk-kafka-to-es"]);
    expect(names(p, "helk-kafka-to-es")).not.toContain("beats");
    expect(names(p, "helk-kafka-to-es")).not.toContain("stdout");
    const files = new Set(p["helk-kafka-to-es"]?.graph.graph.vertices.map((v) => v.meta.source.id));
    expect([...files].every((f) => f.startsWith("/usr/share/logstash/helk-pipeline/"))).toBe(true);
    expect(readFileSync(join(ROOT, "images/logstash/pipelines.yml"), "utf8")).not.toContain("/usr/share/logstash/pipeline/");
  });

  it("refuses HELK's pipeline when a variable it names has no value (the model must set each one)", async () => {
    const image = await runner.build("logstash-helk", join(ROOT, "images/logstash"), { BASE_IMAGE: LOGSTASH_DOUBLE });
    const flags = env().filter((f, i, all) => !(f.startsWith("HELK_ES_URL=") || all[i + 1]?.startsWith("HELK_ES_URL=")));
    const r = await runner.once([...flags, image]);
    expect(r.exitCode).not.toBe(0);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Logstash's own ${VAR} syntax, quoted in its message
    expect(r.stdout).toContain("Cannot evaluate `${HELK_ES_URL}`");
  });
});
