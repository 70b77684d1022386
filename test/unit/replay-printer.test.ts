/** `helk replay` prints only through the Printer it is given: nothing written to stderr behind its back. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runReplay } from "../../cli/commands/replay.js";
import { capturePrinter } from "../helpers/fakes.js";

afterEach(() => {
  vi.restoreAllMocks();
});

function dataFile(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "helk-replay-printer-")), "events.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

describe("runReplay on a captured Printer", () => {
  it("a terminal: the summary on out, the status line cleared through the Printer; process.stderr untouched", async () => {
    const stderr = vi.spyOn(process.stderr, "write");
    const stdout = vi.spyOn(process.stdout, "write");
    const p = capturePrinter(true);
    const file = dataFile(['{"Hostname":"a","EventID":1}', '{"Hostname":"b","EventID":3}', "not json"]);
    expect(await runReplay([file], { topic: "winlogbeat", dryRun: true }, p)).toBe(0);
    expect(stderr).not.toHaveBeenCalled();
    expect(stdout).not.toHaveBeenCalled();
    expect(p.statuses.at(-1)).toBe("");
    expect(p.outs.join("")).toMatch(/events read \(dry run, nothing sent\)\s+2\n/);
    expect(p.outs.join("")).toMatch(/unparsable lines\s+1/);
  });

  it("--json: one JSON object on out, no status line", async () => {
    const p = capturePrinter(true);
    const file = dataFile(['{"Hostname":"a","EventID":1}']);
    await runReplay([file], { topic: "winlogbeat", dryRun: true, json: true }, p);
    expect(p.statuses).toEqual([]);
    expect(JSON.parse(p.outs.join(""))).toMatchObject({ events: 1, dryRun: true });
  });
});
