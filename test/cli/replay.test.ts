/** `helk replay` as a process: the shared Mordor data sets' exact counts, and every bad input. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import type { ReplayCounts } from "../../engine/replay/lines.js";
import { helk } from "../helpers/run-cli.js";
import { convertLines } from "../helpers/winlogbeat8.js";

const MORDOR = new URL("../../../shared/datasets/mordor/", import.meta.url).pathname;
const SAMPLE = new URL("../fixtures/winlogbeat8/sysmon-sample.ndjson", import.meta.url);

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

describe("replay --help", () => {
  it("names the accepted formats and the exit codes for input that yields nothing or breaks", async () => {
    const r = await helk(["replay", "--help"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^ {2}JSON lines {3}one event \(a JSON object\) per line/m);
    expect(r.stdout).toMatch(/^ {2}JSON array {3}\[ \{\.\.\.\}, \{\.\.\.\} \] on one line or pretty-printed/m);
    expect(r.stdout).toContain("7 nothing to replay (also: input read but no event in it)");
    expect(r.stdout).toContain("9 truncated or corrupt archive or JSON array");
  });
});

describe("replay input formats", () => {
  it("a one-line JSON array (today 0 events, exit 0): every element an event", async () => {
    const events = [{ Hostname: "a", EventID: 1 }, { host: { name: "b" } }, { winlog: { computer_name: "c" } }];
    expect(await dry(["-"], JSON.stringify(events))).toMatchObject({ events: 3, nonObjectValues: 0, jsonArrays: 1 });
  });

  it("the Winlogbeat 8 sample pretty-printed as an array, as Elastic's golden files are: its events, exactly", async () => {
    const lines = readFileSync(SAMPLE, "utf8")
      .split("\n")
      .filter((l) => l.trim());
    const file = join(dir, "sample.golden.json");
    writeFileSync(
      file,
      JSON.stringify(
        lines.map((l) => JSON.parse(l) as unknown),
        null,
        2,
      ),
    );
    expect(await dry([file])).toMatchObject({
      events: lines.length,
      jsonArrays: 1,
      unparsableLines: 0,
      blankLines: 0,
      bytes: statSync(file).size,
    });
  });

  it("a zip holding a pretty-printed array and a JSON-lines file: both read", async () => {
    const zip = join(dir, "mixed.zip");
    await execa("python3", [
      "-c",
      `import zipfile,sys,json\nz=zipfile.ZipFile(sys.argv[1],'w')\nz.writestr('a/array.json',json.dumps([{"a":i} for i in range(7)],indent=2))\nz.writestr('a/lines.jsonl','{"b":1}\\n{"b":2}\\n')\nz.close()`,
      zip,
    ]);
    expect(await dry([zip])).toMatchObject({ events: 9, jsonArrays: 1, members: 2 });
  });

  it("a converted Mordor set as a pretty-printed array: the README's count", async () => {
    const text = (await execa("unzip", ["-p", join(MORDOR, "cmd_bitsadmin_download_psh_script.zip")], { maxBuffer: 64 * 1024 * 1024 }))
      .stdout;
    const events = convertLines(text)
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as unknown);
    const file = join(dir, "bitsadmin.json");
    writeFileSync(file, JSON.stringify(events, null, 2));
    expect(events).toHaveLength(424);
    expect(await dry([file])).toMatchObject({ events: 424, jsonArrays: 1 });
  });

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

  it("a pretty-printed single object: exit 8 with a jq hint", async () => {
    const obj = join(dir, "object.json");
    writeFileSync(obj, JSON.stringify({ a: 1, b: { c: 2 } }, null, 2));
    const r = await helk(["replay", "--dry-run", obj]);
    expect(r.exitCode).toBe(8);
    expect(r.stderr).toContain("jq -c .");
  });

  it("a JSON array cut short: exit 9 naming where it ends, after the events before it", async () => {
    const arr = join(dir, "cut.json");
    const text = JSON.stringify([{ a: 1 }, { b: 2 }, { c: 3 }], null, 2);
    writeFileSync(arr, text.slice(0, text.lastIndexOf("{") + 4));
    const r = await helk(["replay", "--dry-run", arr]);
    expect(r.exitCode).toBe(9);
    expect(r.stderr).toContain(
      `error: ${arr} is a broken JSON array: the array ends inside element 3 (from line 8) without its closing ']': truncated?`,
    );
    expect(r.stderr).toContain("jq length FILE");
  });

  it("an array with a missing comma: exit 9 at its line and column", async () => {
    const r = await helk(["replay", "--dry-run", "-"], { input: '[\n {"a":1},\n {"b":2}\n {"c":3}\n]\n' });
    expect(r.exitCode).toBe(9);
    expect(r.stderr).toContain("expected ',' or ']' after element 2, found '{' at line 4, column 2");
  });

  it.each([
    ["a one-line array of numbers", "[1,2,3]", "3 JSON values that are not an object", "jq -c '.[][]'"],
    ["an array of arrays", '[[{"a":1}],[{"b":2}]]', "2 JSON values that are not an object", "jq -c '.[][]'"],
    ["only blank lines", "\n\n\n", "3 blank lines", "JSON array"],
    [
      "text that is not JSON after a JSON line of a number",
      "42\n{oops\n",
      "1 unparsable line (first: -:2), 1 JSON value that is not an object",
      "jq -c '.[][]'",
    ],
  ])("non-empty input with no event (%s): exit 7 after the counts, with what to do", async (_, input, found, hint) => {
    const r = await helk(["replay", "--dry-run", "--json", "-"], { input });
    expect(r.exitCode).toBe(7);
    expect((JSON.parse(r.stdout) as Summary).events).toBe(0);
    expect(r.stderr).toContain(`error: no events in 1 member (${Buffer.byteLength(input)} bytes read): ${found}`);
    expect(r.stderr).toContain(hint);
  });

  it("an empty input is not an error: 0 events, exit 0", async () => {
    const s = await dry(["-"], "");
    expect(s).toMatchObject({ events: 0, bytes: 0 });
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
