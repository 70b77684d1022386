/**
 * images/jupyter/build/bake-graphframes.sh on fake Spark layouts whose spark-submit is a stub
 * that records its arguments and either "resolves" like Spark's resolver (Ivy-named jars in
 * spark.jars.ivy/jars) or fails as Ivy does on a coordinate no repository serves. The Python
 * side runs for real: python3 is a fresh virtualenv's, and pip installs graphframes-py from a
 * hand-made wheel in a local folder (PIP_NO_INDEX / PIP_FIND_LINKS), so `import graphframes`
 * is checked by the script itself. The real resolve (not served here): the image build.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeSparkHome } from "../helpers/fake-spark.js";

const BAKE = new URL("../../images/jupyter/build/bake-graphframes.sh", import.meta.url).pathname;
const DOCKERFILE = readFileSync(new URL("../../images/jupyter/Dockerfile", import.meta.url), "utf8");

// Records its argv in $SPARK_HOME/submit.args; RESOLVES=1 puts Ivy-named jars in the ivy folder
// (GraphFrames, its own GraphX, and a scala-library Spark already ships), else it fails like Ivy.
const STUB = `#!/usr/bin/env bash
here=$(cd "$(dirname "$0")/.." && pwd)
printf '%s\\n' "$@" >"$here/submit.args"
for a in "$@"; do case $a in spark.jars.ivy=*) ivy=\${a#spark.jars.ivy=} ;; io.graphframes:*) c=$a ;; esac; done
if [ "\${RESOLVES:-}" != 1 ]; then
  echo ":: \${c/:/#} : not found"
  echo "Exception in thread \\"main\\" java.lang.RuntimeException: [unresolved dependency: \${c/:/#}: not found]" >&2
  exit 1
fi
a=\${c#io.graphframes:}; v=\${a#*:}; a=\${a%%:*}
mkdir -p "$ivy/jars"
touch "$ivy/jars/io.graphframes_$a-$v.jar" "$ivy/jars/io.graphframes_\${a/graphframes-/graphframes-graphx-}-$v.jar" "$ivy/jars/org.scala-lang_scala-library-2.13.16.jar"
`;

// One virtualenv (its python3 first on PATH, so the host's Python is never changed) and a folder
// with a graphframes-py 0.12.0 wheel whose module says where it came from. The tests run in
// order: the unresolved ones first prove nothing was installed, then the resolved one installs.
let venv: string;
let wheels: string;
beforeAll(() => {
  venv = mkdtempSync(join(tmpdir(), "helk-gf-venv-"));
  execFileSync("python3", ["-m", "venv", venv]);
  wheels = mkdtempSync(join(tmpdir(), "helk-gf-wheels-"));
  // A wheel is a zip with the package and its dist-info; pip needs METADATA, WHEEL and RECORD.
  execFileSync("python3", [
    "-c",
    `import zipfile, sys
d = "graphframes_py-0.12.0.dist-info"
files = {"graphframes/__init__.py": "SOURCE = 'graphframes-py 0.12.0'\\n",
         d + "/METADATA": "Metadata-Version: 2.1\\nName: graphframes-py\\nVersion: 0.12.0\\n",
         d + "/WHEEL": "Wheel-Version: 1.0\\nGenerator: helk-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
files[d + "/RECORD"] = "".join(f"{n},,\\n" for n in files) + d + "/RECORD,,\\n"
with zipfile.ZipFile(sys.argv[1] + "/graphframes_py-0.12.0-py3-none-any.whl", "w") as z:
    for n, t in files.items(): z.writestr(n, t)`,
    wheels,
  ]);
}, 60_000);
afterAll(() => {
  rmSync(venv, { recursive: true, force: true });
  rmSync(wheels, { recursive: true, force: true });
});

/** A Spark layout with `core` as its spark-core jar and Spark's own scala-library. */
const sparkHome = (core: string) => fakeSparkHome(core, ["scala-library-2.13.16.jar"], STUB);

/** Runs the bake with the venv's python3 and pip, which only sees the local wheel folder. */
const bake = (home: string, resolves: boolean) =>
  execa("bash", [BAKE], {
    reject: false,
    env: {
      SPARK_HOME: home,
      GRAPHFRAMES_VERSION: "0.12.0",
      RESOLVES: resolves ? "1" : "0",
      PATH: `${join(venv, "bin")}:${process.env.PATH}`,
      PIP_NO_INDEX: "1",
      PIP_FIND_LINKS: wheels,
      PIP_DISABLE_PIP_VERSION_CHECK: "1",
    },
    extendEnv: true,
  });

const importGraphframes = () =>
  execa(join(venv, "bin", "python3"), ["-c", "import graphframes; print(graphframes.SOURCE)"], { reject: false });

describe("bake-graphframes.sh", () => {
  it.each([
    ["spark-core_2.13-4.2.0.jar", "io.graphframes:graphframes-spark4_2.13:0.12.0"],
    ["spark-core_2.12-3.4.4.jar", "io.graphframes:graphframes-spark3_2.12:0.12.0"],
  ])("%s, not served: asks Spark's resolver for %s, says so in one line, succeeds, adds nothing", async (core, coordinate) => {
    const home = sparkHome(core);
    const r = await bake(home, false);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(join(home, "submit.args"), "utf8").split("\n").slice(0, 2)).toEqual(["--packages", coordinate]);
    expect(r.stdout.split("\n")).toEqual([
      `bake-graphframes: GraphFrames is not available from the configured repositories (${coordinate} did not resolve): the notebooks answer the graph questions with DataFrame joins; to have it, build HELK's notebook image on a machine whose Maven repository serves ${coordinate} (\`helk install\` there, or \`helk images save\` there and \`helk images load\` here)`,
    ]);
    expect(readdirSync(join(home, "jars")).sort()).toEqual([core, "scala-library-2.13.16.jar"].sort());
    expect((await importGraphframes()).exitCode).not.toBe(0);
  });

  it("Spark 4.2 / Scala 2.13, served: copies the jars Spark lacks, installs graphframes-py of the same version, imports it", async () => {
    const home = sparkHome("spark-core_2.13-4.2.0.jar");
    const r = await bake(home, true);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readdirSync(join(home, "jars")).sort()).toEqual([
      "graphframes-graphx-spark4_2.13-0.12.0.jar",
      "graphframes-spark4_2.13-0.12.0.jar",
      "scala-library-2.13.16.jar",
      "spark-core_2.13-4.2.0.jar",
    ]);
    expect(r.stdout).toContain(
      `bake-graphframes: added to ${join(home, "jars")}: graphframes-graphx-spark4_2.13-0.12.0.jar graphframes-spark4_2.13-0.12.0.jar`,
    );
    expect((await importGraphframes()).stdout).toBe("graphframes-py 0.12.0");
    // A second run (an image that already has both) resolves and installs nothing.
    rmSync(join(home, "submit.args"));
    const again = await bake(home, true);
    expect(again.stdout).toBe(`bake-graphframes: ${join(home, "jars")} already has graphframes-spark4_2.13`);
    expect(existsSync(join(home, "submit.args"))).toBe(false);
  });

  it("a resolver failure that is not 'not found' fails the build with Spark's last lines", async () => {
    const home = sparkHome("spark-core_2.13-4.2.0.jar");
    writeFileSync(join(home, "bin", "spark-submit"), "#!/usr/bin/env bash\necho 'JAVA_HOME is not set' >&2\nexit 1\n");
    const r = await bake(home, true);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("bake-graphframes: Spark's resolver failed on io.graphframes:graphframes-spark4_2.13:0.12.0");
    expect(r.stderr).toContain("JAVA_HOME is not set");
  });

  it("HELK's notebook image runs it at build time with the version as a build argument", () => {
    expect(DOCKERFILE).toMatch(/^ARG GRAPHFRAMES_VERSION=0\.12\.0$/m);
    expect(DOCKERFILE).toMatch(/^ && bash \/tmp\/helk-build\/bake-graphframes\.sh \\$/m);
  });
});
