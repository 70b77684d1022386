/** Preflight checks on a fake /proc and a scripted Docker client. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../compose/config/schema.js";
import { runPreflight } from "../../engine/host/preflight.js";
import { scriptedDocker } from "../helpers/fakes.js";

describe("preflight: vm.max_map_count", () => {
  it("reports a low value as fixable, and the fix raises and persists it", async () => {
    const root = mkdtempSync(join(tmpdir(), "helk-proc-"));
    mkdirSync(join(root, "sys", "vm"), { recursive: true });
    writeFileSync(join(root, "sys", "vm", "max_map_count"), "65530\n");
    const sysctlFile = join(root, "99-helk.conf");
    const config = { ...defaultConfig(), hostIp: "127.0.0.1", installHome: root };
    const { outcomes } = await runPreflight(
      {
        config,
        host: { memoryMiB: 16384, cpus: 2 },
        docker: scriptedDocker([[]]),
        ownPorts: new Set(),
        isRoot: true,
        procRoot: root,
        sysctlFile,
      },
      new Set(["ports", "disk", "engine", "memory", "root"]),
    );
    const check = outcomes.find((o) => o.name === "max-map-count");
    expect(check).toMatchObject({ ok: false, message: "vm.max_map_count is 65530; Elasticsearch needs at least 262144" });
    expect(check?.fix?.apply()).toBe(`vm.max_map_count=262144 (persisted in ${sysctlFile})`);
    expect(readFileSync(join(root, "sys", "vm", "max_map_count"), "utf8")).toBe("262144");
    expect(readFileSync(sysctlFile, "utf8")).toContain("vm.max_map_count=262144\n");
  });

  it("refuses too little memory for the profile, naming both figures", async () => {
    const config = { ...defaultConfig(), profile: "notebook-analysis" as const, hostIp: "127.0.0.1" };
    const { outcomes } = await runPreflight(
      { config, host: { memoryMiB: 6 * 1024, cpus: 2 }, docker: scriptedDocker([[]]), ownPorts: new Set(), isRoot: true },
      new Set(["ports", "disk", "engine", "max-map-count", "root"]),
    );
    expect(outcomes.find((o) => o.name === "memory")).toMatchObject({
      ok: false,
      exitCode: 3,
      message: "6.0 GiB memory is below the 12 GiB that profile notebook-analysis needs",
    });
  });

  it("asks 1.5 GiB more per extra broker of the three-broker layout", async () => {
    const config = { ...defaultConfig(), profile: "analysis" as const, hostIp: "127.0.0.1" };
    config.kafka = { ...config.kafka, brokers: 3 };
    const { outcomes } = await runPreflight(
      { config, host: { memoryMiB: 8 * 1024, cpus: 2 }, docker: scriptedDocker([[]]), ownPorts: new Set(), isRoot: true },
      new Set(["ports", "disk", "engine", "max-map-count", "root"]),
    );
    expect(outcomes.find((o) => o.name === "memory")).toMatchObject({
      ok: false,
      message: "8.0 GiB memory is below the 10 GiB that profile analysis needs",
    });
  });
});
