// A vitest reporter for scripts/test.sh's closing line: every test as it really ended.
// Vitest marks the tests of a suite whose beforeAll (or the file's import) failed as
// "skipped", and its JSON report keeps a describe-level hook error nowhere; here such a
// test counts as failed, while a test that skipped itself (it.skip, ctx.skip) stays skipped.
// Writes { passed, failed, skipped, failures } to TEST_OUTCOME_FILE; `failures` holds each
// failed test's name and first error lines, which scripts/test.sh prints last: a CI log is
// often read from its end only, and the name alone does not say why.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const MESSAGE_LINES = 15;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what is removed
const ANSI = /\u001b\[[0-9;]*m/g;

/** An error's first lines, without colour codes (a failed assertion's message carries its context). */
function firstLines(error) {
  if (!error) return [];
  return String(error.message ?? error)
    .replace(ANSI, "")
    .split("\n")
    .slice(0, MESSAGE_LINES);
}

/** The first suite (or the file) above a test whose own run failed, with its error. */
function failedAncestor(test) {
  for (let node = test.parent; node; node = node.parent) {
    const errors = typeof node.errors === "function" ? node.errors() : [];
    if (errors.length) return { node, message: String(errors[0]?.message ?? "").split("\n")[0] };
    if (node.type === "module") break;
  }
  return undefined;
}

/** { passed, failed, skipped, failures } of these test files. */
function outcomeOf(testModules, unhandledErrors) {
  const out = { passed: 0, failed: 0, skipped: 0, failures: [] };
  const fail = (name, error) => {
    out.failed += 1;
    out.failures.push({ name, message: firstLines(error) });
  };
  for (const mod of testModules) {
    const tests = [...mod.children.allTests()];
    // A file that failed before any test was collected (an import error) still fails the run.
    if (tests.length === 0 && mod.errors().length) fail(`${mod.moduleId}: ${String(mod.errors()[0]?.message).split("\n")[0]}`);
    for (const test of tests) {
      const state = test.result().state;
      if (state === "passed") out.passed += 1;
      else if (state === "failed") fail(test.fullName, test.result().errors?.[0]);
      else {
        const cause = failedAncestor(test);
        if (cause) fail(`${test.fullName} (not run: ${cause.message})`, cause);
        else out.skipped += 1;
      }
    }
  }
  for (const e of unhandledErrors) fail(`unhandled error: ${String(e?.message).split("\n")[0]}`);
  return out;
}

function write(out) {
  const file = process.env.TEST_OUTCOME_FILE ?? ".test-output/outcome.json";
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
}

export default class OutcomeReporter {
  ended = [];

  // Written after every file too: a run stopped at its budget (scripts/test.sh) still counts what ended.
  onTestModuleEnd(testModule) {
    this.ended.push(testModule);
    write({ ...outcomeOf(this.ended, []), partial: true });
  }

  onTestRunEnd(testModules, unhandledErrors) {
    write(outcomeOf(testModules, unhandledErrors));
  }
}
