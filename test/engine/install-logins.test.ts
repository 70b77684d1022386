/**
 * Kibana starts with a login HELK sets (kibana_system), and the strict double, like the real
 * image, stays 503 until that login works. Before the logins were set ahead of the services,
 * install waited on Kibana's health while the password was set only after every service was
 * healthy: "not healthy after 120 s: kibana", and nginx never created. Here: a core install with
 * security on finishes; then a wiped Elasticsearch volume (`down --volumes`), where the official
 * image knows only `elastic` again, comes back healthy through `helk start`.
 */
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helk } from "../helpers/run-cli.js";
import { createTestStack, requireStandinImages, statusWhenReady, type TestStack } from "../helpers/test-stack.js";

let stack: TestStack;

async function kibanaSystemLogsIn(stack: TestStack): Promise<boolean> {
  const c = new Client({
    node: `http://127.0.0.1:${stack.ports.elasticsearch}`,
    auth: { username: "kibana_system", password: stack.secrets().kibanaSystemPassword as string },
  });
  try {
    return (await c.security.authenticate()).username === "kibana_system";
  } catch {
    return false;
  } finally {
    await c.close();
  }
}

describe.sequential("the services' logins are set before the services that use them start", () => {
  beforeAll(async () => {
    await requireStandinImages();
    stack = createTestStack("logins", "core", { security: { enabled: true } });
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("a core install with security on finishes, Kibana (the strict double) healthy, nginx created", async () => {
    const r = await helk(["install", "--non-interactive", "--yes", "--profile", "core", "--json", ...stack.flags]);
    expect(r.exitCode, `${r.stderr}\n${r.stdout.slice(-2000)}`).toBe(0);
    const result = JSON.parse(r.stdout) as { summary: { healthyAfterSeconds: Record<string, number> } };
    expect(Object.keys(result.summary.healthyAfterSeconds).sort()).toEqual(["elasticsearch", "kafka", "kibana", "logstash", "nginx"]);
    expect(await kibanaSystemLogsIn(stack)).toBe(true);
  });

  it("the install log shows the logins set before the full `up`", async () => {
    const { readFileSync } = await import("node:fs");
    const log = readFileSync(stack.logFile, "utf8");
    const logins = log.indexOf("[logins] user kibana_system: password set");
    const fullUp = log.search(/up -d --remove-orphans/);
    expect(logins).toBeGreaterThan(-1);
    expect(fullUp).toBeGreaterThan(logins);
  });

  it("after `down --volumes` (a new, empty Elasticsearch), `helk start` brings Kibana back healthy", async () => {
    const down = await helk(["down", "--volumes", "--force", ...stack.flags]);
    expect(down.exitCode, down.stderr).toBe(0);
    const start = await helk(["start", ...stack.flags]);
    expect(start.exitCode, start.stderr).toBe(0);
    expect(await kibanaSystemLogsIn(stack)).toBe(true);
    const { exitCode, status } = await statusWhenReady(stack, 150_000);
    const kibana = status.services.find((s) => s.name === "kibana");
    expect([exitCode, kibana?.probe], JSON.stringify(status.services)).toEqual([0, "ok"]);
  });
});
