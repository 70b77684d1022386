import { defineConfig } from "vitest/config";

// Two tiers: `unit` is pure and fast; `engine` needs a real Docker engine and Compose
// (scripts/test.sh installs and starts them). Run one with `vitest run --project NAME`.
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" } },
      {
        test: {
          name: "engine",
          include: ["test/engine/**/*.test.ts"],
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
