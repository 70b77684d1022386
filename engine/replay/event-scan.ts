/**
 * Replay's line scanner (engine/replay/event-scan/, Rust built into WebAssembly): splits a chunk
 * into lines and, for each, says "certainly one JSON object, its host name is here" or "doubt".
 * JSON.parse of every line was most of replay's time (README, "Replay throughput"); the scanner
 * reads the bytes without building the event, and JSON.parse runs only on the doubts.
 */

import { EVENT_SCAN_WASM } from "./event-scan-wasm.js";

/** What the scanner says of one line. */
export const EVENT = 0;
/** An event whose host name holds a JSON escape: its text comes from JSON.parse of the span. */
export const EVENT_ESCAPED_HOST = 1;
/** Anything it cannot vouch for (invalid, blank, not an object, an escaped key...): JSON.parse decides. */
export const DOUBT = 2;

/** u32s per line: start, end (terminator dropped), next (after the \n), kind, host start, host end (0 when none). */
export const RECORD = 6;
/** Lines per scan() call: the records' room in the module's memory. */
const MAX_LINES = 4096;
/** The scanner reads up to 15 bytes past a line's end, 16 at a time. */
const PADDING = 16;
const PAGE = 65536;

interface ScanExports {
  memory: WebAssembly.Memory;
  heap_base(): number;
  scan(ptr: number, from: number, len: number, last: number, out: number, max: number): number;
}

export interface EventScanner {
  /** Copies `data` into the scanner; scan() then reads lines from it. */
  load(data: Buffer): void;
  /**
   * Scans the loaded data's lines from `from` (a line start): up to MAX_LINES records, offsets
   * into the data. Without `last`, a line with no \n is left unscanned (the count stops before it).
   */
  scan(from: number, last: boolean): { records: Uint32Array; lines: number };
  /** The module's memory in bytes (it only grows). */
  memoryBytes(): number;
}

let scanner: EventScanner | null | undefined;

/** The scanner, or null where WebAssembly (with SIMD) is not available: then JSON.parse classifies every line. */
export function eventScanner(): EventScanner | null {
  if (scanner === undefined) scanner = instantiate();
  return scanner;
}

function instantiate(): EventScanner | null {
  let exports: ScanExports;
  try {
    const module = new WebAssembly.Module(Buffer.from(EVENT_SCAN_WASM, "base64"));
    exports = new WebAssembly.Instance(module).exports as unknown as ScanExports;
  } catch {
    return null;
  }
  const { memory } = exports;
  const out = (exports.heap_base() + 15) & ~15;
  const input = out + MAX_LINES * RECORD * 4;
  let length = 0;
  return {
    memoryBytes: () => memory.buffer.byteLength,
    load(data) {
      const need = input + data.length + PADDING;
      if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE));
      new Uint8Array(memory.buffer, input, data.length).set(data);
      length = data.length;
    },
    scan(from, last) {
      const lines = exports.scan(input, from, length, last ? 1 : 0, out, MAX_LINES);
      const records = new Uint32Array(memory.buffer, out, lines * RECORD);
      return { records, lines };
    },
  };
}
