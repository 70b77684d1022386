/**
 * Runs after every engine-tier file (vitest `setupFiles`; its afterAll runs after the file's
 * own). A stack the file left running would hold memory and loopback ports through every later
 * file; it is removed here and named on stderr, so the file that leaked it can be fixed.
 */
import { afterAll } from "vitest";
import { ownStacksLeft, removeProject } from "./test-stack.js";

afterAll(async () => {
  for (const project of await ownStacksLeft()) {
    console.warn(`[test] ${project} was still on the engine after its file ended: removed`);
    await removeProject(project);
  }
}, 120_000);
