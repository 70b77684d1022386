/** scripts/lib/outcome-reporter.mjs, which scripts/test.sh's closing line counts from. */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { expect, it } from "vitest";

it("counts a test whose beforeAll failed as failed, and a test that skipped itself as skipped; keeps why each failed", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "helk-outcome-")), "outcome.json");
  const root = resolve("test/fixtures/outcome-reporter");
  const r = await execa(
    "npx",
    [
      "vitest",
      "run",
      "--root",
      root,
      "--config",
      join(root, "vitest.config.mjs"),
      "--reporter",
      resolve("scripts/lib/outcome-reporter.mjs"),
    ],
    { reject: false, env: { TEST_OUTCOME_FILE: out } },
  );
  expect(r.exitCode).not.toBe(0);
  const outcome = JSON.parse(readFileSync(out, "utf8")) as {
    passed: number;
    failed: number;
    skipped: number;
    failures: { name: string; message: string[] }[];
  };
  expect(outcome).toEqual({
    passed: 1,
    failed: 2,
    skipped: 2,
    failures: [
      { name: "a suite whose beforeAll fails > never runs (not run: image missing)", message: ["image missing"] },
      // The assertion's own message (a command's output) comes first, without colour codes.
      {
        name: "a healthy suite > fails",
        message: ["what the command printed", "its second line: expected 1 to be 2 // Object.is equality"],
      },
    ],
  });
}, 60_000);

it("a run stopped before its end (scripts/test.sh's budget) still leaves the counts of the files that ended", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "helk-outcome-")), "outcome.json");
  const root = resolve("test/fixtures/outcome-reporter");
  const run = execa(
    "node_modules/.bin/vitest",
    ["run", "--root", root, "--config", join(root, "vitest.hang.config.mjs"), "--reporter", resolve("scripts/lib/outcome-reporter.mjs")],
    { reject: false, env: { TEST_OUTCOME_FILE: out } },
  );
  try {
    const deadline = Date.now() + 45_000;
    while (!existsSync(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  } finally {
    run.kill("SIGKILL");
    await run;
  }
  const outcome = JSON.parse(readFileSync(out, "utf8")) as { passed: number; failed: number; skipped: number; partial?: boolean };
  expect({ ...outcome, failures: undefined }).toEqual({ passed: 1, failed: 2, skipped: 2, partial: true, failures: undefined });
}, 60_000);
