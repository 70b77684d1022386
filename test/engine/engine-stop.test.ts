/**
 * The Docker engine stops in the middle of an install: helk says so (exit 4), and once the
 * engine is back a re-run resumes with the same secrets. This test stops and restarts the
 * real engine, so it waits for it to answer again before it ends.
 */
import { existsSync, readFileSync } from "node:fs";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELK_BIN, helk } from "../helpers/run-cli.js";
import { containerIds, createTestStack, requireStandinImages, type TestStack } from "../helpers/test-stack.js";

const systemd = existsSync("/run/systemd/system");

async function engineUp(): Promise<boolean> {
  return (await execa("docker", ["info"], { reject: false })).exitCode === 0;
}

async function stopEngine(): Promise<void> {
  if (systemd) await execa("systemctl", ["stop", "docker.socket", "docker"]);
  else await execa("pkill", ["-TERM", "-x", "dockerd"]);
  // Gone means the process has exited, not only the API: a new dockerd refuses to start
  // while the old one still holds its pid file.
  const running = async () => (await execa("pgrep", ["-x", "dockerd"], { reject: false })).exitCode === 0;
  for (let i = 0; i < 120 && ((await engineUp()) || (!systemd && (await running()))); i++) await new Promise((r) => setTimeout(r, 500));
}

async function startEngine(): Promise<void> {
  if (systemd) await execa("systemctl", ["start", "docker"]);
  // Detached with stdin closed and output to a file, exactly as scripts/setup-host.sh starts it.
  else await execa("bash", ["-c", "setsid nohup dockerd >>/var/log/dockerd.log 2>&1 </dev/null &"]);
  for (let i = 0; i < 120 && !(await engineUp()); i++) await new Promise((r) => setTimeout(r, 500));
}

describe.sequential("the Docker engine stops during an install", () => {
  let stack: TestStack;
  beforeAll(async () => {
    await requireStandinImages();
    stack = createTestStack("engine");
  });
  afterAll(async () => {
    if (!(await engineUp())) await startEngine();
    await stack.cleanup();
  });

  it("exits 4 saying the engine is unreachable; after it is back, a re-run resumes", async () => {
    const child = execa(process.execPath, [HELK_BIN, "install", "--yes", ...stack.flags], { reject: false, stdin: "ignore" });
    for (let i = 0; i < 300; i++) {
      const log = existsSync(stack.logFile) ? readFileSync(stack.logFile, "utf8") : "";
      if (log.includes("[start] start")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000));
    await stopEngine();
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/Docker engine (not found|not reachable)/);
    expect(r.stderr).toMatch(/hint: (install and )?start it/);

    await startEngine();
    expect(await engineUp()).toBe(true);
    const secrets = stack.secrets();
    const again = await helk(["install", "--yes", ...stack.flags]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(stack.secrets()).toEqual(secrets);
    expect(Object.keys(await containerIds(stack.project)).sort()).toEqual(["elasticsearch", "kafka", "kibana", "logstash", "nginx"]);
  });
});
