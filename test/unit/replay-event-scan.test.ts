/**
 * engine/replay/event-scan.ts (the WebAssembly line scanner) against JSON.parse: whatever the
 * scanner vouches for is an object JSON.parse takes, with the host name hostKey() finds in it;
 * what it cannot vouch for is a doubt, which the classifier settles with JSON.parse. Checked on
 * hand-made lines (duplicate keys, escapes, numbers, nesting, bytes that are not UTF-8) and on
 * lines of the Mordor sets mutated at random (seeded), through lineClassifier with and without
 * the scanner.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOUBT, EVENT, EVENT_ESCAPED_HOST, type EventScanner, eventScanner } from "../../engine/replay/event-scan.js";
import { type LineBatch, lineClassifier, SCANNER_MAX_BYTES } from "../../engine/replay/line-classifier.js";

const MORDOR = fileURLToPath(new URL("../../../shared/datasets/mordor/", import.meta.url));

function loaded(): EventScanner {
  const s = eventScanner();
  if (!s) throw new Error("the WebAssembly scanner did not load on this Node.js");
  return s;
}

/** The scanner's verdict on one line (no terminator): its kind, and the host span's text. */
function scanned(line: Buffer): { kind: number; host: string | null } {
  const s = loaded();
  s.load(line);
  const { records, lines } = s.scan(0, true);
  expect(lines, "one line").toBe(1);
  const [, , , kind, hostStart, hostEnd] = records;
  return { kind: kind as number, host: hostEnd ? line.subarray(hostStart, hostEnd).toString("utf8") : null };
}

/** Everything a classifier makes of `buf`: events (key and bytes) and counts. */
function classification(buf: Buffer, scanner: EventScanner | null, chunk = buf.length) {
  const c = lineClassifier(Number.POSITIVE_INFINITY, scanner);
  const batches: LineBatch[] = [];
  for (let i = 0; i < buf.length; i += chunk) batches.push(c.push(buf.subarray(i, i + chunk)));
  batches.push(c.end());
  return {
    events: batches.flatMap((b) => b.starts.map((s, i) => `${b.keys[i]}|${b.data.subarray(s, b.ends[i]).toString("base64")}`)),
    blankLines: batches.reduce((n, b) => n + b.blankLines, 0),
    unparsableLines: batches.reduce((n, b) => n + b.unparsableLines, 0),
    unparsableAt: batches.flatMap((b) => b.unparsableAt),
    nonObjectValues: batches.reduce((n, b) => n + b.nonObjectValues, 0),
    bytes: batches.reduce((n, b) => n + b.bytes, 0),
  };
}

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));

describe("event scanner: lines it vouches for, with JSON.parse's host name", () => {
  const cases: [string, Buffer, number, string | null][] = [
    ["a flat Mordor event", bytes('{"Hostname":"WKST1","EventID":1}'), EVENT, "WKST1"],
    ["a duplicate key: the last one wins", bytes('{"Hostname":"A","Hostname":"B"}'), EVENT, "B"],
    ["a last Hostname that is a number falls through", bytes('{"Hostname":"A","Hostname":7,"Computer":"C"}'), EVENT, "C"],
    [
      "a later host that is a string drops host.name",
      bytes('{"host":{"name":"H1"},"host":"x","winlog":{"computer_name":"W"}}'),
      EVENT,
      "W",
    ],
    ["a later host object without a name drops the first", bytes('{"host":{"name":"H1"},"host":{"hostname":"y"}}'), EVENT, null],
    ["host.os.name is not host.name", bytes('{"host":{"os":{"name":"Windows"}},"Computer":"C"}'), EVENT, "C"],
    ["an empty name falls through", bytes('{"host":{"name":""},"winlog":{"computer_name":"W"}}'), EVENT, "W"],
    ["an empty Hostname falls through to computer_name", bytes('{"Hostname":"","computer_name":"cn"}'), EVENT, "cn"],
    ["host as an array has no name", bytes('{"host":[{"name":"a"}],"Computer":"C"}'), EVENT, "C"],
    ["winlog.event_data.computer_name is deeper", bytes('{"winlog":{"event_data":{"computer_name":"deep"}}}'), EVENT, null],
    ["Winlogbeat 8: host.name before winlog.computer_name", bytes('{"winlog":{"computer_name":"W"},"host":{"name":"H"}}'), EVENT, "H"],
    ["an escaped host name: decoded by JSON.parse", bytes('{"Hostname":"A\\u0042"}'), EVENT_ESCAPED_HOST, "A\\u0042"],
    ["a host name that is not ASCII", bytes('{"Hostname":"Ĥøst-ÄÖ"}'), EVENT, "Ĥøst-ÄÖ"],
    [
      "every kind of value, whitespace around",
      bytes(' \t{"a":[1,-0.5e+3,0,2E-7,true,false,null,{"b":[]},[]],"c":{}, "d" : "\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"} \t'),
      EVENT,
      null,
    ],
    ["a line ending in \\r", bytes('{"Computer":"C"}\r'), EVENT, "C"],
    ["bytes that are not UTF-8 inside a string", bytes('{"Hostname":"A', [0xff, 0xc3], '"}'), EVENT, "A\ufffd\ufffd"],
  ];
  for (const [name, line, kind, host] of cases)
    it(name, () => {
      expect(scanned(line)).toEqual({ kind, host });
      expect(classification(line, loaded())).toEqual(classification(line, null));
    });
});

describe("event scanner: lines left to JSON.parse", () => {
  const deep = `{"a":${"[".repeat(300)}${"]".repeat(300)}}`;
  const cases: [string, Buffer][] = [
    ["a blank line", bytes(" \t ")],
    ["an array", bytes("[1,2]")],
    ["a string", bytes('"str"')],
    ["a number", bytes("42")],
    ["null", bytes("null")],
    ["a leading zero", bytes('{"a":01}')],
    ["a bare decimal point", bytes('{"a":1.}')],
    ["no integer part", bytes('{"a":.5}')],
    ["a lone minus", bytes('{"a":-}')],
    ["an empty exponent", bytes('{"a":1e+}')],
    ["a plus sign", bytes('{"a":+1}')],
    ["a control byte in a string", bytes('{"a":"x', [1], '"}')],
    ["a tab in a string", bytes('{"a":"\t"}')],
    ["an unknown escape", bytes('{"a":"\\x"}')],
    ["a short unicode escape", bytes('{"a":"\\u12G4"}')],
    ["a trailing comma", bytes('{"a":1,}')],
    ["a missing colon", bytes('{"a" 1}')],
    ["an extra brace", bytes('{"a":1}}')],
    ["text after the object", bytes('{"a":1} x')],
    ["two objects", bytes('{"a":1}{}')],
    ["an unquoted key", bytes("{a:1}")],
    ["single quotes", bytes("{'a':1}")],
    ["a cut literal", bytes('{"a":tru}')],
    ["a longer literal", bytes('{"a":truex}')],
    ["an unterminated string", bytes('{"a":"abc')],
    ["a cut object", bytes('{"a":{"b":1}')],
    ["an escaped key that spells Hostname", bytes('{"Host\\u006eame":"A"}')],
    ["an escaped key inside host", bytes('{"host":{"n\\u0061me":"A"}}')],
    ["a byte-order mark", bytes([0xef, 0xbb, 0xbf], '{"Hostname":"A"}')],
    ["nesting deeper than the scanner's stack", bytes(deep)],
    ["a no-break space after the object", bytes('{"a":1}\u00a0')],
    ["a byte that is not UTF-8 outside strings", bytes('{"a":1}', [0xff])],
  ];
  it("nothing to scan: no line", () => {
    const s = loaded();
    s.load(Buffer.alloc(0));
    expect(s.scan(0, true).lines).toBe(0);
  });
  for (const [name, line] of cases)
    it(name, () => {
      expect(scanned(line).kind).toBe(DOUBT);
      expect(classification(line, loaded())).toEqual(classification(line, null));
    });
});

describe("event scanner: memory", () => {
  it("a line longer than SCANNER_MAX_BYTES goes to JSON.parse, and the scanner's memory does not grow for it", () => {
    const huge = bytes(`{"Hostname":"WS1","pad":"${"z".repeat(SCANNER_MAX_BYTES + 1000)}"}\n{"Computer":"C"}\n`);
    const before = loaded().memoryBytes();
    const result = classification(huge, loaded(), 64 * 1024);
    expect(result.events.map((e) => e.split("|")[0])).toEqual(["WS1", "C"]);
    expect(result).toEqual(classification(huge, null, 64 * 1024));
    expect(loaded().memoryBytes()).toBe(before);
    expect(before).toBeLessThan(SCANNER_MAX_BYTES);
  });
});

describe("event scanner on mutated Mordor lines (seeded)", () => {
  let dir: string;
  let lines: Buffer[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "helk-event-scan-"));
    for (const zip of readdirSync(MORDOR).filter((f) => f.endsWith(".zip")))
      execFileSync("unzip", ["-q", "-o", join(MORDOR, zip), "-d", dir]);
    const all = readdirSync(dir)
      .sort()
      .flatMap((f) => readFileSync(join(dir, f)).toString("utf8").split("\n"))
      .filter((l) => l.trim() !== "");
    lines = all.filter((_, i) => i % 40 === 0).map((l) => Buffer.from(l, "utf8"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gives what JSON.parse gives on 20,000 mutants, and vouches for most of the valid ones", () => {
    // mulberry32: a small seeded generator, so a failure can be replayed.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const tokens = ["{", "}", "[", "]", ",", ":", '"', "\\", " ", "0", "-", ".", "e", "+", "t", "n", "\\u00", "\t", "\u00e9"];
    const members = [
      '"Hostname":"H9"',
      '"Hostname":null',
      '"Hostname":""',
      '"host":{"name":"HN"}',
      '"host":"s"',
      '"host":{"name":5}',
      '"winlog":{"computer_name":"WC"}',
      '"winlog":[]',
      '"computer_name":"cn"',
      '"Computer":"PC"',
      '"Host\\u006eame":"E"',
      '"Hostname":"E\\u0058"',
    ];
    const mutants: Buffer[] = [];
    for (let n = 0; n < 20_000; n++) {
      const line = pick(lines).toString("utf8");
      const at = Math.floor(random() * line.length);
      const kind = random();
      let m: string;
      if (kind < 0.3) m = line.slice(0, at) + line.slice(at + 1);
      else if (kind < 0.6) m = line.slice(0, at) + pick(tokens) + line.slice(at);
      else if (kind < 0.8) m = `{${pick(members)},${line.slice(1)}`;
      else m = `${line.slice(0, -1)},${pick(members)}}`;
      mutants.push(Buffer.from(m, "utf8"));
    }
    const scanner = loaded();
    let valid = 0;
    let vouched = 0;
    for (const m of mutants) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(m.toString("utf8"));
      } catch {
        parsed = undefined;
      }
      const isObject = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed);
      const { kind } = scanned(m);
      if (isObject) valid++;
      if (kind !== DOUBT) {
        vouched++;
        expect(isObject, m.toString("utf8")).toBe(true);
      }
    }
    // All of it through the classifier, in 4 KiB chunks, with and without the scanner.
    const input = Buffer.concat(mutants.flatMap((m) => [m, Buffer.from("\n")]));
    const withScanner = classification(input, scanner, 4096);
    expect(withScanner).toEqual(classification(input, null, 4096));
    expect(withScanner.unparsableLines).toBeGreaterThan(2000);
    expect(valid).toBeGreaterThan(8000);
    // Only escaped keys inside host/winlog or at the top are valid lines it leaves to JSON.parse.
    expect(vouched / valid).toBeGreaterThan(0.9);
  });
});
