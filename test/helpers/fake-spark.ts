/**
 * Fake Spark layouts for the tests of images/jupyter/build/bake-*.sh: a $SPARK_HOME with a
 * spark-core jar (from which the scripts read Spark's and Scala's versions), the jars Spark
 * "already ships", and bin/spark-submit replaced by a test's stub. Each is removed after the test.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

const homes: string[] = [];
afterEach(() => {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

/** A Spark layout with `core` as its spark-core jar, Spark's own `sparkJars` (empty files) and `stub` as spark-submit. */
export function fakeSparkHome(core: string, sparkJars: string[], stub: string): string {
  const home = mkdtempSync(join(tmpdir(), "helk-bake-"));
  homes.push(home);
  mkdirSync(join(home, "jars"));
  mkdirSync(join(home, "bin"));
  for (const jar of [core, ...sparkJars]) writeFileSync(join(home, "jars", jar), "");
  writeFileSync(join(home, "bin", "spark-submit"), stub);
  chmodSync(join(home, "bin", "spark-submit"), 0o755);
  return home;
}
