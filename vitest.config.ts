import { defineConfig } from "vitest/config";
import { EngineSequencer } from "./test/helpers/engine-sequencer.js";

/**
 * The engine tier runs two files at once: most of a file's time is waiting (a JVM starting, a
 * health check, a Spark trigger), so a second file fills the 2-core machine's idle time. Files
 * that run Spark or Jupyter are `engine-heavy` and hold the heavy lane (test/helpers/heavy-lane.ts),
 * so two of them never share the machine: in a local run with any two files at once (session 27),
 * hunt-join and notebook-analysis-install took 838 s each side by side (590 s and 461 s alone) and
 * three installs beside such pairs overran 180 s. Every stack takes its own project name, network
 * and port block (test/helpers/port-block.ts). HELK_TEST_ENGINE_WORKERS=1 runs one file at a time.
 */
const ENGINE_WORKERS = Number(process.env.HELK_TEST_ENGINE_WORKERS ?? 2);
const HEAVY = [
  "test/engine/hunt-join.test.ts",
  "test/engine/notebook-analysis-install.test.ts",
  "test/engine/external-clusters.test.ts",
  "test/engine/lab-e2e.test.ts",
  "test/engine/es-hadoop.test.ts",
  "test/engine/notebook-fixture.test.ts",
];
/** Files that change the engine itself (engine-stop stops dockerd): alone, after the others. */
const ALONE = ["test/engine/engine-stop.test.ts"];

const engine = {
  environment: "node" as const,
  // Removes, and names, a stack a file left behind (test/helpers/engine-file-teardown.ts).
  setupFiles: ["test/helpers/engine-file-teardown.ts"],
  // A guard against a hang, not a speed target: an install beside another lane's file is slower.
  testTimeout: 360_000,
  hookTimeout: 600_000,
};

// Tiers: `unit` is pure and fast; `cli` runs the built binary; `engine-*` need a real Docker engine and
// Compose (scripts/test.sh installs and starts them). Run one with `vitest run --project NAME`, the engine
// tier with `--project 'engine*'`. Projects of one groupOrder run together, and the groups one after the other.
export default defineConfig({
  test: {
    sequence: { sequencer: EngineSequencer },
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node", sequence: { groupOrder: 0 } } },
      // The built CLI as a process (needs `npm run build`; no Docker).
      {
        test: { name: "cli", include: ["test/cli/**/*.test.ts"], environment: "node", testTimeout: 30_000, sequence: { groupOrder: 0 } },
      },
      // One group, one queue for both (ordered by test/helpers/engine-sequencer.ts); vitest wants one maxWorkers per group.
      {
        test: {
          ...engine,
          name: "engine-heavy",
          include: HEAVY,
          // The lane first: its afterAll then runs last, after the stack is gone.
          setupFiles: ["test/helpers/heavy-lane-setup.ts", ...engine.setupFiles],
          maxWorkers: ENGINE_WORKERS,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          ...engine,
          name: "engine-light",
          include: ["test/engine/**/*.test.ts"],
          exclude: [...HEAVY, ...ALONE],
          maxWorkers: ENGINE_WORKERS,
          sequence: { groupOrder: 1 },
        },
      },
      { test: { ...engine, name: "engine-alone", include: ALONE, maxWorkers: 1, sequence: { groupOrder: 2 } } },
    ],
  },
});
