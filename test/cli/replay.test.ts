/** `helk replay` as a process: the shared Mordor data sets' exact counts, and every bad input. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import type { ReplayCounts } from "../../engine/replay/lines.js";
import { helk } from "../helpers/run-cli.js";

const MORDOR = new URL("../../../shared/datasets/mordor/", import.meta.url).pathname;

// The README of the shared data sets, counted by an independent script.
const EXPECTED = [
  ["cmd_bitsadmin_download_psh_script.zip", 424, 0],
  ["covenant_dcom_executeexcel4macro_allowed.zip", 8121, 0],
  ["empire_launcher_sct_regsvr32.zip", 2390, 0],
  ["schtask_modification.zip", 2657, 1],
] as const;

/** What `helk replay --json` prints: the counts plus timing. */
type Summary = ReplayCounts & { seconds: number };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "helk-replay-"));
});

async function dry(args: string[], input?: string): Promise<Summary> {
  const r = await helk(["replay", "--dry-run", "--json", ...args], input !== undefined ? { input } : {});
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Summary;
}

describe("replay --dry-run reports the shared data sets' exact counts", () => {
  it.each(EXPECTED)("%s: %d events, %d blank lines", async (file, events, blank) => {
    const s = await dry([join(MORDOR, file)]);
    expect(s).toMatchObject({ events, blankLines: blank, unparsableLines: 0, nonObjectValues: 0, skippedMembers: 0 });
    expect(typeof s.seconds).toBe("number");
  });

  it("a directory: all four, and the README skipped", async () => {
    const r = await helk(["replay", "--dry-run", "--json", MORDOR]);
    const s = JSON.parse(r.stdout) as Summary & { skippedMemberNames: string[] };
    expect(s.events).toBe(424 + 8121 + 2390 + 2657);
    expect(s.blankLines).toBe(1);
    expect(s.skippedMemberNames).toEqual([join(MORDOR, "README.md")]);
  });

  it("the summary table without --json", async () => {
    const r = await helk(["replay", "--dry-run", join(MORDOR, "schtask_modification.zip")]);
    expect(r.stdout).toMatch(/^events read \(dry run, nothing sent\)\s+2,657$/m);
    expect(r.stdout).toMatch(/^blank lines skipped\s+1$/m);
  });

  it("--limit stops after N events", async () => {
    expect((await dry(["--limit", "100", join(MORDOR, "covenant_dcom_executeexcel4macro_allowed.zip")])).events).toBe(100);
  });
});

describe("replay input formats", () => {
  it("standard input, with unparsable lines, non-objects and blank lines counted", async () => {
    const s = await dry(["-"], '{"Hostname":"a"}\n\n{oops\n[1]\n"s"\n{"Hostname":"b"}\r\n');
    expect(s).toMatchObject({ events: 2, blankLines: 1, unparsableLines: 1, nonObjectValues: 2, unparsableExamples: ["-:3"] });
  });

  it("a zip with a __MACOSX resource fork: the fork is skipped with a warning", async () => {
    const zip = join(dir, "mac.zip");
    await execa("python3", [
      "-c",
      `import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],'w')\nz.writestr('data/events.json','{"a":1}\\n{"b":2}\\n')\nz.writestr('__MACOSX/data/._events.json', bytes([0,5,22,7,0,2,0,0]))\nz.close()`,
      zip,
    ]);
    const r = await helk(["replay", "--dry-run", "--json", zip]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ events: 2, skippedMembers: 1 });
    const plain = await helk(["replay", "--dry-run", zip]);
    expect(plain.stderr).toContain(`warning: skipped ${zip}:__MACOSX/data/._events.json: macOS metadata, not events`);
  });

  it("a .tar.gz of .jsonl members", async () => {
    const tgz = join(dir, "events.tar.gz");
    await execa("python3", [
      "-c",
      `import tarfile,io,sys\nt=tarfile.open(sys.argv[1],'w:gz')\nfor n,d in [('a.jsonl',b'{"x":1}\\n{"x":2}\\n'),('b.json',b'{"x":3}\\n\\n')]:\n  i=tarfile.TarInfo(n); i.size=len(d); t.addfile(i,io.BytesIO(d))\nt.close()`,
      tgz,
    ]);
    expect(await dry([tgz])).toMatchObject({ events: 3, blankLines: 1 });
  });
});

describe("replay refuses bad input with a message and a distinct exit code", () => {
  it("a missing path: exit 2", async () => {
    const r = await helk(["replay", "--dry-run", "/nonexistent/x.zip"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("error: /nonexistent/x.zip does not exist");
  });

  it("a directory with nothing usable: exit 7", async () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    writeFileSync(join(empty, "notes.txt"), "hello");
    const r = await helk(["replay", "--dry-run", empty]);
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toContain(`error: ${empty} holds nothing to replay`);
  });

  it("a packet capture renamed to .json: exit 8, nothing sent", async () => {
    const pcap = join(dir, "capture.json");
    writeFileSync(
      pcap,
      Buffer.concat([
        Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0]),
        Buffer.alloc(2000, 7),
      ]),
    );
    // Refused before any broker is contacted: port 1 would fail differently.
    const r = await helk(["replay", "--bootstrap", "127.0.0.1:1", pcap]);
    expect(r.exitCode).toBe(8);
    expect(r.stderr).toContain(`error: ${pcap} is not JSON lines: it is binary`);
    expect(r.stderr).toContain("(0 events sent before it)");
  });

  it("a pretty-printed JSON array: exit 8 with a jq hint", async () => {
    const arr = join(dir, "array.json");
    writeFileSync(arr, JSON.stringify([{ a: 1 }, { b: 2 }], null, 2));
    const r = await helk(["replay", "--dry-run", arr]);
    expect(r.exitCode).toBe(8);
    expect(r.stderr).toContain("jq -c '.[]'");
  });

  it("a truncated zip: exit 9", async () => {
    const src = join(MORDOR, "empire_launcher_sct_regsvr32.zip");
    const cut = join(dir, "truncated.zip");
    copyFileSync(src, cut);
    writeFileSync(cut, readFileSync(cut).subarray(0, Math.floor(statSync(src).size / 2)));
    const r = await helk(["replay", "--dry-run", cut]);
    expect(r.exitCode).toBe(9);
    expect(r.stderr).toContain(`error: ${cut} is not a readable archive`);
    expect(r.stderr).toContain("unzip -t");
  });

  it("a broker that is not there: exit 10, naming the address and the events sent", async () => {
    const r = await helk(["replay", "--bootstrap", "127.0.0.1:1", join(MORDOR, "cmd_bitsadmin_download_psh_script.zip")]);
    expect(r.exitCode).toBe(10);
    expect(r.stderr).toMatch(/error: Kafka at 127\.0\.0\.1:1 failed: .* \(0 events sent before the error\)/);
    expect(r.stderr).toContain("--bootstrap HOST:PORT");
  });

  it("a bad --rate: exit 2", async () => {
    const r = await helk(["replay", "--dry-run", "--rate", "fast", MORDOR]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--rate expects a whole number above 0, got "fast"');
  });
});
