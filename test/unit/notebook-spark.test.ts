/**
 * The notebook profile's Spark: one Spark version for the default image, HELK's image, the test
 * fixture and the Kafka connector; the Spark cluster on HELK's notebook image with a health
 * check that real Spark passes; the notebooks where Jupyter shows them, with a read-only
 * Elasticsearch login of their own.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configSchema, DEFAULT_IMAGES } from "../../compose/config/schema.js";
import { buildComposeModel } from "../../compose/model.js";
import { renderInstallFiles } from "../../compose/render.js";
import { SPARK_WORKER_DIR } from "../../compose/services/notebook.js";
import { JUPYTER_FIXTURE } from "../helpers/doubles.js";
import { configFor, renderInput, SECRETS } from "../helpers/fixtures.js";

const repo = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const HELK_DOCKERFILE = repo("images/jupyter/Dockerfile");
const FIXTURE_PIN = /^pyspark==(\S+)$/m.exec(repo("test/fixtures/images/jupyter/requirements.txt"))?.[1];

describe("one Spark version", () => {
  it("the default notebook image, HELK's Dockerfile default and the test fixture run the same Spark", () => {
    expect(FIXTURE_PIN).toMatch(/^4\.\d+\.\d+$/);
    // docker-stacks tags pyspark-notebook by the Spark it installs.
    expect(DEFAULT_IMAGES.jupyter).toBe(`quay.io/jupyter/pyspark-notebook:spark-${FIXTURE_PIN}`);
    expect(HELK_DOCKERFILE).toContain(`ARG BASE_IMAGE=${DEFAULT_IMAGES.jupyter}\n`);
    expect(JUPYTER_FIXTURE).toBe(`helk-test/pyspark-notebook:${FIXTURE_PIN}`);
  });

  it("there is no separate Spark image to drift: the cluster runs images.jupyter", () => {
    expect(Object.keys(DEFAULT_IMAGES)).not.toContain("spark");
    expect(Object.values(DEFAULT_IMAGES).filter((i) => /spark/.test(i))).toEqual([DEFAULT_IMAGES.jupyter]);
  });

  it("a config or install record that still names images.spark loads (and the setting is unused)", () => {
    const parsed = configSchema.safeParse({ images: { spark: "apache/spark:3.5.3" } });
    expect(parsed.success).toBe(true);
    const spec = buildComposeModel(
      renderInput({ ...configFor("notebook-analysis"), images: { ...DEFAULT_IMAGES, spark: "apache/spark:3.5.3" } }),
    );
    expect(JSON.stringify(spec)).not.toContain("apache/spark");
  });

  it("the Kafka connector is resolved for the image's own Spark and Scala build, at image build time", () => {
    const bake = repo("images/jupyter/build/bake-spark-kafka.sh");
    expect(bake).toContain("connector=org.apache.spark:spark-sql-kafka-0-10_$spark_scala:$spark_version");
    expect(HELK_DOCKERFILE).toMatch(/^RUN bash \/tmp\/helk-build\/bake-spark-kafka\.sh/m);
    // Nothing fetched at run time: the job no longer asks Spark for packages.
    const job = repo("images/jupyter/jobs/sysmon_join.py");
    expect(job).not.toMatch(/config\("spark\.jars\.packages"/);
    for (const nb of readdirSync(new URL("../../images/jupyter/notebooks/", import.meta.url))) {
      const code = (JSON.parse(repo(`images/jupyter/notebooks/${nb}`)) as { cells: { source: string[] }[] }).cells
        .map((c) => c.source.join(""))
        .join("\n");
      // GraphFrames is used only when its package and jar are already in the image.
      expect(code, nb).not.toContain("spark.jars.packages");
    }
  });
});

describe("the Spark cluster (notebook-analysis)", () => {
  const config = configFor("notebook-analysis");
  const spec = buildComposeModel(renderInput(config));
  const s = spec.services;

  it("spark-master and spark-worker run HELK's notebook image, the one jupyter and stream-join run", () => {
    const notebookImage = `${config.projectName}/jupyter:0.1.0-test`;
    expect([s.jupyter?.image, s["stream-join"]?.image, s["spark-master"]?.image, s["spark-worker"]?.image]).toEqual(
      Array(4).fill(notebookImage),
    );
  });

  it("the master's check does not look for its RPC port on 127.0.0.1, where --host spark-master does not listen", () => {
    const master = s["spark-master"];
    expect(master?.command).toEqual(expect.arrayContaining(["--host", "spark-master"]));
    const check = master?.healthcheck.test[1] ?? "";
    expect(check).not.toMatch(/127\.0\.0\.1\/7077|localhost\/7077/);
    expect(check).toContain("http://127.0.0.1:8080/json/");
    expect(check).toContain("'ALIVE'");
  });

  it("the worker works in a dir HELK's image creates and owns, kept in a volume", () => {
    const worker = s["spark-worker"];
    expect(worker?.command).toEqual(expect.arrayContaining(["--work-dir", SPARK_WORKER_DIR, "spark://spark-master:7077"]));
    expect(worker?.volumes).toEqual([`spark-work:${SPARK_WORKER_DIR}`]);
    expect(HELK_DOCKERFILE).toContain(`mkdir -p /var/lib/helk/checkpoints ${SPARK_WORKER_DIR}`);
    expect(HELK_DOCKERFILE).toContain("chown -R 1000:100 /var/lib/helk");
    expect(JSON.stringify(spec)).not.toContain("/opt/spark");
  });
});

describe("notebooks (point 9)", () => {
  it("are copied under Jupyter's root, /home/jovyan, and not under the jupyter-notebooks volume", () => {
    const spec = buildComposeModel(renderInput(configFor("notebook-analysis")));
    expect(spec.services.jupyter?.volumes).toEqual(["jupyter-notebooks:/home/jovyan/work"]);
    const dest = /^COPY (?:--\S+ )*notebooks\/ (\S+)$/m.exec(HELK_DOCKERFILE)?.[1];
    expect(dest).toBe("/home/jovyan/helk-notebooks/");
    expect(dest?.startsWith("/home/jovyan/work")).toBe(false);
  });

  it("read Elasticsearch as their own read-only user, its password only in the 0600 env file", () => {
    const input = renderInput(configFor("notebook-analysis"));
    const spec = buildComposeModel(input);
    expect(spec.services.jupyter?.environment?.HELK_ES_USER).toBe("helk_notebook_reader");
    expect(JSON.stringify(spec)).not.toContain(SECRETS.notebookReaderPassword);
    const env = renderInstallFiles(input).find((f) => f.path === "secrets/jupyter.env");
    expect(env?.mode).toBe(0o600);
    expect(env?.content.split("\n")).toEqual(
      expect.arrayContaining([`HELK_ES_PASSWORD=${SECRETS.notebookReaderPassword}`, `JUPYTER_TOKEN=${SECRETS.jupyterToken}`]),
    );
  });

  it("with security off, get no user and no password", () => {
    const base = configFor("lab");
    const input = renderInput({ ...base, security: { ...base.security, enabled: false } });
    expect(buildComposeModel(input).services.jupyter?.environment?.HELK_ES_USER).toBeUndefined();
    expect(renderInstallFiles(input).find((f) => f.path === "secrets/jupyter.env")?.content).toBe(
      `JUPYTER_TOKEN=${SECRETS.jupyterToken}\n`,
    );
  });
});
