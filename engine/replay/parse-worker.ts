/**
 * JSON lines judged in a worker thread: JSON.parse of every line (to count unparsable lines
 * exactly and find the host) was, with its garbage collection, about half of replay's time on
 * the main thread (bench:replay's profile). In a worker it runs beside the Kafka encoding and
 * the socket writes, on the machine's other core.
 *
 * The worker runs lines.ts's own lineKind and hostKey from their source text (no file to ship
 * beside the bundle, and the same code judges a line in either thread). Lines go over in batches
 * copied into shared memory that is reused; the events' values stay the lines read.
 */
import { Worker } from "node:worker_threads";
import { hostKey, lineKind } from "./lines.js";

/** Each line's kind (lines.ts's LineKind) and an event's host, in the lines' order. */
export interface ParsedBatch {
  kinds: Uint8Array;
  hosts: (string | null)[];
}

/** Shared buffers at least this large, reused: a fresh one per batch would linger until a garbage collection (peak RSS). */
const SHARED_BYTES = 1024 * 1024;

type Port = typeof import("node:worker_threads").parentPort & {};

/** The worker's program; `kind` is lineKind under whatever name the bundle gave it. */
function workerProgram(parentPort: Port, kind: (text: string) => [number, string | null]): void {
  parentPort.on("message", (m: { id: number; shared: SharedArrayBuffer; ends: Int32Array }) => {
    const bytes = Buffer.from(m.shared);
    const kinds = new Uint8Array(m.ends.length);
    const hosts = new Array<string | null>(m.ends.length);
    let start = 0;
    for (let i = 0; i < m.ends.length; i++) {
      const end = m.ends[i] as number;
      const [k, host] = kind(bytes.toString("utf8", start, end));
      kinds[i] = k;
      hosts[i] = host;
      start = end;
    }
    parentPort.postMessage({ id: m.id, kinds, hosts }, [kinds.buffer]);
  });
}

// The require is in the text, not in the code the bundler rewrites: it is the worker's own
// (an eval'd worker is a CommonJS script).
const SOURCE = `${hostKey}\n${lineKind}\n(${workerProgram})(require("node:worker_threads").parentPort, ${lineKind.name});`;

export class ParseWorker {
  private readonly worker = new Worker(SOURCE, { eval: true });
  private readonly waiting = new Map<number, { resolve(r: ParsedBatch): void; reject(e: Error): void; shared: SharedArrayBuffer }>();
  private readonly free: SharedArrayBuffer[] = [];
  private next = 0;

  constructor() {
    // Not unref'd: a dry run waits for its last batch with nothing else open. close() ends it.
    this.worker.on("message", (m: { id: number; kinds: Uint8Array; hosts: (string | null)[] }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (!w) return;
      // The worker is done with the copy: the next batch can use it.
      this.free.push(w.shared);
      w.resolve({ kinds: m.kinds, hosts: m.hosts });
    });
    this.worker.on("error", (err) => {
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    });
  }

  /** Judge these lines (`size` bytes in all); resolves with their kinds and hosts, in order. The lines are copied: they stay the caller's. */
  parse(lines: Buffer[], size: number): Promise<ParsedBatch> {
    const reuse = this.free.findIndex((b) => b.byteLength >= size);
    const shared =
      reuse === -1 ? new SharedArrayBuffer(Math.max(size, SHARED_BYTES)) : (this.free.splice(reuse, 1)[0] as SharedArrayBuffer);
    const bytes = Buffer.from(shared);
    const ends = new Int32Array(lines.length);
    let at = 0;
    for (let i = 0; i < lines.length; i++) {
      at += (lines[i] as Buffer).copy(bytes, at);
      ends[i] = at;
    }
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, shared });
      this.worker.postMessage({ id, shared, ends });
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
