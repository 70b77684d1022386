/**
 * JSON lines → events, with exact accounting. Works on Buffers: a line's bytes are kept as
 * they are (only its terminator, \n or \r\n, is dropped) and become the Kafka message value.
 * (JSON arrays are read by json-array.ts; member-events.ts picks the reader.)
 */

export interface ReplayCounts {
  /** JSON objects read (sent, unless --dry-run). */
  events: number;
  blankLines: number;
  unparsableLines: number;
  /** The first few unparsable lines, as "member:line". */
  unparsableExamples: string[];
  /** Valid JSON that is not an object (arrays, strings, numbers), as a line or an array element. */
  nonObjectValues: number;
  /** Members read as JSON arrays (their elements are the events) rather than JSON lines. */
  jsonArrays: number;
  /** Archive members that are not JSON lines (__MACOSX resource forks, other files). */
  skippedMembers: number;
  /** Files and archive members read. */
  members: number;
  /** Bytes of JSON lines read (uncompressed). */
  bytes: number;
}

export const emptyCounts = (): ReplayCounts => ({
  events: 0,
  blankLines: 0,
  unparsableLines: 0,
  unparsableExamples: [],
  nonObjectValues: 0,
  jsonArrays: 0,
  skippedMembers: 0,
  members: 0,
  bytes: 0,
});

export interface ReplayEvent {
  /** The event's host name, for per-host ordering in Kafka; null when it has none. */
  key: string | null;
  /** The original line, byte for byte; for an array element, its compact JSON text. */
  value: Buffer;
}

const EXAMPLES = 3;

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

/** Classify one line (without its terminator) and count it. Returns the event, if any. */
export function classifyLine(line: Buffer, where: () => string, counts: ReplayCounts): ReplayEvent | undefined {
  counts.bytes += line.length + 1;
  let text = line.toString("utf8");
  if (text.trim() === "") {
    counts.blankLines++;
    return undefined;
  }
  // A byte-order mark at the start of a file is not part of the JSON.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    counts.unparsableLines++;
    if (counts.unparsableExamples.length < EXAMPLES) counts.unparsableExamples.push(where());
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    counts.nonObjectValues++;
    return undefined;
  }
  counts.events++;
  return { key: hostKey(value as Record<string, unknown>), value: line };
}

const line = (buf: Buffer, start: number, nl: number) => buf.subarray(start, nl > start && buf[nl - 1] === 13 ? nl - 1 : nl);

/**
 * Split a byte stream into lines without holding more than one partial line. A line stays a view
 * of its chunk; only a line cut by a chunk's end is copied (joined with its rest), not the chunk.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  let rest: Buffer[] = [];
  for await (const raw of chunks) {
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    let start = 0;
    let nl = chunk.indexOf(10);
    if (rest.length && nl !== -1) {
      const joined = Buffer.concat([...rest, chunk.subarray(0, nl + 1)]);
      rest = [];
      yield line(joined, 0, joined.length - 1);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    for (; nl !== -1; nl = chunk.indexOf(10, start)) {
      yield line(chunk, start, nl);
      start = nl + 1;
    }
    // A copy: the chunk's other lines are views that must not keep it alive through the rest.
    if (start < chunk.length) rest.push(Buffer.from(chunk.subarray(start)));
  }
  if (rest.length) {
    const last = Buffer.concat(rest);
    yield last[last.length - 1] === 13 ? last.subarray(0, last.length - 1) : last;
  }
}
