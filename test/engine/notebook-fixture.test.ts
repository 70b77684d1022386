/**
 * The notebook fixture behaves like upstream quay.io/jupyter/pyspark-notebook where HELK depends
 * on it, above all in what upstream lacks: each row of test/fixtures/images/jupyter/CONTRACT.md.
 * A fixture that bakes in the Kafka connector or pip-installs PySpark (as the previous one did)
 * fails here, so HELK's own image must supply what upstream does not.
 */
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JUPYTER_FIXTURE, requireImages } from "../helpers/test-stack.js";

const IMAGE = JUPYTER_FIXTURE;
const SPARK_VERSION = IMAGE.split(":")[1] as string;

/** One command in a throwaway container; `entrypoint` bypasses start.sh and its hooks. */
const run = (args: string[], entrypoint?: string) =>
  execa("docker", ["run", "--rm", ...(entrypoint ? ["--entrypoint", entrypoint] : []), IMAGE, ...args], { reject: false });

describe("notebook fixture: upstream pyspark-notebook's layout", () => {
  beforeAll(() => requireImages([IMAGE], "run scripts/build-notebook-image.sh"));

  it("Spark is a distribution under /usr/local/spark, SPARK_HOME, its bin last on PATH, Java 17", async () => {
    const r = await run(
      [
        "-c",
        'readlink /usr/local/spark; echo "$SPARK_HOME"; echo "$PATH"; ls "$SPARK_HOME" | tr "\\n" " "; echo; ls "$SPARK_HOME/python/lib" | tr "\\n" " "; echo; java -version 2>&1 | head -n1',
      ],
      "bash",
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const [link, home, path, top, lib, java] = r.stdout.split("\n");
    expect(link).toBe(`spark-${SPARK_VERSION}-bin-hadoop3`);
    expect(home).toBe("/usr/local/spark");
    expect(path).toMatch(/:\/usr\/local\/spark\/bin$/);
    expect(top?.trim().split(" ")).toEqual(expect.arrayContaining(["bin", "conf", "jars", "python", "sbin"]));
    expect(lib?.trim().split(" ").sort()).toEqual(["py4j-0.10.9.9-src.zip", "pyspark.zip"]);
    expect(java).toMatch(/^openjdk version "17\./);
  });

  it("has no Kafka connector: reading Kafka fails", async () => {
    const jars = await run(["-c", 'ls "$SPARK_HOME/jars" | grep -c kafka || true'], "bash");
    expect(jars.stdout.trim()).toBe("0");
    const r = await run([
      "python3",
      "-c",
      "from pyspark.sql import SparkSession\n" +
        "s = SparkSession.builder.master('local[1]').getOrCreate()\n" +
        "s.read.format('kafka').option('kafka.bootstrap.servers', 'nowhere:9092').option('subscribe', 't').load()",
    ]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Failed to find data source: kafka/);
  }, 120_000);

  it("has no pip pyspark; PySpark only through start.sh's before-notebook hook", async () => {
    const pip = await run(["show", "pyspark"], "pip");
    expect(pip.exitCode).not.toBe(0);
    expect(pip.stderr).toContain("Package(s) not found: pyspark");
    // What `docker exec` runs: no hook, no PYTHONPATH, no pyspark.
    const bare = await run(["-c", "import pyspark"], "python3");
    expect(bare.stderr).toContain("No module named 'pyspark'");
    // What start.sh starts (the server, its kernels, a command given to the image).
    const hooked = await run(["python3", "-c", "import os, pyspark; print(pyspark.__file__); print(os.environ['PYTHONPATH'])"]);
    expect(hooked.exitCode, hooked.stderr).toBe(0);
    expect(hooked.stdout.split("\n")[0]).toBe("/usr/local/spark/python/pyspark/__init__.py");
    expect(hooked.stdout).toContain("/usr/local/spark/python/lib/py4j-0.10.9.9-src.zip");
  });

  it("runs as jovyan, uid 1000, gid 100, in /home/jovyan, and owns /home/jovyan/work", async () => {
    const cfg = JSON.parse((await execa("docker", ["image", "inspect", "-f", "{{json .Config}}", IMAGE])).stdout) as {
      User: string;
      WorkingDir: string;
    };
    expect([cfg.User, cfg.WorkingDir]).toEqual(["1000", "/home/jovyan"]);
    const r = await run(["-c", 'id; echo "$HOME"; stat -c %u:%g /home/jovyan/work'], "bash");
    expect(r.stdout.split("\n")).toEqual(["uid=1000(jovyan) gid=100(users) groups=100(users)", "/home/jovyan", "1000:100"]);
  });

  describe("starts JupyterLab through tini and start.sh; its root is /home/jovyan", () => {
    let id = "";
    beforeAll(async () => {
      id = (await execa("docker", ["run", "-d", "-e", "JUPYTER_TOKEN=fixture-token", "-p", "127.0.0.1::8888", IMAGE])).stdout.trim();
    });
    afterAll(async () => {
      if (id) await execa("docker", ["rm", "-f", "-v", id], { reject: false });
    });

    it("entrypoint, command, PID 1, the image's own healthcheck and the contents root", async () => {
      const cfg = JSON.parse((await execa("docker", ["image", "inspect", "-f", "{{json .Config}}", IMAGE])).stdout) as {
        Entrypoint: string[];
        Cmd: string[];
        Healthcheck?: { Test: string[] };
      };
      expect(cfg.Entrypoint).toEqual(["tini", "-g", "--", "start.sh"]);
      expect(cfg.Cmd).toEqual(["start-notebook.py"]);
      expect(cfg.Healthcheck?.Test.join(" ")).toContain("/etc/jupyter/docker_healthcheck.py");
      const until = Date.now() + 90_000;
      let health = "";
      while (Date.now() < until) {
        health = (await execa("docker", ["inspect", "-f", "{{.State.Health.Status}}", id])).stdout.trim();
        if (health === "healthy") break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(health).toBe("healthy");
      expect((await execa("docker", ["exec", id, "cat", "/proc/1/comm"])).stdout).toBe("tini");
      const port = (await execa("docker", ["port", id, "8888/tcp"])).stdout.split("\n")[0]?.split(":").at(-1);
      const contents = await fetch(`http://127.0.0.1:${port}/api/contents?token=fixture-token`);
      expect(contents.status).toBe(200);
      const names = ((await contents.json()) as { content: { name: string }[] }).content.map((c) => c.name);
      expect(names).toEqual(["work"]);
      expect([401, 403]).toContain((await fetch(`http://127.0.0.1:${port}/api/contents?token=wrong`)).status);
    }, 120_000);
  });
});
