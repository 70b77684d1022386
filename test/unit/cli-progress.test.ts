/** withProgress: the one place a command's progress view is chosen, tested on a captured Printer. */
import { describe, expect, it } from "vitest";
import { type Printer, withProgress } from "../../cli/output.js";
import type { ProgressSink } from "../../engine/events.js";

function capture(isTTY: boolean): Printer & { outs: string[]; errs: string[] } {
  const outs: string[] = [];
  const errs: string[] = [];
  return { outs, errs, isTTY, out: (t) => outs.push(t), err: (t) => errs.push(t) };
}

const work = async (sink: ProgressSink) => {
  sink({ kind: "step-start", step: "render", title: "Write 3 files" });
  sink({ kind: "step-done", step: "render", detail: "3 created" });
  sink({ kind: "warn", message: "disk nearly full" });
  return 42;
};

describe("withProgress", () => {
  it("--json: the result alone; no progress anywhere (stdout stays parseable, stderr quiet)", async () => {
    const p = capture(true);
    expect(await withProgress(p, { json: true, steps: [{ id: "render", title: "Render" }] }, work)).toBe(42);
    expect(p.outs).toEqual([]);
    expect(p.errs).toEqual([]);
  });

  it("not a terminal: timestamped plain lines on stderr, nothing on stdout", async () => {
    const p = capture(false);
    expect(await withProgress(p, { steps: [{ id: "render", title: "Render" }] }, work)).toBe(42);
    expect(p.outs).toEqual([]);
    expect(p.errs.map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ /, ""))).toEqual([
      "Write 3 files ...",
      "render: done (3 created)",
      "warning: disk nearly full",
    ]);
  });

  it("a terminal, but a command without a fixed step list: plain lines too", async () => {
    const p = capture(true);
    await withProgress(p, {}, work);
    expect(p.errs).toHaveLength(3);
  });
});
