/**
 * A JSON array of events (what Elastic's Winlogbeat golden files, `jq -s` and many exporters
 * write, on one line or pretty-printed) → its elements, one at a time, from a byte stream.
 *
 * Streaming, not JSON.parse of the whole file: memory holds the current chunk and the element
 * being read (one event), never the whole array. An element larger than MAX_ELEMENT_BYTES is
 * refused: no event is that big (Kafka refuses records over 1 MB by default), so it is a file
 * that is not an array of events (an array nested in an array, say).
 *
 * Each element comes out as compact JSON: the whitespace between tokens is dropped, every
 * byte of every string, number and literal is kept as it was (no re-serialisation, so numbers
 * keep their digits). Several arrays one after the other (one per line, as some exporters
 * write batches) are read as one sequence.
 *
 * The scanner only follows the structure (strings, brackets, commas); each element's own
 * validity is judged by JSON.parse of that element (see member-events.ts).
 */

/** An element of the array, with where it started in the member. */
export interface ArrayElement {
  /** Compact JSON text of the element. */
  value: Buffer;
  /** 1-based position among all elements of the member. */
  index: number;
  line: number;
  column: number;
}

export const MAX_ELEMENT_BYTES = 32 * 1024 * 1024;

/** The array's structure is broken: where, and how. Positions are 1-based; columns count bytes. */
export class JsonArrayError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
    readonly offset: number,
  ) {
    super(message);
    this.name = "JsonArrayError";
  }
}

const State = {
  /** Before the first `[` (whitespace and a BOM allowed). */
  Before: 0,
  /** Just after `[`: an element or `]`. */
  Open: 1,
  /** After `,`: an element (not `]`, not `,`). */
  Expect: 2,
  /** Inside an object or array element (depth > 0) or a string element. */
  Nested: 3,
  /** Inside a number or a literal (true, false, null): ends at whitespace, `,` or `]`. */
  Scalar: 4,
  /** After an element: `,` or `]`. */
  After: 5,
  /** After the closing `]`: whitespace, or another array. */
  Done: 6,
} as const;

const BOM = [0xef, 0xbb, 0xbf];

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

function describe(b: number): string {
  return b >= 0x21 && b < 0x7f ? `'${String.fromCharCode(b)}'` : `byte 0x${b.toString(16).padStart(2, "0")}`;
}

/**
 * The array's elements, each as its original bytes, one chunk at a time (one element in memory).
 * Longer than 80 lines because it is one byte-level state machine: an element is yielded from
 * inside the per-byte loop, and `yield` cannot move into a helper function; the loop is also the
 * replay's hottest path (bench:replay), where a call per byte would show.
 */
export async function* splitJsonArray(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<ArrayElement> {
  let state: number = State.Before;
  let offset = 0; // bytes before the current chunk
  let line = 1;
  let lineStart = 0; // absolute offset of the current line's first byte
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: Buffer[] = [];
  let size = 0;
  let index = 0;
  let startLine = 0;
  let startColumn = 0;
  let bom = 0; // bytes of a leading byte-order mark seen (it is not part of the JSON)

  const fail = (message: string, at: number): never => {
    throw new JsonArrayError(`${message} at line ${line}, column ${at - lineStart + 1}`, line, at - lineStart + 1, at);
  };

  for await (const raw of chunks) {
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    // Start of the element's current run of bytes in this chunk (whitespace between tokens splits runs).
    let run = 0;
    const keep = (end: number) => {
      if (end > run) {
        parts.push(chunk.subarray(run, end));
        size += end - run;
        if (size > MAX_ELEMENT_BYTES)
          fail(`element ${index} (from line ${startLine}) is over ${MAX_ELEMENT_BYTES / 1024 / 1024} MiB: not an event`, offset + end);
      }
    };
    const begin = (i: number) => {
      index++;
      startLine = line;
      startColumn = offset + i - lineStart + 1;
      parts = [];
      size = 0;
      run = i;
    };
    const finish = (end: number): ArrayElement => {
      keep(end);
      const value = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
      parts = [];
      return { value, index, line: startLine, column: startColumn };
    };

    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      const at = offset + i;
      switch (state) {
        case State.Nested:
          if (inString) {
            if (escaped) escaped = false;
            else if (b === 0x5c) escaped = true;
            else if (b === 0x22) {
              inString = false;
              if (depth === 0) {
                yield finish(i + 1);
                state = State.After;
              }
            }
          } else if (b === 0x22) inString = true;
          else if (b === 0x7b || b === 0x5b) depth++;
          else if (b === 0x7d || b === 0x5d) {
            depth--;
            if (depth === 0) {
              yield finish(i + 1);
              state = State.After;
            }
          } else if (isSpace(b)) {
            keep(i);
            run = i + 1;
          }
          break;
        case State.Scalar:
          if (isSpace(b) || b === 0x2c || b === 0x5d) {
            yield finish(i);
            state = State.After;
            i--; // the delimiter is read again, as what follows the element
            continue;
          }
          break;
        case State.Before:
        case State.Done:
          if (state === State.Before && at === bom && bom < 3 && b === BOM[bom]) bom++;
          else if (b === 0x5b) state = State.Open;
          else if (!isSpace(b))
            fail(
              state === State.Before
                ? `expected '[' (a JSON array), found ${describe(b)}`
                : `unexpected ${describe(b)} after the array's closing ']'`,
              at,
            );
          break;
        case State.After:
          if (b === 0x2c) state = State.Expect;
          else if (b === 0x5d) state = State.Done;
          else if (!isSpace(b)) fail(`expected ',' or ']' after element ${index}, found ${describe(b)}`, at);
          break;
        case State.Open:
        case State.Expect:
          if (isSpace(b)) break;
          if (b === 0x5d && state === State.Open) {
            state = State.Done;
            break;
          }
          if (b === 0x5d || b === 0x2c) fail(`expected an element, found ${describe(b)}`, at);
          begin(i);
          if (b === 0x7b || b === 0x5b) {
            state = State.Nested;
            depth = 1;
          } else if (b === 0x22) {
            state = State.Nested;
            depth = 0;
            inString = true;
          } else state = State.Scalar;
          break;
      }
      if (b === 0x0a) {
        line++;
        lineStart = at + 1;
      }
    }
    if (state === State.Nested || state === State.Scalar) keep(chunk.length);
    offset += chunk.length;
  }
  if (state === State.Scalar) {
    const value = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
    yield { value, index, line: startLine, column: startColumn };
    state = State.After;
  }
  if (state !== State.Done && state !== State.Before) {
    const where = state === State.Nested ? `inside element ${index} (from line ${startLine})` : `after element ${index}`;
    throw new JsonArrayError(
      `the array ends ${where} without its closing ']': truncated? (at line ${line}, column ${offset - lineStart + 1})`,
      line,
      offset - lineStart + 1,
      offset,
    );
  }
}
