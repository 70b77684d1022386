/** The engine tier's two workers: the heavy lane keeps two heavy files apart, and the queue pairs each heavy file with light ones. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { engineSeconds, interleave } from "../helpers/engine-sequencer.js";
import { leaveLane, takeLane } from "../helpers/heavy-lane.js";

describe("the engine tier's queue", () => {
  const secs: Record<string, number> = { H1: 600, H2: 400, a: 300, b: 250, c: 200, d: 100, e: 50 };
  const s = (k: string) => secs[k] as number;

  it("puts each heavy file, longest first, before light ones that last at least as long", () => {
    expect(interleave(["H2", "H1"], ["e", "c", "a", "d", "b"], s)).toEqual(["H1", "a", "b", "c", "H2", "d", "e"]);
  });

  it("keeps every file once when the light ones run out early, and with no heavy file at all", () => {
    expect(interleave(["H1", "H2"], ["d"], s)).toEqual(["H1", "d", "H2"]);
    expect(interleave([], ["d", "a"], s)).toEqual(["a", "d"]);
  });

  it("reads a file's seconds from the measured table, and a default for a file not in it", () => {
    expect(engineSeconds("/x/test/engine/hunt-join.test.ts")).toBeGreaterThan(300);
    expect(engineSeconds("/x/test/engine/not-measured.test.ts")).toBe(60);
  });
});

describe("the heavy lane", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "helk-lane-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is taken at once when free, and released", async () => {
    await takeLane(dir, 150, 10);
    expect(readdirSync(dir)).toEqual(["heavy-lane.150"]);
    leaveLane(dir, 150);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("waits while another live process holds it, and takes it once that one leaves", async () => {
    // This process stands for the other worker.
    writeFileSync(join(dir, `heavy-lane.${process.pid}`), "");
    let taken = false;
    const waiting = takeLane(dir, 150, 10).then(() => {
      taken = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(taken).toBe(false);
    leaveLane(dir, process.pid);
    await waiting;
    expect(readdirSync(dir)).toEqual(["heavy-lane.150"]);
  });

  it("takes over the lane of a process that is gone", async () => {
    writeFileSync(join(dir, "heavy-lane.999999999"), "");
    await takeLane(dir, 150, 10);
    expect(readdirSync(dir)).toEqual(["heavy-lane.150"]);
  });

  it("gives up with the holder's pid when it never lets go", async () => {
    writeFileSync(join(dir, `heavy-lane.${process.pid}`), "");
    await expect(takeLane(dir, 150, 10, 50)).rejects.toThrow(`held by pid ${process.pid}`);
  });
});
