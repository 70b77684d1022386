// A vitest reporter for scripts/test.sh's closing line: every test as it really ended.
// Vitest marks the tests of a suite whose beforeAll (or the file's import) failed as
// "skipped", and its JSON report keeps a describe-level hook error nowhere; here such a
// test counts as failed, while a test that skipped itself (it.skip, ctx.skip) stays skipped.
// Writes { passed, failed, skipped, failedNames } to HELK_OUTCOME_FILE.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The first suite (or the file) above a test whose own run failed, with its error. */
function failedAncestor(test) {
  for (let node = test.parent; node; node = node.parent) {
    const errors = typeof node.errors === "function" ? node.errors() : [];
    if (errors.length) return { node, message: String(errors[0]?.message ?? "").split("\n")[0] };
    if (node.type === "module") break;
  }
  return undefined;
}

export default class OutcomeReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    const out = { passed: 0, failed: 0, skipped: 0, failedNames: [] };
    const fail = (name) => {
      out.failed += 1;
      out.failedNames.push(name);
    };
    for (const mod of testModules) {
      const tests = [...mod.children.allTests()];
      // A file that failed before any test was collected (an import error) still fails the run.
      if (tests.length === 0 && mod.errors().length) fail(`${mod.moduleId}: ${String(mod.errors()[0]?.message).split("\n")[0]}`);
      for (const test of tests) {
        const state = test.result().state;
        if (state === "passed") out.passed += 1;
        else if (state === "failed") fail(test.fullName);
        else {
          const cause = failedAncestor(test);
          if (cause) fail(`${test.fullName} (not run: ${cause.message})`);
          else out.skipped += 1;
        }
      }
    }
    for (const e of unhandledErrors) fail(`unhandled error: ${String(e?.message).split("\n")[0]}`);
    const file = process.env.HELK_OUTCOME_FILE ?? ".test-output/outcome.json";
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  }
}
