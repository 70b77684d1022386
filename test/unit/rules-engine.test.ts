/**
 * engine/rules over a fake converter that keeps the contract's shape (test/helpers/
 * fake-sigma-converter.ts): what lands in `<home>/rules/sigma/` and in the live ElastAlert rules
 * folder, what each rule's state is, and that a refused or crashed conversion leaves the folders
 * as they were. Alert counts against a small HTTP server standing in for Elasticsearch's search.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode, HelkError } from "../../engine/errors.js";
import { addRules } from "../../engine/rules/add.js";
import { alertCounts, alertsLogin } from "../../engine/rules/alert-counts.js";
import { liveRulesDir, readConversion, userRulesDir } from "../../engine/rules/conversion-file.js";
import { CONTAINER, converterArgv } from "../../engine/rules/converter.js";
import { setDisabled } from "../../engine/rules/disable.js";
import { removeRule } from "../../engine/rules/remove.js";
import { listRules, type RulesContext, requireAlerting } from "../../engine/rules/rules.js";
import { showRule } from "../../engine/rules/show.js";
import { convertForStack } from "../../engine/rules/stack-rules.js";
import { FAKE_HELK_RULES, fakeRunner } from "../helpers/fake-sigma-converter.js";
import { rulesHome, SIGMA, sigmaFolder } from "../helpers/rules-home.js";

function context(esPort?: number): RulesContext & { runner: ReturnType<typeof fakeRunner> } {
  const { home, record } = rulesHome({ alerting: true, ...(esPort ? { esPort } : {}) });
  return { home, record, runner: fakeRunner() };
}
const live = (ctx: RulesContext) => readdirSync(liveRulesDir(ctx.home)).sort();
const helkId = FAKE_HELK_RULES[0]?.text.match(/^id: (.+)$/m)?.[1] as string;

describe("helk rules add", () => {
  it("a folder: its layout kept under rules/sigma/<folder>/, every rule loaded, other files ignored", async () => {
    const ctx = context();
    const src = sigmaFolder({ "a/bits.yml": SIGMA.bitsadmin, "b/tasks.yaml": SIGMA.schtasks, "README.md": "# notes" });
    const r = await addRules(ctx, src);
    expect(r.rules.map((x) => [x.file, x.state])).toEqual([
      ["detections/a/bits.yml", "loaded"],
      ["detections/b/tasks.yaml", "loaded"],
    ]);
    expect(r.ignored).toEqual(["README.md"]);
    expect(r).toMatchObject({ refused: 0, active: { helk: 1, user: 2 } });
    expect(readFileSync(join(userRulesDir(ctx.home), "detections/a/bits.yml"), "utf8")).toBe(SIGMA.bitsadmin);
    // HELK's rule and both of the user's are live; the rendered .keep stays.
    expect(live(ctx)).toEqual([
      ".keep",
      "1d0f3a6e-1111-4a1b-9c1d-000000000001.yaml",
      "1d0f3a6e-2222-4a1b-9c1d-000000000002.yaml",
      `${helkId}.yaml`,
    ]);
    expect(readConversion(ctx.home)?.report.rules).toHaveLength(3);
  });

  it("mixed: each refused file named with its reason and kept out of rules/sigma/, the good one loaded", async () => {
    const ctx = context();
    const src = sigmaFolder({
      "ok.yml": SIGMA.bitsadmin,
      "broken.yml": SIGMA.brokenYaml,
      "linux.yml": SIGMA.linux,
      "odd.yml": SIGMA.unknownField,
    });
    const r = await addRules(ctx, src);
    const byFile = Object.fromEntries(r.rules.map((x) => [x.file, x]));
    expect(byFile["detections/ok.yml"]?.state).toBe("loaded");
    expect(byFile["detections/broken.yml"]?.reason).toMatch(/^YAML error at line \d+/);
    expect(byFile["detections/linux.yml"]?.reason).toContain("product=linux is not collected by HELK");
    expect(byFile["detections/odd.yml"]?.reason).toContain("unknown field NoSuchField");
    expect(r.refused).toBe(3);
    expect(readdirSync(join(userRulesDir(ctx.home), "detections"))).toEqual(["ok.yml"]);
    expect(live(ctx)).toContain("1d0f3a6e-1111-4a1b-9c1d-000000000001.yaml");
    // The kept report, and so `helk rules list`, names no file that is gone.
    const listed = await listRules(ctx, undefined);
    expect(listed.rules.filter((x) => x.origin === "user").map((x) => [x.file, x.state])).toEqual([["detections/ok.yml", "loaded"]]);
  });

  it("a single broken file: refused, and rules/sigma/ holds nothing of it (its folder is not left behind)", async () => {
    const ctx = context();
    const r = await addRules(ctx, join(sigmaFolder({ "x.yml": SIGMA.brokenYaml }), "x.yml"));
    expect(r.rules.map((x) => x.state)).toEqual(["refused"]);
    expect(readdirSync(userRulesDir(ctx.home))).toEqual([]);
  });

  it("a different file of the same name is refused without --replace and left as it was", async () => {
    const ctx = context();
    await addRules(ctx, sigmaFolder({ "r.yml": SIGMA.bitsadmin }));
    const r = await addRules(ctx, sigmaFolder({ "r.yml": SIGMA.schtasks }));
    expect(r.rules[0]).toMatchObject({ file: "detections/r.yml", state: "refused" });
    expect(r.rules[0]?.reason).toContain("--replace");
    expect(readFileSync(join(userRulesDir(ctx.home), "detections/r.yml"), "utf8")).toBe(SIGMA.bitsadmin);
    // The same bytes again is no clash.
    const again = await addRules(ctx, sigmaFolder({ "r.yml": SIGMA.bitsadmin }));
    expect(again).toMatchObject({ refused: 0, unchanged: ["detections/r.yml"] });
  });

  it("--replace with a broken file: refused, and the previous file is back and still loaded", async () => {
    const ctx = context();
    await addRules(ctx, sigmaFolder({ "r.yml": SIGMA.bitsadmin }));
    const r = await addRules(ctx, sigmaFolder({ "r.yml": SIGMA.brokenYaml }), { replace: true });
    expect(r.rules.map((x) => x.state)).toEqual(["refused"]);
    expect(readFileSync(join(userRulesDir(ctx.home), "detections/r.yml"), "utf8")).toBe(SIGMA.bitsadmin);
    expect(ctx.runner.calls).toBe(3);
    expect(live(ctx)).toContain("1d0f3a6e-1111-4a1b-9c1d-000000000001.yaml");
  });

  it("a converter that crashes: an error, the new files taken back out, the live rules untouched", async () => {
    const ctx = context();
    await addRules(ctx, sigmaFolder({ "r.yml": SIGMA.bitsadmin }));
    const before = live(ctx);
    ctx.runner = Object.assign(async () => ({ exitCode: 1, output: "Traceback ...\nImportError: sigma" }), { calls: 0 });
    const err = await addRules(ctx, sigmaFolder({ "s.yml": SIGMA.schtasks })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelkError);
    expect((err as HelkError).message).toContain("the running rules are unchanged");
    expect((err as HelkError).details.join("\n")).toContain("ImportError: sigma");
    expect(readdirSync(join(userRulesDir(ctx.home), "detections"))).toEqual(["r.yml"]);
    expect(live(ctx)).toEqual(before);
  });

  it("a path with no rule, or a file that is not YAML: usage errors (exit 2)", async () => {
    const ctx = context();
    const dir = sigmaFolder({ "notes.txt": "x" });
    for (const p of [dir, join(dir, "notes.txt"), join(dir, "missing.yml")])
      await expect(addRules(ctx, p)).rejects.toMatchObject({ exitCode: ExitCode.usage });
    expect(ctx.runner.calls).toBe(0);
  });
});

describe("helk rules remove", () => {
  it("by id or by file: the file and its live rule go, empty folders too; a prefix two ids share names neither", async () => {
    const ctx = context();
    await addRules(ctx, sigmaFolder({ "deep/a.yml": SIGMA.bitsadmin, "b.yml": SIGMA.schtasks }));
    await expect(removeRule(ctx, "1d0f3a6e")).rejects.toMatchObject({ exitCode: ExitCode.usage });
    const r = await removeRule(ctx, "1d0f3a6e-1111-4a1b-9c1d-000000000001");
    expect(r.removed).toEqual(["detections/deep/a.yml"]);
    expect(existsSync(join(userRulesDir(ctx.home), "detections/deep"))).toBe(false);
    expect(live(ctx)).not.toContain("1d0f3a6e-1111-4a1b-9c1d-000000000001.yaml");
    expect((await removeRule(ctx, "detections/b.yml")).active).toEqual({ helk: 1, user: 0 });
  });

  it("an ElastAlert rule written by hand in the live folder stays; only generated rules are removed", async () => {
    const ctx = context();
    writeFileSync(join(liveRulesDir(ctx.home), "my-own.yaml"), "name: mine\ntype: any\n");
    await addRules(ctx, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
    await removeRule(ctx, "detections/a.yml");
    expect(live(ctx)).toEqual([".keep", `${helkId}.yaml`, "my-own.yaml"]);
  });

  it("a HELK rule: refused (exit 2), saying it is built in; an unknown one: exit 2 pointing at list", async () => {
    const ctx = context();
    await addRules(ctx, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
    const err = (await removeRule(ctx, helkId).catch((e: unknown) => e)) as HelkError;
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toContain("one of HELK's own rules");
    expect(live(ctx)).toContain(`${helkId}.yaml`);
    await expect(removeRule(ctx, "no-such-rule")).rejects.toThrow(/no rule has the id or file no-such-rule/);
  });
});

describe("helk rules disable / enable", () => {
  it("a HELK rule disabled: listed as disabled, its ElastAlert rules withheld, not counted active; enable brings it back", async () => {
    const ctx = context();
    await addRules(ctx, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
    const off = await setDisabled(ctx, helkId.slice(0, 8), true);
    expect(off.rules.map((r) => [r.id, r.state])).toEqual([[helkId, "disabled"]]);
    expect(off.active).toEqual({ helk: 0, user: 1 });
    expect(live(ctx)).not.toContain(`${helkId}.yaml`);
    // It stays disabled through later conversions (an add, a start).
    await addRules(ctx, sigmaFolder({ "b.yml": SIGMA.schtasks }, "more"));
    expect(live(ctx)).not.toContain(`${helkId}.yaml`);
    expect((await listRules(ctx, undefined)).rules.find((r) => r.id === helkId)?.state).toBe("disabled");
    const on = await setDisabled(ctx, helkId, false);
    expect(on.rules.map((r) => r.state)).toEqual(["loaded"]);
    expect(live(ctx)).toContain(`${helkId}.yaml`);
  });

  it("a conversion that does not run leaves the disabled set as it was, so list says what ElastAlert runs", async () => {
    const ctx = context();
    await addRules(ctx, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
    ctx.runner = Object.assign(async () => ({ exitCode: 1, output: "Traceback ...\nImportError: sigma" }), { calls: 0 });
    await expect(setDisabled(ctx, helkId, true)).rejects.toBeInstanceOf(HelkError);
    expect((await listRules(ctx, undefined)).rules.find((r) => r.id === helkId)?.state).toBe("loaded");
    expect(live(ctx)).toContain(`${helkId}.yaml`);
  });

  it("remove of a HELK rule points at disable", async () => {
    const ctx = context();
    await addRules(ctx, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
    await expect(removeRule(ctx, helkId)).rejects.toMatchObject({
      hint: `to stop its alerts, disable it: sudo helk rules disable ${helkId} (helk rules enable brings it back)`,
    });
  });
});

describe("the alerting add-on and the converter's command", () => {
  it("an install without alerting is refused with how to add it", () => {
    const { record } = rulesHome({ alerting: false });
    const err = (() => {
      try {
        requireAlerting(record);
      } catch (e) {
        return e as HelkError;
      }
    })();
    expect(err?.exitCode).toBe(ExitCode.usage);
    expect(err?.hint).toContain("sudo helk reconfigure --addon alerting");
  });

  it("runs helk-sigma in the image (whatever its entrypoint) as uid 1000, the user's rules read-only, HELK's rules first", () => {
    const argv = converterArgv({ image: "helk/elastalert:1", userRules: "/h/rules/sigma", out: "/tmp/o", reportDir: "/tmp/r" });
    expect(argv.slice(0, 2)).toEqual(["run", "--rm"]);
    expect(argv[argv.indexOf("--user") + 1]).toBe("1000");
    expect(argv).toContain(`/h/rules/sigma:${CONTAINER.userRules}:ro`);
    expect(argv).toContain("/tmp/r:/report");
    expect(argv[argv.indexOf("--entrypoint") + 1]).toBe("helk-sigma");
    // The contract's command line, word for word.
    expect(argv.slice(argv.indexOf("helk/elastalert:1") + 1).join(" ")).toBe(
      "convert --rules /opt/helk/sigma/helk --rules /opt/helk/sigma/user --out /out --report /report/report.json",
    );
  });
});

describe("alert counts from helk-alerts", () => {
  let server: Server;
  let port: number;
  const asked: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      asked.push(decodeURIComponent(req.url ?? ""));
      if (req.url?.includes("size%22%3A0")) {
        res.end(
          JSON.stringify({
            aggregations: {
              rules: {
                buckets: [
                  { key: "Bitsadmin download", doc_count: 4 },
                  { key: "Other", doc_count: 9 },
                ],
              },
            },
          }),
        );
        return;
      }
      res.end(
        JSON.stringify({
          hits: {
            hits: [
              {
                _source: {
                  rule_name: "Bitsadmin download",
                  alert_time: "2026-12-02T06:00:00Z",
                  match_body: { Image: "C:\\bitsadmin.exe" },
                },
              },
            ],
          },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  it("list: each rule's alerts summed over its ElastAlert names; a rule with none shows 0", async () => {
    const ctx = context(port);
    await addRules(ctx, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
    const r = await listRules(ctx, alertsLogin(ctx.record));
    expect(r.rules.map((x) => [x.origin, x.title, x.alerts])).toEqual([
      ["helk", "Regsvr32 loads a scriptlet (HELK)", 0],
      ["user", "Bitsadmin download", 4],
    ]);
    expect(r.countsError).toBeUndefined();
    const body = JSON.parse(/source=(.*)&source_content_type/.exec(asked.at(-1) ?? "")?.[1] ?? "{}");
    expect(body.aggs.rules.terms.field).toBe("rule_name");
  });

  it("the last hour for status: a range on alert_time", async () => {
    await alertCounts({ nodes: [`http://127.0.0.1:${port}`] }, { sinceMinutes: 60 });
    expect(asked.at(-1)).toContain('"range":{"alert_time":{"gte":"now-60m"}}');
  });

  it("show: the rule's query and its recent matches", async () => {
    const ctx = context(port);
    await addRules(ctx, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
    const r = await showRule(ctx, "1d0f3a6e-1111", alertsLogin(ctx.record), 5);
    expect(r.targets[0]?.query).toContain("bitsadmin.exe");
    expect(r.recent).toEqual([
      { ruleName: "Bitsadmin download", alertTime: "2026-12-02T06:00:00Z", match: { Image: "C:\\bitsadmin.exe" } },
    ]);
  });

  it("Elasticsearch unreachable: counts unknown (null) with why, the rules still listed", async () => {
    const ctx = context();
    await addRules(ctx, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
    const r = await listRules(ctx, alertsLogin(ctx.record));
    expect(r.rules.map((x) => x.alerts)).toEqual([null, null]);
    expect(r.countsError).toMatch(/Elasticsearch did not answer .*ECONNREFUSED/);
  });

  it("a file copied in by hand since the last conversion: listed as not converted", async () => {
    const ctx = context();
    await addRules(ctx, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
    writeFileSync(join(userRulesDir(ctx.home), "hand.yml"), SIGMA.schtasks);
    const r = await listRules(ctx, undefined);
    expect(r.rules.find((x) => x.file === "hand.yml")).toMatchObject({ state: "not converted", reason: "run: sudo helk rules convert" });
    expect(r.countsError).toContain("sudo");
  });
});

describe("the conversion helk install and helk start run", () => {
  it("a refused user rule is a warning naming it; the others are live", async () => {
    const ctx = context();
    await addRules(ctx, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
    writeFileSync(join(userRulesDir(ctx.home), "bad.yml"), SIGMA.linux);
    const o = await convertForStack({ home: ctx.home, config: ctx.record.config, version: "0", runner: fakeRunner() });
    expect(o.summary).toBe("2 loaded, 1 refused");
    expect(o.warnings).toEqual([expect.stringContaining("1 Sigma rule(s) refused, the others run: bad.yml")]);
    expect(o.log).toEqual([expect.stringMatching(/^refused user bad\.yml: log source product=linux/)]);
    expect(live(ctx)).toContain("1d0f3a6e-1111-4a1b-9c1d-000000000001.yaml");
  });

  it("a converter that does not run is a warning too, never an exception", async () => {
    const ctx = context();
    const runner = async () => ({ exitCode: 127, output: 'exec: "helk-sigma": executable file not found in $PATH' });
    const o = await convertForStack({ home: ctx.home, config: ctx.record.config, version: "0", runner });
    expect(o.summary).toBe("not converted");
    expect(o.warnings[0]).toContain("the Sigma converter failed (exit 127)");
    expect(o.log.join("\n")).toContain("executable file not found");
  });
});

describe("one conversion at a time", () => {
  it("a lock held by a live process refuses a second conversion; one left by a dead process is taken over and released", async () => {
    const ctx = context();
    await addRules(ctx, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
    const lock = join(ctx.home, "rules", ".convert.lock");
    writeFileSync(lock, String(process.pid));
    await expect(removeRule(ctx, "detections/a.yml")).rejects.toThrow(`another helk command (pid ${process.pid}) is converting`);
    // Not converted, so its file is back: the folder and the running rules agree.
    expect(readdirSync(join(userRulesDir(ctx.home), "detections"))).toEqual(["a.yml"]);
    writeFileSync(lock, "4194303");
    expect((await removeRule(ctx, "detections/a.yml")).removed).toEqual(["detections/a.yml"]);
    expect(existsSync(lock)).toBe(false);
  });

  it("an empty lock file (its maker has not written its pid yet) is held, not taken over", async () => {
    const ctx = context();
    await addRules(ctx, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
    const lock = join(ctx.home, "rules", ".convert.lock");
    writeFileSync(lock, "");
    await expect(removeRule(ctx, "detections/a.yml")).rejects.toThrow("is converting");
    expect(existsSync(lock)).toBe(true);
  });
});
