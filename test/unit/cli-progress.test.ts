/** withProgress and withStatusLine: where a command's progress view is chosen, tested on a captured Printer. */
import { describe, expect, it } from "vitest";
import { withProgress, withStatusLine } from "../../cli/output.js";
import type { ProgressSink } from "../../engine/events.js";
import { capturePrinter } from "../helpers/fakes.js";

const capture = capturePrinter;

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

describe("withStatusLine", () => {
  const work = async (show: ((line: string) => void) | undefined) => {
    show?.("1 event");
    show?.("2 events");
    return 7;
  };

  it("a terminal: each line through the Printer's status line, cleared at the end", async () => {
    const p = capture(true);
    expect(await withStatusLine(p, {}, work)).toBe(7);
    expect(p.statuses).toEqual(["1 event", "2 events", ""]);
    expect([...p.outs, ...p.errs]).toEqual([]);
  });

  it("cleared when the work fails too, so the error starts on a clean line", async () => {
    const p = capture(true);
    await expect(
      withStatusLine(p, {}, async (show) => {
        show?.("halfway");
        throw new Error("broker gone");
      }),
    ).rejects.toThrow("broker gone");
    expect(p.statuses).toEqual(["halfway", ""]);
  });

  it.each([
    ["--json", true, { json: true }],
    ["not a terminal", false, {}],
  ])("%s: no status line at all", async (_name, isTTY, o) => {
    const p = capture(isTTY);
    expect(await withStatusLine(p, o, work)).toBe(7);
    expect(p.statuses).toEqual([]);
  });
});
