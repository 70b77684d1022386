import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envLayer, flagLayer, parseConfigText, resolveConfig } from "../../compose/config/resolve.js";
import { defaultConfig } from "../../compose/config/schema.js";
import { loadConfigResult } from "../../engine/config-loader.js";

const file = (data: unknown) => parseConfigText(JSON.stringify(data), "site.json").layer!;

describe("configuration precedence: flags > HELK_* env > file > defaults", () => {
  const cases = [
    { name: "defaults only", file: {}, env: {}, flags: [], profile: "analysis", source: "default" },
    { name: "file over default", file: { profile: "core" }, env: {}, flags: [], profile: "core", source: "file site.json" },
    {
      name: "env over file",
      file: { profile: "core" },
      env: { HELK_PROFILE: "notebook-analysis" },
      flags: [],
      profile: "notebook-analysis",
      source: "env HELK_PROFILE",
    },
    {
      name: "flag over env",
      file: { profile: "core" },
      env: { HELK_PROFILE: "notebook-analysis" },
      flags: [{ path: "profile", value: "analysis", flag: "--profile" }],
      profile: "analysis",
      source: "flag --profile",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = resolveConfig([file(c.file), envLayer(c.env).layer, flagLayer(c.flags).layer]);
      expect(r.errors).toEqual([]);
      expect(r.value?.profile).toBe(c.profile);
      const s = r.sources.profile!;
      expect(s.kind === "default" ? "default" : `${s.kind} ${s.detail}`).toBe(c.source);
    });
  }

  it("a file that sets one field of a topic keeps the topic's other defaults", () => {
    const r = resolveConfig([file({ kafka: { topics: { winlogbeat: { partitions: 6 } } } })]);
    expect(r.value?.kafka.topics.winlogbeat).toEqual({ partitions: 6, retentionHours: 168 });
    expect(r.sources["kafka.topics.winlogbeat.retentionHours"]?.kind).toBe("default");
  });

  it("coerces env values by the setting's type, and HELK_HOME aliases installHome", () => {
    const { layer, warnings } = envLayer({
      HELK_HOME: "/srv/helk",
      HELK_KAFKA__TOPICS__SYSMON_JOIN__PARTITIONS: "4",
      HELK_SECURITY__ENABLED: "false",
      HELK_ADDONS: "alerting",
    });
    expect(warnings).toEqual([]);
    const r = resolveConfig([layer]);
    expect(r.value?.installHome).toBe("/srv/helk");
    expect(r.value?.kafka.topics.SYSMON_JOIN.partitions).toBe(4);
    expect(r.value?.security.enabled).toBe(false);
    expect(r.value?.addons).toEqual(["alerting"]);
    expect(r.sources.installHome).toEqual({ kind: "env", detail: "HELK_HOME" });
  });

  it("warns about an unknown HELK_ variable with a suggestion", () => {
    expect(envLayer({ HELK_PROFLE: "core" }).warnings).toEqual([
      "HELK_PROFLE is not a HELK setting and was ignored (did you mean HELK_PROFILE?)",
    ]);
  });

  it("rejects --set of an unknown path with a suggestion", () => {
    const { errors } = flagLayer([
      { path: "kafka.topics.winlogbeat.partition", value: "3", flag: "--set kafka.topics.winlogbeat.partition" },
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.hint).toContain('"kafka.topics.winlogbeat.partitions"');
  });
});

describe("invalid configuration", () => {
  it("reports every problem of a file with three mistakes, with JSON paths, hints and the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "helk-cfg-"));
    const path = join(dir, "bad.json");
    writeFileSync(
      path,
      JSON.stringify({ profile: "notebook", addonz: ["alerting"], kafka: { topics: { winlogbeat: { partitions: 0 } } } }),
    );
    const r = loadConfigResult({ configFile: path, env: {} });
    expect(r.value).toBeUndefined();
    expect(r.errors.map((e) => e.path).sort()).toEqual(["$.addonz", "$.kafka.topics.winlogbeat.partitions", "$.profile"]);
    const byPath = Object.fromEntries(r.errors.map((e) => [e.path, e]));
    expect(byPath["$.profile"]?.hint).toBe("one of: lab, core, analysis, notebook-analysis");
    expect(byPath["$.addonz"]?.hint).toMatch(/^did you mean "addons"\?/);
    expect(byPath["$.kafka.topics.winlogbeat.partitions"]?.message).toMatch(/>=1/);
    for (const e of r.errors) expect(e.source).toBe(`file ${path}`);
  });

  it("gives line and column for JSON syntax errors", () => {
    const { errors } = parseConfigText('{\n  "profile": "core",\n}', "x.json");
    expect(errors[0]?.message).toMatch(/line 3, column 1/);
  });

  it("names a missing file", () => {
    const r = loadConfigResult({ configFile: "/nonexistent/helk.json", env: {} });
    expect(r.errors[0]?.message).toBe("config file /nonexistent/helk.json does not exist");
  });

  it.each([
    ["hostIp", { hostIp: "300.1.1.1" }, "$.hostIp"],
    ["heap", { memory: { elasticsearchHeap: "2 GB" } }, "$.memory.elasticsearchHeap"],
    ["port", { ports: { kafka: 70000 } }, "$.ports.kafka"],
    ["image", { images: { kafka: "Bad Image" } }, "$.images.kafka"],
    ["relative home", { installHome: "helk" }, "$.installHome"],
    ["nested unknown key", { ports: { kibana: 5601 } }, "$.ports.kibana"],
  ])("rejects a bad %s", (_name, data, path) => {
    const r = resolveConfig([file(data)]);
    expect(r.errors.map((e) => e.path)).toEqual([path]);
  });

  it("accepts the documented defaults unchanged", () => {
    expect(resolveConfig([file(defaultConfig())]).errors).toEqual([]);
  });
});
