/**
 * Failure injection on the real engine: each failure ends in a message that says what to
 * do, a distinct exit code, and nothing lost; a re-run resumes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELK_BIN, helk } from "../helpers/run-cli.js";
import { containerIds, createTestStack, requireStandinImages, STANDIN_UNHEALTHY, type TestStack } from "../helpers/test-stack.js";

beforeAll(requireStandinImages);

describe.sequential("a service that never becomes healthy, then a re-run that resumes", () => {
  let stack: TestStack;
  beforeAll(() => {
    // Real Elasticsearch can take a minute on a busy 2-core machine; the deadline must only catch logstash.
    stack = createTestStack("unhealthy", "core", { images: { logstash: STANDIN_UNHEALTHY }, timeouts: { healthSeconds: 90 } });
  });
  afterAll(() => stack.cleanup());

  it("exits 5 naming the service, its state, its last log lines and the log file", async () => {
    const r = await helk(["install", "--yes", ...stack.flags]);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toMatch(/error: not healthy after \d+ s: logstash \(state running, health (unhealthy|starting)/);
    expect(r.stderr).toMatch(/last \d+ log lines of logstash:/);
    expect(r.stderr).toContain("standin logstash: configured to stay unhealthy");
    expect(r.stderr).toContain(`full log: ${stack.logFile}`);
    expect(r.stderr).toContain("run `helk install` again");
    expect(readFileSync(stack.logFile, "utf8")).toContain("==== install FAILED: not healthy after");
  });

  it("after the fix, install resumes: same secrets, no duplicate containers", async () => {
    const secrets = stack.secrets();
    const idsBefore = await containerIds(stack.project);
    stack.writeConfig({ timeouts: { healthSeconds: 120 } });
    const r = await helk(["install", "--yes", ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(stack.secrets()).toEqual(secrets);
    const idsAfter = await containerIds(stack.project);
    expect(Object.keys(idsAfter).sort()).toEqual(Object.keys(idsBefore).sort());
    // Only logstash changed image, so only logstash was recreated.
    for (const s of ["kafka", "elasticsearch", "kibana", "nginx"]) expect(idsAfter[s], s).toBe(idsBefore[s]);
    expect(idsAfter.logstash).not.toBe(idsBefore.logstash);
  });

  it("a broken compose.yaml in the install home: day-2 commands say so; install repairs it", async () => {
    const file = join(stack.home, "compose.yaml");
    writeFileSync(file, "services:\n  kafka: [this is not\n");
    const start = await helk(["start", "kibana", ...stack.flags]);
    expect(start.exitCode).toBe(1);
    expect(start.stderr).toContain(`error: ${file} is not a valid compose file`);
    expect(start.stderr).toContain("run `helk install` again to regenerate it");
    const fix = await helk(["install", "--yes", ...stack.flags]);
    expect(fix.exitCode, fix.stderr).toBe(0);
    expect((await helk(["status", ...stack.flags])).exitCode).toBe(0);
  });
});

describe("preflight failures", () => {
  let stack: TestStack;
  let server: Server;
  beforeAll(async () => {
    stack = createTestStack("ports");
    server = createServer();
    await new Promise<void>((resolve) => server.listen(stack.ports.elasticsearch, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    server.close();
    await stack.cleanup();
  });

  it("a port in use: exit 3, names the port and the process, starts nothing", async () => {
    const r = await helk(["install", "--yes", ...stack.flags]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(`port ${stack.ports.elasticsearch} on 127.0.0.1 (elasticsearch) is in use by pid ${process.pid}`);
    expect(r.stderr).toContain("--set ports.NAME=PORT");
    expect(Object.keys(await containerIds(stack.project))).toEqual([]);
  });

  it("--skip-check with an unknown name is a usage error", async () => {
    const r = await helk(["install", "--yes", "--skip-check", "portz", ...stack.flags]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('unknown check "portz"');
  });

  it("not root: exit 3 with the sudo hint, before touching anything", async () => {
    const r = await execa(
      "runuser",
      [
        "-u",
        "nobody",
        "--",
        process.execPath,
        HELK_BIN,
        "install",
        "--yes",
        "--profile",
        "core",
        "--install-home",
        "/tmp/helk-nobody",
        "--log-file",
        "/tmp/helk-nobody.log",
      ],
      { reject: false },
    );
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain("helk install needs root");
    expect(r.stderr).toContain("sudo helk install");
  });

  it("an unreachable Docker engine: exit 4 with how to start it", async () => {
    const r = await helk(["install", "--yes", ...stack.flags], { env: { DOCKER_HOST: "unix:///tmp/helk-no-engine.sock" } });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain("Docker engine not found: /tmp/helk-no-engine.sock does not exist");
    const s = await helk(["status", "--install-home", "/nonexistent"], { env: { DOCKER_HOST: "unix:///tmp/helk-no-engine.sock" } });
    expect(s.exitCode).toBe(2);
  });

  it("an unattended install with no profile chosen exits 2 naming the flag", async () => {
    const r = await helk(["install", "--non-interactive", "--install-home", "/tmp/helk-x", "--log-file", "/tmp/helk-x.log"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("no profile chosen");
    expect(r.stderr).toContain("--profile NAME");
  });
});

describe.sequential("an interrupt during install, then a re-run", () => {
  let stack: TestStack;
  beforeAll(() => {
    stack = createTestStack("sigint");
  });
  afterAll(() => stack.cleanup());

  it("SIGINT exits 130; the re-run resumes with the same secrets", async () => {
    const child = execa(process.execPath, [HELK_BIN, "install", "--yes", ...stack.flags], { reject: false, stdin: "ignore" });
    // Interrupt once containers are being started: the worst moment for a half-done install.
    for (let i = 0; i < 300; i++) {
      let log = "";
      try {
        log = readFileSync(stack.logFile, "utf8");
      } catch {}
      if (log.includes("[start] start")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGINT");
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toContain("interrupted; run the same command again to resume");
    const secrets = stack.secrets();
    const again = await helk(["install", "--yes", ...stack.flags]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(stack.secrets()).toEqual(secrets);
    expect(Object.keys(await containerIds(stack.project)).length).toBe(5);
  });
});
