/**
 * One member's bytes → its events, whichever of the two formats users export: JSON lines
 * (one event per line: Mordor / Security-Datasets, Winlogbeat's file output) or a JSON array of
 * events (one line or pretty-printed: Elastic's Winlogbeat golden files, `jq -s` output). The
 * first byte that is not whitespace decides: `[` is an array, anything else JSON lines.
 */

import { holdChunk, releaseChunk } from "./chunk-pool.js";
import { type ArrayElement, splitJsonArray } from "./json-array.js";
import { hostKey, isEvent, type LineBatch, lineClassifier } from "./line-classifier.js";
import { type ReplayCounts, type ReplayEvent, UNPARSABLE_EXAMPLES } from "./lines.js";

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Index of the first byte that is not whitespace (a leading BOM skipped), or -1. */
function firstMeaningful(buf: Buffer): number {
  if (buf.length < 3 && buf[0] === 0xef && (buf.length < 2 || buf[1] === 0xbb)) return -1; // maybe a BOM, cut short
  let i = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  while (i < buf.length && isSpace(buf[i] as number)) i++;
  return i < buf.length ? i : -1;
}

/** Is the member a JSON array? Reads only up to its first meaningful byte; the returned stream still has every byte. */
async function peekFormat(chunks: AsyncIterable<Buffer | string>): Promise<{ array: boolean; stream: AsyncIterable<Buffer> }> {
  const it = chunks[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let array = false;
  let ended = false;
  for (;;) {
    const next = await it.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(typeof next.value === "string" ? Buffer.from(next.value) : next.value);
    // The head is whitespace so far (a few bytes, normally none): judge it whole, so a BOM
    // split across chunks is still a BOM.
    const sofar = head.length === 1 ? (head[0] as Buffer) : Buffer.concat(head);
    const at = firstMeaningful(sofar);
    if (at !== -1) {
      array = sofar[at] === 0x5b;
      break;
    }
  }
  async function* stream(): AsyncGenerator<Buffer> {
    yield* head;
    if (ended) return;
    for (let next = await it.next(); !next.done; next = await it.next())
      yield typeof next.value === "string" ? Buffer.from(next.value) : next.value;
  }
  return { array, stream: stream() };
}

/** An element that is not valid JSON breaks the array as surely as a missing bracket. */
export class ArrayElementError extends Error {
  constructor(
    readonly element: ArrayElement,
    cause: unknown,
  ) {
    super(
      `element ${element.index} (line ${element.line}, column ${element.column}) is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = "ArrayElementError";
  }
}

/** A classified chunk into the counts; its events, as views of its bytes. */
function takeBatch(name: string, b: LineBatch, counts: ReplayCounts): ReplayEvent[] {
  counts.bytes += b.bytes;
  counts.blankLines += b.blankLines;
  counts.unparsableLines += b.unparsableLines;
  counts.nonObjectValues += b.nonObjectValues;
  counts.events += b.starts.length;
  for (const at of b.unparsableAt)
    if (counts.unparsableExamples.length < UNPARSABLE_EXAMPLES) counts.unparsableExamples.push(`${name}:${at}`);
  const events = new Array<ReplayEvent>(b.starts.length);
  for (let i = 0; i < events.length; i++) events[i] = { key: b.keys[i] ?? null, value: b.data.subarray(b.starts[i], b.ends[i]) };
  return events;
}

/** JSON lines, a chunk at a time; stops reading once `limit` events are taken. */
async function* lineEvents(
  name: string,
  stream: AsyncIterable<Buffer>,
  counts: ReplayCounts,
  limit: number,
): AsyncGenerator<ReplayEvent[]> {
  const classifier = lineClassifier(limit);
  for await (const chunk of stream) {
    const b = classifier.push(chunk);
    const events = takeBatch(name, b, counts);
    // A pooled read buffer (chunk-pool.ts) is now held by its events, until Kafka acknowledges them.
    holdChunk(b.data.buffer, events.length);
    releaseChunk(chunk.buffer);
    yield events;
    if (b.done) return;
  }
  yield takeBatch(name, classifier.end(), counts);
}

/**
 * Events of one member, a batch at a time, counted into `counts`. Lines: each line that is a
 * JSON object is an event (line-classifier.ts). Arrays: each element that is an object is an
 * event (its compact JSON text the Kafka value), other elements count as non-object values; a
 * broken array throws JsonArrayError or ArrayElementError with the position.
 */
export async function* memberEvents(
  name: string,
  chunks: AsyncIterable<Buffer | string>,
  counts: ReplayCounts,
  limit = Number.POSITIVE_INFINITY,
): AsyncGenerator<ReplayEvent[]> {
  const { array, stream } = await peekFormat(chunks);
  if (!array) {
    yield* lineEvents(name, stream, counts, limit);
    return;
  }
  counts.jsonArrays++;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of stream) {
      counts.bytes += chunk.length;
      yield chunk;
    }
  }
  let taken = 0;
  for await (const element of splitJsonArray(counted())) {
    let value: unknown;
    try {
      value = JSON.parse(element.value.toString("utf8"));
    } catch (err) {
      throw new ArrayElementError(element, err);
    }
    if (!isEvent(value)) {
      counts.nonObjectValues++;
      continue;
    }
    counts.events++;
    yield [{ key: hostKey(value), value: element.value }];
    if (++taken >= limit) return;
  }
}
