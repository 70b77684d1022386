/**
 * Read buffers for plain files, reused once nothing needs their bytes: every event cut from one
 * acknowledged by Kafka (a resend needs the bytes until then), the reader done with its tail.
 * A fresh 256 KiB buffer per read was a fresh allocation outside V8's heap, and every few tens
 * of MB of those start a full garbage collection: reusing them took a dry run of bench:replay's
 * 10× input from 1.98–2.16 s of CPU to 1.73–1.75 s (README, "Replay throughput").
 *
 * Each pooled buffer counts its holders. The reader holds a chunk until it has read the next
 * one (the tail of a line is copied from it), replay's loop until its events are cut, and each
 * event until its batch is acknowledged. A buffer nobody releases (a failed replay, a JSON
 * array, a sniffed sample) is never reused: the counts are in a WeakMap, and the collector frees it.
 */

/** What one read asks for: bench:replay's choice (sources.ts). */
export const FILE_CHUNK_BYTES = 256 * 1024;
/** A pooled buffer: a read plus a line's tail carried from the one before, in most files. */
const POOLED_BYTES = FILE_CHUNK_BYTES + 64 * 1024;
/** Free buffers kept, at most (the rest are left to the collector): more than replay keeps in flight. */
const MAX_FREE = 24;

const holders = new WeakMap<ArrayBufferLike, number>();
const free: Buffer[] = [];

/** Allocations and reuses since the process started (tests). */
export const chunkPoolStats = { allocated: 0, reused: 0 };

/** A buffer of at least `bytes`, held by `holds` holders. */
export function takeChunk(bytes: number, holds: number): Buffer {
  let buf: Buffer | undefined;
  if (bytes <= POOLED_BYTES) buf = free.pop();
  if (buf) chunkPoolStats.reused++;
  else {
    // Its own memory, not a slice of Node.js's shared pool: the buffer is the unit reused.
    buf = Buffer.allocUnsafeSlow(Math.max(bytes, POOLED_BYTES));
    chunkPoolStats.allocated++;
  }
  holders.set(buf.buffer, holds);
  return buf;
}

/** `n` more holders of a pooled buffer (anything else: nothing to do). */
export function holdChunk(buffer: ArrayBufferLike, n: number): void {
  const held = holders.get(buffer);
  if (held !== undefined) holders.set(buffer, held + n);
}

/** `n` holders let go of a pooled buffer; the last one gives it back. */
export function releaseChunk(buffer: ArrayBufferLike, n = 1): void {
  const held = holders.get(buffer);
  if (held === undefined) return;
  if (held > n) {
    holders.set(buffer, held - n);
    return;
  }
  holders.delete(buffer);
  if (buffer.byteLength === POOLED_BYTES && free.length < MAX_FREE) free.push(Buffer.from(buffer as ArrayBuffer));
}

/** Events sent and acknowledged: their buffers' holds let go, a run of one buffer at a time. */
export function releaseEvents(values: readonly { value: Buffer }[]): void {
  let run: ArrayBufferLike | undefined;
  let n = 0;
  for (const { value } of values) {
    if (value.buffer === run) n++;
    else {
      if (run) releaseChunk(run, n);
      run = value.buffer;
      n = 1;
    }
  }
  if (run) releaseChunk(run, n);
}
