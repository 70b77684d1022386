/**
 * The benchmarks run under tsx, Node.js's own ESM loader, which names a CommonJS package's
 * exports only as far as its lexer finds them; vitest and esbuild name them all. So a module can
 * pass every test and still fail to load in a benchmark: `import { ConfigResourceTypes } from
 * "kafkajs"` in engine/provision/kafka-topics.ts stopped `npm run bench:replay` that way.
 */
import { execa } from "execa";
import { describe, expect, it } from "vitest";

describe("every module loads under Node.js's own ESM loader (as the benchmarks run it)", () => {
  it("engine/, compose/, cli/ and test/helpers/ load with tsx", async () => {
    const r = await execa("npx", ["tsx", "test/fixtures/esm/load-every-module.ts", "engine", "compose", "cli", "test/helpers"], {
      reject: false,
      all: true,
    });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).not.toContain("FAIL");
    const [, loaded, failed] = /(\d+) modules, (\d+) failed/.exec(r.stdout) ?? [];
    expect(Number(failed)).toBe(0);
    expect(Number(loaded)).toBeGreaterThan(150);
  }, 60_000);
});
