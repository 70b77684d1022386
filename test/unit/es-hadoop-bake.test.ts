/**
 * images/jupyter/build/bake-es-hadoop.sh decides from the image's spark-core jar alone whether
 * ES-Hadoop can be baked in: run here on fake Spark layouts whose spark-submit is a stub that
 * records its arguments and "resolves" like Spark's resolver (Ivy-named jars in
 * spark.jars.ivy/jars). The real resolution and the real images: test/engine/es-hadoop.test.ts.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { fakeSparkHome } from "../helpers/fake-spark.js";

const BAKE = new URL("../../images/jupyter/build/bake-es-hadoop.sh", import.meta.url).pathname;
const DOCKERFILE = readFileSync(new URL("../../images/jupyter/Dockerfile", import.meta.url), "utf8");

// Writes its argv to $SPARK_HOME/submit.args and the jars Ivy would name into the ivy folder.
const STUB = `#!/usr/bin/env bash
here=$(cd "$(dirname "$0")/.." && pwd)
printf '%s\\n' "$@" >"$here/submit.args"
for a in "$@"; do case $a in spark.jars.ivy=*) ivy=\${a#spark.jars.ivy=} ;; esac; done
mkdir -p "$ivy/jars"
touch "$ivy/jars/org.elasticsearch_elasticsearch-spark-30_2.12-9.5.6.jar" "$ivy/jars/org.slf4j_slf4j-api-2.0.6.jar" "$ivy/jars/javax.xml.bind_jaxb-api-2.3.1.jar"
`;

/** A Spark layout with `core` as its spark-core jar and Spark's own slf4j-api. */
const sparkHome = (core: string) => fakeSparkHome(core, ["slf4j-api-2.0.6.jar"], STUB);

const bake = (home: string) =>
  execa("bash", [BAKE], { reject: false, env: { SPARK_HOME: home, ES_HADOOP_VERSION: "9.5.6" }, extendEnv: true });

describe("bake-es-hadoop.sh", () => {
  it.each([
    ["spark-core_2.13-4.2.0.jar", "4.2.0", "2.13"],
    ["spark-core_2.12-3.5.1.jar", "3.5.1", "2.12"],
    ["spark-core_2.13-3.4.4.jar", "3.4.4", "2.13"],
  ])("%s: says in one line that ES-Hadoop is not available and why, succeeds, resolves nothing", async (core, spark, scala) => {
    const home = sparkHome(core);
    const r = await bake(home);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      `bake-es-hadoop: ES-Hadoop is not available for Spark ${spark} (Scala ${scala}): elasticsearch-spark-30_2.12 9.5.6 runs on Spark 3.4.x with Scala 2.12 only (Spark 3.5 breaks it, elastic/elasticsearch-hadoop#2210); notebooks use the Elasticsearch Python client`,
    ]);
    expect(existsSync(join(home, "submit.args"))).toBe(false);
    expect(readdirSync(join(home, "jars")).sort()).toEqual([core, "slf4j-api-2.0.6.jar"].sort());
  });

  it("Spark 3.4 / Scala 2.12: resolves the coordinate without the modules its POM lists but nobody publishes, adds what Spark lacks", async () => {
    const home = sparkHome("spark-core_2.12-3.4.4.jar");
    const r = await bake(home);
    expect(r.exitCode, r.stderr).toBe(0);
    const args = readFileSync(join(home, "submit.args"), "utf8").split("\n");
    expect(args.slice(0, 4)).toEqual([
      "--packages",
      "org.elasticsearch:elasticsearch-spark-30_2.12:9.5.6",
      "--exclude-packages",
      "org.elasticsearch:elasticsearch-hadoop-mr,org.elasticsearch:elasticsearch-spark_2.12,org.apache.spark:spark-yarn_2.12",
    ]);
    // Spark's own slf4j-api stays the only one.
    expect(readdirSync(join(home, "jars")).sort()).toEqual([
      "elasticsearch-spark-30_2.12-9.5.6.jar",
      "jaxb-api-2.3.1.jar",
      "slf4j-api-2.0.6.jar",
      "spark-core_2.12-3.4.4.jar",
    ]);
    expect(r.stdout).toBe(`bake-es-hadoop: added to ${join(home, "jars")}: jaxb-api-2.3.1.jar elasticsearch-spark-30_2.12-9.5.6.jar`);
    // A second run (an image that already has it) resolves nothing.
    rmSync(join(home, "submit.args"));
    expect((await bake(home)).stdout).toBe(`bake-es-hadoop: ${join(home, "jars")} already has ES-Hadoop`);
    expect(existsSync(join(home, "submit.args"))).toBe(false);
  });

  it("HELK's notebook image runs it at build time with the version as a build argument", () => {
    expect(DOCKERFILE).toMatch(/^ARG ES_HADOOP_VERSION=9\.5\.6$/m);
    expect(DOCKERFILE).toMatch(/^ && bash \/tmp\/helk-build\/bake-es-hadoop\.sh \\$/m);
  });
});
