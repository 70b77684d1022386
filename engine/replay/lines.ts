/**
 * What replay counts and sends. (JSON lines are classified by line-classifier.ts, JSON arrays
 * read by json-array.ts; member-events.ts picks the reader.)
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

/** Unparsable lines named in the counts (as "member:line"), at most. */
export const UNPARSABLE_EXAMPLES = 3;

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
