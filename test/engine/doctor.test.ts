/**
 * `helk doctor` on the real engine, against problems this test causes: a clean install first
 * (no errors), then a port another process holds, a host address that no longer matches what
 * Kafka advertises, and a service that is OOM-killed at its memory limit in a restart loop;
 * and the support bundle, searched for every secret of the install.
 */
import { readdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ELASTALERT_FIXTURE } from "../helpers/doubles.js";
import { helk } from "../helpers/run-cli.js";
import { containerIds, createTestStack, requireImages, requireStandinImages, type TestStack } from "../helpers/test-stack.js";

interface DoctorJson {
  ok: boolean;
  findings: { id: string; severity: string; subject: string; message: string; fix: string }[];
  bundle?: { file: string; entries: string[] };
}
const HOG = `helktest-doctor-hog-${process.pid}:1`;
const HELK_SIGMA = new URL("../../images/elastalert/sigma/helk/", import.meta.url).pathname;
let stack: TestStack;
let holder: Server | undefined;

const doctor = async (...args: string[]) => {
  const r = await helk(["doctor", "--json", ...args, ...stack.flags]);
  return { exitCode: r.exitCode, report: JSON.parse(r.stdout) as DoctorJson, stderr: r.stderr };
};
const ids = (d: DoctorJson) => d.findings.map((f) => `${f.id} ${f.subject}`);

describe.sequential("helk doctor finds what this test breaks", () => {
  beforeAll(async () => {
    await requireStandinImages();
    // Grows until the kernel kills it at the container's memory limit. ElastAlert's image, whose
    // run.sh (what HELK's layer, images/elastalert, starts) is replaced by the hog: `helk install`
    // builds HELK's layer on whatever images.elastalert is.
    await requireImages([ELASTALERT_FIXTURE], "run scripts/build-elastalert-image.sh");
    const hog = "import time\\nheap = []\\nwhile True:\\n    heap.append(bytearray(64 * 1024 * 1024))\\n    time.sleep(0.05)\\n";
    await execa("docker", ["build", "-q", "-t", HOG, "-"], {
      input: `FROM ${ELASTALERT_FIXTURE}\nUSER root\nRUN printf '${hog}' >/opt/hog.py && printf '#!/bin/sh\\nexec python3 /opt/hog.py\\n' >/opt/elastalert/run.sh\nUSER elastalert\n`,
    });
    stack = createTestStack("doctor", "core");
    const r = await helk(["install", "--non-interactive", "--yes", ...stack.flags]);
    if (r.exitCode !== 0) throw new Error(`install failed (${r.exitCode}): ${r.stderr}`);
  });
  afterAll(async () => {
    holder?.close();
    await stack?.cleanup();
    await execa("docker", ["image", "rm", "-f", HOG], { reject: false });
  });

  it("a healthy install: exit 0, no errors", async () => {
    const d = await doctor();
    expect(d.exitCode, JSON.stringify(d.report.findings)).toBe(0);
    expect(d.report.findings.filter((f) => f.severity === "error")).toEqual([]);
    const text = await helk(["doctor", ...stack.flags]);
    expect(text.stdout).toMatch(/no problems found|0 errors/);
  });

  it("a changed host address: Kafka's advertised listener no longer matches, with the fix", async () => {
    const d = await doctor("--host-ip", "127.0.0.2");
    expect(d.exitCode).toBe(1);
    const f = d.report.findings.find((x) => x.id === "kafka.advertised-listener");
    expect(f?.message).toBe(
      `Kafka advertises 127.0.0.1:${stack.ports.kafka} to clients, but this host is now reached at 127.0.0.2:${stack.ports.kafka}: Winlogbeat connects, then fails to produce`,
    );
    expect(f?.fix).toMatch(/^sudo helk install --host-ip 127\.0\.0\.2 /);
  });

  it("a port another process holds while its service is down", async () => {
    expect((await helk(["stop", "logstash", ...stack.flags])).exitCode).toBe(0);
    holder = createServer();
    await new Promise<void>((resolve) => holder?.listen(stack.ports.logstashApi, "127.0.0.1", resolve));
    const d = await doctor();
    expect(d.exitCode).toBe(1);
    expect(ids(d.report)).toEqual(expect.arrayContaining(["host.port-taken logstash api", "container.exited logstash"]));
    const f = d.report.findings.find((x) => x.id === "host.port-taken");
    expect(f?.message).toBe(
      `port ${stack.ports.logstashApi} on 127.0.0.1 (logstash api) is held by pid ${process.pid} (node), not by HELK`,
    );
    await new Promise<void>((resolve) => holder?.close(() => resolve()));
    holder = undefined;
    expect((await helk(["start", "logstash", ...stack.flags])).exitCode).toBe(0);
  });

  it("a service OOM-killed at its limit and restarting: named, with the memory fix", async () => {
    // ElastAlert (a fixed 512 MiB limit) running an image that only grows.
    // 10 s (the least allowed): Elasticsearch is stopped, recreated, and its own healthcheck first
    // runs 10 s after its start, so it never passes in time.
    stack.writeConfig({ addons: ["alerting"], images: { elastalert: HOG }, timeouts: { healthSeconds: 10 } });
    // Adding it resizes Elasticsearch, which is recreated first, alone (its logins and templates
    // go in before anything that writes starts); the short health deadline ends the install there,
    // before ElastAlert has a container; it is then started by hand.
    const install = await helk(["install", "--non-interactive", "--yes", ...stack.flags]);
    expect(install.exitCode, install.stderr).toBe(5);
    expect(install.stderr).toMatch(/not healthy after \d+ s: elasticsearch/);
    expect(Object.keys(await containerIds(stack.project))).not.toContain("elastalert");
    // The install's rules step ran before that (it precedes Elasticsearch's start): HELK's own
    // Sigma rules are in place for ElastAlert's first start.
    const rules = readdirSync(join(stack.home, "config", "elastalert", "rules")).filter((f) => f.endsWith(".yaml"));
    expect(rules.length, install.stderr).toBeGreaterThanOrEqual(readdirSync(HELK_SIGMA).filter((f) => f.endsWith(".yml")).length);
    // `helk start` waits for Elasticsearch with the same 10 s: let it finish starting first.
    const es = `${stack.project}-elasticsearch-1`;
    for (let i = 0; i < 120; i++) {
      const h = await execa("docker", ["inspect", "-f", "{{.State.Health.Status}}", es], { reject: false });
      if (h.stdout.trim() === "healthy") break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    // An interrupted start leaves a container created but never started: doctor names it with
    // the command that starts it.
    const created = await execa(
      "docker",
      ["compose", "--project-name", stack.project, "--file", join(stack.home, "compose.yaml"), "create", "--no-recreate", "elastalert"],
      { reject: false, all: true },
    );
    expect(created.exitCode, created.all).toBe(0);
    const notStarted = await doctor();
    const finding = notStarted.report.findings.find((x) => x.id === "container.not-started" && x.subject === "elastalert");
    expect(finding?.fix, JSON.stringify(notStarted.report.findings)).toBe("sudo helk start elastalert");
    expect(notStarted.exitCode).not.toBe(0);
    const started = await helk(["start", ...stack.flags]);
    expect(started.exitCode, started.stderr).toBe(0);
    // The OOM flag is visible while the container waits to be restarted: most of the time.
    let d = await doctor();
    // Both: the OOM flag, and restarts enough to count as a loop (it takes a few kills).
    const both = () =>
      ids(d.report).includes("container.oom-killed elastalert") && ids(d.report).includes("container.restart-loop elastalert");
    for (let i = 0; i < 90 && !both(); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      d = await doctor();
    }
    expect(ids(d.report)).toEqual(expect.arrayContaining(["container.oom-killed elastalert", "container.restart-loop elastalert"]));
    const f = d.report.findings.find((x) => x.id === "container.oom-killed");
    expect(f?.message).toMatch(/^elastalert was killed for lack of memory \(OOM-killed at its container limit\), restarted \d+x$/);
    expect(f?.fix).toContain("give the host more memory");
  });

  it("--bundle writes a support archive with logs and config and no secret in it", async () => {
    const file = `${stack.dir}/support.tar.gz`;
    const d = await doctor("--bundle", file);
    expect(d.report.bundle?.entries).toEqual(
      expect.arrayContaining([
        "doctor.json",
        "versions.txt",
        "install-home/compose.yaml",
        "install-home/helk.install.json",
        "helk-install.log",
        "logs/kafka.log",
        "logs/elasticsearch.log",
      ]),
    );
    const listing = await execa("tar", ["-tzf", file]);
    expect(listing.stdout.split("\n")).not.toContain("secrets/helk-state.json");
    const all = await execa("tar", ["-xzOf", file], { maxBuffer: 1 << 28 });
    for (const [name, value] of Object.entries(stack.secrets())) {
      if (value.length >= 6) expect(all.stdout.includes(value), `secret ${name} in the bundle`).toBe(false);
    }
    expect(all.stdout).toContain("helk-sysmon");
  });
});
