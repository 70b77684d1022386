/**
 * `helk rules` as a user runs it: the built CLI with a fake `docker` first on PATH that answers
 * only the converter's `docker run` of the contract (test/helpers/fake-docker-sigma.ts). Exit
 * codes, what is printed, and — run as `nobody` — that a user who is not root is stopped with
 * exit 3 before any file changes.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { installFakeDocker } from "../helpers/fake-docker-sigma.js";
import { FAKE_HELK_RULES } from "../helpers/fake-sigma-converter.js";
import { rulesHome, SIGMA, sigmaFolder } from "../helpers/rules-home.js";
import { HELK_BIN, helk } from "../helpers/run-cli.js";

let bin: string;
beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), "helk-fake-docker-"));
  installFakeDocker(bin);
});
const run = (home: string, args: string[]) =>
  helk(["rules", ...args, "--install-home", home], { env: { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` } });
const helkId = FAKE_HELK_RULES[0]?.text.match(/^id: (.+)$/m)?.[1] as string;

describe("helk rules (fake converter)", () => {
  it("add, all loaded: exit 0, one line per rule and the active count; list shows both origins", async () => {
    const { home } = rulesHome({ alerting: true });
    const r = await run(home, ["add", sigmaFolder({ "bits.yml": SIGMA.bitsadmin })]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('loaded   detections/bits.yml  "Bitsadmin download"');
    expect(r.stdout).toContain("2 rules active: 1 HELK's, 1 yours");
    const list = await run(home, ["list", "--json"]);
    expect(list.exitCode, list.stderr).toBe(0);
    const j = JSON.parse(list.stdout) as { rules: { origin: string; state: string; alerts: number | null }[]; countsError: string };
    expect(j.rules.map((x) => [x.origin, x.state, x.alerts])).toEqual([
      ["helk", "loaded", null],
      ["user", "loaded", null],
    ]);
    // Elasticsearch is not running here: the list still prints, the counts say why they are unknown.
    expect(j.countsError).toContain("Elasticsearch did not answer");
  });

  it("add, some refused: exit 11, each reason printed, the refused files not kept; --json says the same", async () => {
    const { home } = rulesHome({ alerting: true });
    const src = sigmaFolder({ "ok.yml": SIGMA.bitsadmin, "broken.yml": SIGMA.brokenYaml, "linux.yml": SIGMA.linux });
    const r = await run(home, ["add", src, "--json"]);
    expect(r.exitCode, r.stderr).toBe(11);
    const j = JSON.parse(r.stdout) as { refused: number; rules: { file: string; state: string; reason?: string }[] };
    expect(j.refused).toBe(2);
    expect(j.rules.find((x) => x.file === "detections/linux.yml")?.reason).toContain("product=linux");
    expect(readdirSync(join(home, "rules/sigma/detections"))).toEqual(["ok.yml"]);
    const text = await run(home, ["add", join(sigmaFolder({ "b.yml": SIGMA.brokenYaml }), "b.yml")]);
    expect(text.exitCode).toBe(11);
    expect(text.stdout).toMatch(/refused {2}b\.yml\n {9}YAML error at line \d+/);
    expect(text.stderr).toContain("1 refused: kept out of");
  });

  it("remove of a HELK rule: exit 2, says it is built in; of a user's rule: exit 0 and it is gone", async () => {
    const { home } = rulesHome({ alerting: true });
    await run(home, ["add", sigmaFolder({ "bits.yml": SIGMA.bitsadmin })]);
    const builtIn = await run(home, ["remove", helkId]);
    expect(builtIn.exitCode).toBe(2);
    expect(builtIn.stderr).toContain("is one of HELK's own rules");
    const r = await run(home, ["remove", "detections/bits.yml"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("removed rules/sigma/detections/bits.yml");
    expect(readdirSync(join(home, "config/elastalert/rules"))).toEqual([".keep", `${helkId}.yaml`]);
  });

  it("show: the query and the index it runs on", async () => {
    const { home } = rulesHome({ alerting: true });
    await run(home, ["add", sigmaFolder({ "bits.yml": SIGMA.bitsadmin })]);
    const r = await run(home, ["show", "1d0f3a6e-1111"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("index logs-endpoint-winevent-sysmon-*");
    expect(r.stdout).toContain("query Image:*\\bitsadmin.exe*");
    expect(r.stdout).toContain("alerts so far: ?");
  });

  it("show --limit that is no whole number above 0: exit 2 naming the flag, before anything is asked", async () => {
    const { home } = rulesHome({ alerting: true });
    for (const bad of ["abc", "0", "-3", "2.5"]) {
      const r = await run(home, ["show", "1d0f3a6e-1111", "--limit", bad]);
      expect(r.exitCode, bad).toBe(2);
      expect(r.stderr).toContain(`--limit expects a whole number above 0, got "${bad}"`);
    }
  });

  it("an install without the alerting add-on: exit 2 and how to add it; nothing converted", async () => {
    const { home } = rulesHome({ alerting: false });
    for (const args of [["list"], ["add", sigmaFolder({ "a.yml": SIGMA.bitsadmin })]]) {
      const r = await run(home, args);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain("has no alerting add-on");
      expect(r.stderr).toContain("sudo helk reconfigure --addon alerting");
    }
  });
});

describe("helk rules run by a user who is not root", () => {
  it.each([["add"], ["remove"], ["convert"], ["disable"]])("%s: exit 3 with the sudo command, and rules/sigma unchanged", async (verb) => {
    const parent = mkdtempSync(join(tmpdir(), "helk-rules-nobody-"));
    chmodSync(parent, 0o711);
    const { home } = rulesHome({ alerting: true, parent });
    const src = sigmaFolder({ "a.yml": SIGMA.bitsadmin });
    chmodSync(join(src, ".."), 0o755);
    const args = verb === "add" ? [src] : verb === "convert" ? [] : ["detections/a.yml"];
    const before = readFileSync(join(home, "helk.install.json"), "utf8");
    const r = await execa("runuser", ["-u", "nobody", "--", process.execPath, HELK_BIN, "rules", verb, ...args, "--install-home", home], {
      reject: false,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      extendEnv: false,
    });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain(`cannot change ${home}: it belongs to root`);
    expect(r.stderr).toContain(`sudo helk rules ${verb}`);
    expect(readdirSync(home).sort()).toEqual(["config", "helk.install.json"]);
    expect(readFileSync(join(home, "helk.install.json"), "utf8")).toBe(before);
  });
});
