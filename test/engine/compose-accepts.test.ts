/**
 * Every generated compose file is accepted by the real Docker Compose CLI (v2, and the
 * docker-compose v1 fallback), through `helk install --dry-run --output` as a user runs it.
 */

import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { SECRET_KEYS } from "../../compose/secrets.js";
import { COMBINATIONS, comboName } from "../helpers/fixtures.js";
import { helk } from "../helpers/run-cli.js";

const HOST_IP = "192.0.2.10";

async function dryRun(args: string[]): Promise<{ dir: string; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "helk-dry-"));
  const r = await helk(["install", "--dry-run", "--yes", "--host-ip", HOST_IP, "--output", dir, ...args]);
  expect(r.exitCode, r.stderr).toBe(0);
  return { dir, stdout: r.stdout, stderr: r.stderr };
}

describe("docker compose accepts every generated compose file", () => {
  it("the Compose v2 plugin is installed (scripts/test.sh provides it)", async () => {
    const r = await execa("docker", ["compose", "version", "--short"], { reject: false });
    expect(r.exitCode, "docker compose v2 plugin missing").toBe(0);
  });

  for (const combo of COMBINATIONS) {
    const flags = ["--profile", combo.profile, ...combo.addons.flatMap((a) => ["--addon", a])];
    it(`${comboName(combo)}: v2 and v1 say config -q is fine`, async () => {
      const { dir, stderr } = await dryRun(flags);
      expect(stderr).toMatch(/validate: done \(accepted by docker compose/);
      const v2 = await execa("docker", ["compose", "-f", join(dir, "compose.yaml"), "config", "-q"], { reject: false, all: true });
      expect(v2.exitCode, v2.all).toBe(0);
      const v1 = await execa("docker-compose", ["-f", join(dir, "compose.yaml"), "config", "-q"], { reject: false, all: true });
      expect(v1.exitCode, v1.all).toBe(0);
    });
  }

  it("security off renders a file Compose accepts too", async () => {
    const { dir } = await dryRun(["--profile", "notebook-analysis", "--set", "security.enabled=false"]);
    const r = await execa("docker", ["compose", "-f", join(dir, "compose.yaml"), "config", "-q"], { reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
  });
});

describe("the foundation's acceptance run: notebook-analysis + alerting", () => {
  it("has every service with a healthcheck, no secret in compose.yaml, secrets 0600", async () => {
    const { dir } = await dryRun(["--profile", "notebook-analysis", "--addon", "alerting"]);
    const { stdout } = await execa("docker", [
      "compose",
      "-f",
      join(dir, "compose.yaml"),
      "--profile",
      "tools",
      "config",
      "--format",
      "json",
    ]);
    const model = JSON.parse(stdout) as { services: Record<string, { image: string; healthcheck?: { test: string[] } }> };
    const names = Object.keys(model.services).sort();
    expect(names).toEqual(
      [
        "elastalert",
        "elasticsearch",
        "jupyter",
        "kafka",
        "kibana",
        "ksqldb-cli",
        "ksqldb-server",
        "logstash",
        "nginx",
        "spark-master",
        "spark-worker",
        "stream-join",
      ].sort(),
    );
    for (const [name, s] of Object.entries(model.services)) expect(s.healthcheck?.test?.length, name).toBeGreaterThan(1);

    const state = JSON.parse(readFileSync(join(dir, "secrets", "helk-state.json"), "utf8")) as { secrets: Record<string, string> };
    const compose = readFileSync(join(dir, "compose.yaml"), "utf8");
    const env = readFileSync(join(dir, ".env"), "utf8");
    const values = Object.values(state.secrets);
    expect(values.length).toBe(SECRET_KEYS.length);
    for (const v of values) {
      expect(compose.includes(v), "secret in compose.yaml").toBe(false);
      expect(env.includes(v), "secret in .env").toBe(false);
    }
    // htpasswd is the one exception: nginx's workers must read it, and it holds only a salted hash.
    for (const f of readdirSync(join(dir, "secrets"))) {
      expect(statSync(join(dir, "secrets", f)).mode & 0o777, f).toBe(f === "htpasswd" ? 0o644 : 0o600);
    }
    expect(statSync(join(dir, "secrets")).mode & 0o777).toBe(0o700);
  });

  it("a second dry run into the same folder reuses the secrets and changes nothing", async () => {
    const { dir } = await dryRun(["--profile", "analysis"]);
    const before = readFileSync(join(dir, "secrets", "helk-state.json"), "utf8");
    const again = await helk(["install", "--dry-run", "--json", "--profile", "analysis", "--host-ip", HOST_IP, "--output", dir]);
    expect(again.exitCode, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout) as { files: { change: string }[]; compose: { checked: boolean } };
    expect(result.compose.checked).toBe(true);
    expect(new Set(result.files.map((f) => f.change))).toEqual(new Set(["unchanged"]));
    expect(readFileSync(join(dir, "secrets", "helk-state.json"), "utf8")).toBe(before);
  });

  it("prints no secret on stdout or stderr", async () => {
    const dir = mkdtempSync(join(tmpdir(), "helk-dry-"));
    const r = await helk([
      "install",
      "--dry-run",
      "--profile",
      "notebook-analysis",
      "--addon",
      "alerting",
      "--host-ip",
      HOST_IP,
      "--output",
      dir,
    ]);
    const state = JSON.parse(readFileSync(join(dir, "secrets", "helk-state.json"), "utf8")) as { secrets: Record<string, string> };
    for (const v of Object.values(state.secrets)) expect(`${r.stdout}\n${r.stderr}`.includes(v)).toBe(false);
  });
});
