/**
 * JSON lines → events, a chunk at a time, with exact accounting. The line's bytes are kept as
 * they are (only its terminator, \n or \r\n, is dropped) and become the Kafka message value.
 * A chunk's events come as one batch (spans of the chunk): replay's loop runs per chunk, not per
 * line. The lines are read by event-scan.ts's WebAssembly scanner; JSON.parse settles only what
 * it cannot vouch for. (Parsing in a worker thread was measured and not kept: README, "Replay
 * throughput".)
 */

import { DOUBT, EVENT, type EventScanner, eventScanner, RECORD } from "./event-scan.js";
import { UNPARSABLE_EXAMPLES } from "./lines.js";

/**
 * The most the scanner is given at once. A chunk is about 256 KiB; a larger one holds a line cut
 * by chunks (a huge event), and goes to JSON.parse instead, so that the scanner's memory, which
 * WebAssembly never gives back, stays small whatever the input.
 */
export const SCANNER_MAX_BYTES = 4 * 1024 * 1024;

/** One chunk's lines, classified: the events as spans of `data`, and what the other lines were. */
export interface LineBatch {
  /** The bytes the spans index into: the chunk, or the chunk behind a line cut by the previous one. */
  data: Buffer;
  starts: number[];
  ends: number[];
  /** Each event's host name (hostKey), null when it has none. */
  keys: (string | null)[];
  blankLines: number;
  unparsableLines: number;
  /** Line numbers (in the member, from 1) of unparsable lines, only the first few. */
  unparsableAt: number[];
  nonObjectValues: number;
  /** Bytes of the lines classified, terminators included (\r\n is two). */
  bytes: number;
  /** The member's --limit is reached: nothing after this batch is read. */
  done: boolean;
}

/**
 * Host name of an event: Mordor's flat `Hostname`, Winlogbeat 8's `host.name` (ECS) or
 * `winlog.computer_name`, or the Windows `Computer` field.
 */
export function hostKey(event: Record<string, unknown>): string | null {
  const host = event.host as Record<string, unknown> | undefined;
  const winlog = event.winlog as Record<string, unknown> | undefined;
  const candidates = [event.Hostname, host?.name, winlog?.computer_name, event.computer_name, event.Computer];
  const found = candidates.find((c) => typeof c === "string" && c.length > 0);
  return (found as string | undefined) ?? null;
}

/** What one line's text is: blank, unparsable, a JSON value that is not an object, or an event. */
export function lineValue(line: string): "blank" | "unparsable" | "not an object" | Record<string, unknown> {
  if (line.trim() === "") return "blank";
  // A byte-order mark at the start of a file is not part of the JSON.
  const text = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "unparsable";
  }
  return isEvent(value) ? value : "not an object";
}

/** An event is a JSON object: not an array, a string, a number or null (a line or an array element alike). */
export function isEvent(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** One line: its bytes [from, end) without the terminator, where the next starts, and the scanner's verdict. */
type LineVisitor = (from: number, end: number, next: number, kind: number, hostStart: number, hostEnd: number) => boolean;

/**
 * The lines of `data` as the scanner reads them, each to `visit` until it returns false. Without
 * `last`, a line with no line end is left. Returns where the first line not visited starts.
 */
function scannedLines(scanner: EventScanner, data: Buffer, last: boolean, visit: LineVisitor): number {
  scanner.load(data);
  let start = 0;
  while (start < data.length) {
    const { records, lines } = scanner.scan(start, last);
    if (lines === 0) break;
    for (let o = 0; o < lines * RECORD; o += RECORD) {
      start = records[o + 2] as number;
      const from = records[o] as number;
      const end = records[o + 1] as number;
      if (!visit(from, end, start, records[o + 3] as number, records[o + 4] as number, records[o + 5] as number)) return start;
    }
  }
  return start;
}

/** The lines of `data`, each to `visit` as a doubt (no scanner): the same contract as scannedLines. */
function splitLines(data: Buffer, last: boolean, visit: LineVisitor): number {
  let start = 0;
  while (start < data.length) {
    let nl = data.indexOf(10, start);
    if (nl === -1) {
      if (!last) break;
      nl = data.length;
    }
    const from = start;
    // \r\n counts as one terminator.
    const end = nl > from && data[nl - 1] === 13 ? nl - 1 : nl;
    start = nl + 1;
    if (!visit(from, end, start, DOUBT, 0, 0)) break;
  }
  return start;
}

/** The host name the scanner found; an escaped one decoded as JSON.parse would (the span with its quotes). */
function scannedHost(data: Buffer, kind: number, hostStart: number, hostEnd: number): string {
  return kind === EVENT
    ? data.toString("utf8", hostStart, hostEnd)
    : (JSON.parse(data.toString("utf8", hostStart - 1, hostEnd + 1)) as string);
}

/**
 * A member's classifier: push its chunks in order, then end(). Stops after `limit` events (the
 * line holding the last one counted, nothing after it). Holds at most one partial line between
 * chunks; an event is a span of the chunk it ends in (a line cut by a chunk's end is joined with
 * its rest into one new buffer, the rest of that chunk behind it).
 */
export function lineClassifier(limit: number, scanner: EventScanner | null = eventScanner()) {
  let rest: Buffer | null = null;
  let lineNo = 0;
  let events = 0;
  let unparsableSeen = 0;
  let done = false;

  function classify(data: Buffer, last: boolean): LineBatch {
    const out: LineBatch = {
      data,
      starts: [],
      ends: [],
      keys: [],
      blankLines: 0,
      unparsableLines: 0,
      unparsableAt: [],
      nonObjectValues: 0,
      bytes: 0,
      done: false,
    };
    // One line, classified by JSON.parse: the scanner's doubts, or every line without the scanner.
    const parsed = (from: number, end: number) => {
      const value = lineValue(data.toString("utf8", from, end));
      if (value === "blank") out.blankLines++;
      else if (value === "not an object") out.nonObjectValues++;
      else if (value === "unparsable") {
        out.unparsableLines++;
        if (unparsableSeen++ < UNPARSABLE_EXAMPLES) out.unparsableAt.push(lineNo);
      } else event(from, end, hostKey(value));
    };
    const event = (from: number, end: number, key: string | null) => {
      out.starts.push(from);
      out.ends.push(end);
      out.keys.push(key);
      if (++events >= limit) done = true;
    };
    const visit: LineVisitor = (from, end, next, kind, hostStart, hostEnd) => {
      lineNo++;
      // Every byte read, terminators included: a file's lines add up to its size.
      out.bytes += Math.min(next, data.length) - from;
      if (kind === DOUBT) parsed(from, end);
      else event(from, end, hostEnd === 0 ? null : scannedHost(data, kind, hostStart, hostEnd));
      return !done;
    };
    // A chunk with no line end (within a long line) has nothing to classify yet: not copied to the scanner.
    const scan = scanner && data.length <= SCANNER_MAX_BYTES && (last || data.lastIndexOf(10) !== -1);
    let start = 0;
    if (!done) start = scan ? scannedLines(scanner, data, last, visit) : splitLines(data, last, visit);
    out.done = done;
    // A copy: the chunk goes on to the sender and must not be kept alive by the partial line held here.
    if (!done && !last && start < data.length) rest = Buffer.from(data.subarray(start));
    return out;
  }

  return {
    push(chunk: Buffer): LineBatch {
      if (done || !rest) return classify(done ? chunk.subarray(0, 0) : chunk, false);
      const joined = Buffer.concat([rest, chunk]);
      rest = null;
      return classify(joined, false);
    },
    /** The member's last line, when it has no terminator. */
    end(): LineBatch {
      const tail = rest ?? Buffer.alloc(0);
      rest = null;
      return classify(tail, true);
    },
  };
}
