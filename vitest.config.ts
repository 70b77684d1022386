import { defineConfig } from "vitest/config";
import { EngineSequencer } from "./test/helpers/engine-sequencer.js";

/**
 * Engine-tier files at once. Two: most of a file's time is waiting (a JVM starting, a health
 * check, a Spark trigger), so a second file fills the 2-core machine's idle time; every stack
 * takes its own project name, network and port block (test/helpers/port-block.ts).
 * HELK_TEST_ENGINE_WORKERS=1 runs them one at a time.
 */
const ENGINE_WORKERS = Number(process.env.HELK_TEST_ENGINE_WORKERS ?? 2);
/** Files that change the engine itself (engine-stop stops dockerd): alone, after the others. */
const ALONE = ["test/engine/engine-stop.test.ts"];

const engine = {
  environment: "node" as const,
  // Removes, and names, a stack a file left behind (test/helpers/engine-file-teardown.ts).
  setupFiles: ["test/helpers/engine-file-teardown.ts"],
  testTimeout: 180_000,
  hookTimeout: 600_000,
};

// Tiers: `unit` is pure and fast; `cli` runs the built binary; `engine` needs a real Docker engine and Compose
// (scripts/test.sh installs and starts them). Run one with `vitest run --project NAME`. Projects of one
// groupOrder run together, and the groups one after the other.
export default defineConfig({
  test: {
    // Longest engine files first, so that the two workers end together (test/helpers/engine-sequencer.ts).
    sequence: { sequencer: EngineSequencer },
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node", sequence: { groupOrder: 0 } } },
      // The built CLI as a process (needs `npm run build`; no Docker).
      {
        test: { name: "cli", include: ["test/cli/**/*.test.ts"], environment: "node", testTimeout: 30_000, sequence: { groupOrder: 0 } },
      },
      {
        test: {
          ...engine,
          name: "engine",
          include: ["test/engine/**/*.test.ts"],
          exclude: ALONE,
          maxWorkers: ENGINE_WORKERS,
          sequence: { groupOrder: 1 },
        },
      },
      { test: { ...engine, name: "engine-alone", include: ALONE, maxWorkers: 1, sequence: { groupOrder: 2 } } },
    ],
  },
});
