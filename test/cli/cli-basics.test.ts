import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../engine/errors.js";
import { HELK_BIN, helk } from "../helpers/run-cli.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

describe("helk CLI basics", () => {
  it("--version prints the package version", async () => {
    const r = await helk(["--version"]);
    expect(r).toMatchObject({ exitCode: 0, stdout: pkg.version });
  });

  it.each([[[]], [["profiles"]], [["config"]], [["config", "validate"]], [["install"]]])(
    "%j --help shows usage and examples",
    async (cmd) => {
      const r = await helk([...cmd, "--help"]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^Usage: helk/);
      expect(r.stdout).toContain("Examples:");
    },
  );

  it("--help names every exit code helk can return", async () => {
    const r = await helk(["--help"]);
    const line = /Exit codes: (.+)\./.exec(r.stdout.replace(/\n/g, " "))?.[1] ?? "";
    const listed = [...line.matchAll(/(?:^|, )(\d+) /g)].map((m) => Number(m[1]));
    expect(listed).toEqual(
      Object.values(ExitCode)
        .map(Number)
        .sort((a, b) => a - b),
    );
    expect(line).toContain("10 Kafka refused or unreachable");
  });

  it("an unknown flag exits 2 and says how to get help", async () => {
    const r = await helk(["profiles", "--frobnicate"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown option '--frobnicate'");
    expect(r.stderr).toContain("--help");
  });

  it("an unknown command exits 2", async () => {
    const r = await helk(["instal"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'instal'.*\n?.*install/s);
  });
});

describe("helk profiles", () => {
  it("prints a table of profiles and add-ons", async () => {
    const r = await helk(["profiles"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^PROFILE\s+RAM\s+DISK\s+SERVICES$/m);
    expect(r.stdout).toMatch(/^notebook-analysis\s+12 GiB\s+25 GiB\s+kafka, .*jupyter, spark-master, spark-worker, stream-join$/m);
    expect(r.stdout).toMatch(/^alerting\s+\+0.5 GiB/m);
  });

  it("--json lists services and minimums", async () => {
    const r = await helk(["profiles", "--json"]);
    const data = JSON.parse(r.stdout) as { profiles: { name: string; services: string[]; minRamGiB: number; minDiskGiB: number }[] };
    expect(data.profiles.map((p) => p.name)).toEqual(["lab", "core", "analysis", "notebook-analysis"]);
    expect(data.profiles[2]).toMatchObject({ minRamGiB: 7, minDiskGiB: 20 });
    expect(data.profiles[3]?.services).toContain("jupyter");
  });
});

describe("helk config", () => {
  it("shows each setting with its source: flag > env > file > default", async () => {
    const dir = mkdtempSync(join(tmpdir(), "helk-cli-"));
    const file = join(dir, "site.json");
    writeFileSync(file, JSON.stringify({ profile: "core", hostIp: "192.0.2.7", ports: { kafka: 19092 } }));
    const r = await helk(["config", "--config", file, "--host-ip", "192.0.2.8"], { env: { HELK_PROFILE: "analysis" } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^profile\s+analysis\s+env HELK_PROFILE$/m);
    expect(r.stdout).toMatch(/^hostIp\s+192\.0\.2\.8\s+flag --host-ip$/m);
    expect(r.stdout).toMatch(new RegExp(`^ports\\.kafka\\s+19092\\s+file ${file}$`, "m"));
    expect(r.stdout).toMatch(/^installHome\s+\/opt\/helk\s+default$/m);
  });

  it("--json gives config and sources", async () => {
    const r = await helk(["config", "--json", "--set", "kafka.topics.winlogbeat.partitions=6"]);
    const data = JSON.parse(r.stdout) as {
      config: { kafka: { topics: { winlogbeat: { partitions: number } } } };
      sources: Record<string, string>;
    };
    expect(data.config.kafka.topics.winlogbeat.partitions).toBe(6);
    expect(data.sources["kafka.topics.winlogbeat.partitions"]).toBe("flag --set kafka.topics.winlogbeat.partitions");
  });

  it("--defaults prints a file that validates", async () => {
    const dir = mkdtempSync(join(tmpdir(), "helk-cli-"));
    const r = await helk(["config", "--defaults"]);
    writeFileSync(join(dir, "d.json"), r.stdout);
    const v = await helk(["config", "validate", join(dir, "d.json")]);
    expect(v).toMatchObject({ exitCode: 0, stdout: `${join(dir, "d.json")}: valid` });
  });

  it("validate reports all three mistakes of a file with paths and hints, exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "helk-cli-"));
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ profile: "notebook", addonz: [], kafka: { topics: { winlogbeat: { partitions: 0 } } } }, null, 2));
    const r = await helk(["config", "validate", file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`error: ${file}: 3 problems`);
    expect(r.stderr).toContain("$.profile: Invalid option");
    expect(r.stderr).toContain("hint: one of: lab, core, analysis, notebook-analysis");
    expect(r.stderr).toContain('$.addonz: unknown key "addonz"');
    expect(r.stderr).toContain('hint: did you mean "addons"?');
    expect(r.stderr).toContain("$.kafka.topics.winlogbeat.partitions: Too small");
  });

  it("validate --json reports the errors as data", async () => {
    const dir = mkdtempSync(join(tmpdir(), "helk-cli-"));
    const file = join(dir, "bad.json");
    writeFileSync(file, '{ "profile": "core", }');
    const r = await helk(["config", "validate", file, "--json"]);
    expect(r.exitCode).toBe(2);
    const data = JSON.parse(r.stdout) as { valid: boolean; errors: { message: string }[] };
    expect(data.valid).toBe(false);
    expect(data.errors[0]?.message).toMatch(/not valid JSON at line 1/);
  });

  it("install with an invalid config file exits 2 before doing anything", async () => {
    const dir = mkdtempSync(join(tmpdir(), "helk-cli-"));
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ profile: "huge", ports: { https: 0 }, memory: { kafkaHeap: "lots" } }));
    const r = await helk(["install", "--dry-run", "--config", file, "--output", join(dir, "out")]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("error: the configuration has 3 problems");
  });

  it("a bad --set is a usage error", async () => {
    const r = await helk(["config", "--set", "profile"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("--set expects KEY=VALUE");
  });
});

describe("output to a closed pipe", () => {
  it("exits quietly when the reader is gone (helk profiles | true)", async () => {
    const r = await execa("bash", ["-c", `set -o pipefail; node ${HELK_BIN} profiles | true`], { reject: false });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
  });
});
