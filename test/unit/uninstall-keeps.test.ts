/**
 * A plain `helk uninstall` removes the install home but what a later install there reuses: the
 * logins (secrets/) and the user's own Sigma rules (rules/), which nothing could make again.
 * Compose is `true` here (the stack's removal is the lifecycle engine test's); only the home is looked at.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStack, uninstall } from "../../engine/stack/stack.js";
import { scriptedDocker } from "../helpers/fakes.js";
import { rulesHome, SIGMA } from "../helpers/rules-home.js";

async function installedHome() {
  const { home } = rulesHome({ alerting: true });
  writeFileSync(join(home, "compose.yaml"), "services: {}\n");
  mkdirSync(join(home, "secrets"));
  writeFileSync(join(home, "secrets", "helk-state.json"), "{}");
  mkdirSync(join(home, "rules", "sigma"), { recursive: true });
  writeFileSync(join(home, "rules", "sigma", "mine.yml"), SIGMA.bitsadmin);
  const stack = await openStack(home, { compose: { command: ["true"], version: "2.0.0", flavour: "v2" }, docker: scriptedDocker([[]]) });
  return { home, stack };
}

describe("helk uninstall and the install home", () => {
  it("without --purge: secrets/ and rules/ (the user's Sigma rules) stay, the rest goes", async () => {
    const { home, stack } = await installedHome();
    await uninstall(stack, { purge: false });
    expect(readdirSync(home).sort()).toEqual(["rules", "secrets"]);
    expect(readdirSync(join(home, "rules", "sigma"))).toEqual(["mine.yml"]);
  });

  it("--purge: nothing stays", async () => {
    const { home, stack } = await installedHome();
    await uninstall(stack, { purge: true });
    expect(() => readdirSync(home)).toThrow(/ENOENT/);
  });
});
