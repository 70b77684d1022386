import { defineConfig } from "vitest/config";

// Three tiers: `unit` is pure and fast; `cli` runs the built binary; `engine` needs a real Docker engine and Compose
// (scripts/test.sh installs and starts them). Run one with `vitest run --project NAME`.
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" } },
      // The built CLI as a process (needs `npm run build`; no Docker).
      { test: { name: "cli", include: ["test/cli/**/*.test.ts"], environment: "node", testTimeout: 30_000 } },
      {
        test: {
          name: "engine",
          include: ["test/engine/**/*.test.ts"],
          // Removes, and names, a stack a file left behind (test/helpers/engine-file-teardown.ts).
          setupFiles: ["test/helpers/engine-file-teardown.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 600_000,
          // One stack at a time: they share the engine, ports and the 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
