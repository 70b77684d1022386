import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildInstallPlan, planText } from "../../compose/plan.js";
import { renderInstallFiles } from "../../compose/render.js";
import { COMBINATIONS, comboName, configFor, HOST, renderInput } from "../helpers/fixtures.js";

// Golden files: `UPDATE_GOLDEN=1 npx vitest run --project unit` rewrites them; review the diff.
const dir = new URL("../golden/", import.meta.url);
const update = process.env.UPDATE_GOLDEN === "1";

function golden(name: string, actual: string): void {
  const file = new URL(name, dir);
  if (update || !existsSync(file)) {
    if (!update) throw new Error(`missing golden file test/golden/${name}; run with UPDATE_GOLDEN=1`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}

describe("golden compose files", () => {
  for (const combo of COMBINATIONS) {
    it(`${comboName(combo)}.compose.yaml`, () => {
      const files = renderInstallFiles(renderInput(configFor(combo.profile, combo.addons)));
      golden(`${comboName(combo)}.compose.yaml`, files.find((f) => f.path === "compose.yaml")!.content);
    });
  }
  it("nginx config (notebook-analysis); Logstash's pipelines are files in images/logstash", () => {
    const files = renderInstallFiles(renderInput(configFor("notebook-analysis")));
    golden("notebook-analysis.nginx.conf", files.find((f) => f.path === "config/nginx/helk.conf")!.content);
    expect(files.filter((f) => f.path.startsWith("config/logstash"))).toEqual([]);
  });
});

describe("install plan text", () => {
  it("analysis + alerting, fresh install home", () => {
    const config = configFor("analysis", ["alerting"]);
    const files = renderInstallFiles(renderInput(config)).map((f) => ({ path: f.path, mode: f.mode, change: "create" as const }));
    golden(
      "analysis+alerting.plan.txt",
      planText(buildInstallPlan({ config, host: HOST, files, secretsCreated: true, target: "/opt/helk" })),
    );
  });
});
