/**
 * Replay's events into Kafka in batches: one partition's events per batch, each up to the size
 * the broker takes, several batches in flight (the producer numbers them in order, pipeline.ts)
 * while the next ones are read and parsed, so reading and sending overlap and the broker's
 * answers do not hold the reading up. Paced by --rate over the whole run; `sent` counts what
 * Kafka acknowledged.
 */
import type { Clock } from "../clock.js";
import { releaseEvents } from "./chunk-pool.js";
import type { EventSink } from "./kafka-producer.js";
import type { ReplayEvent } from "./lines.js";

/**
 * A batch's bytes at most, record framing and keys counted. Kafka refuses a record batch over
 * max.message.bytes (1,048,588 by default); this leaves 48 KB of it unused. Fewer, larger
 * requests cost the broker less: sending the 10× bench input to one partition from memory
 * (`npm run bench:replay-request-size`, medians of 3 rounds), the broker's CPU was 1.76 s in
 * 128 KiB requests, 1.15 s in 256 KiB, 0.91 s in 768 KiB and 0.66 s in 1,000,000 B.
 */
export const BATCH_BYTES = 1_000_000;
/** A record's framing in a batch, at most (lengths, deltas, attributes, header count: varints). */
const RECORD_OVERHEAD = 32;
/** A record's bytes in a batch, at most: a key's UTF-16 unit is at most 3 bytes of UTF-8. */
const recordBytes = (e: ReplayEvent) => e.value.length + (e.key === null ? 0 : e.key.length * 3) + RECORD_OVERHEAD;
/**
 * Events waiting in all partitions' batches together, at most, in batches: past it the largest
 * batch goes early. Waiting events hold their read buffers (chunk-pool.ts), so memory stays
 * bounded on a topic of many partitions.
 */
const PENDING_BATCHES = 4;

/**
 * How far reading may get past a waiting batch's first event, in bytes of read buffers, before
 * that batch goes early. A waiting event holds its whole read buffer (chunk-pool.ts), and a
 * partition whose events come seldom fills its batch slowly: on bench:replay's input the
 * waiting batches came to hold 45 MB of read buffers at 20× and peak RSS grew with the input
 * (112 MB at 10×, 136 MB at 20×, 150 MB at 40×). A full batch of a partition with a third of
 * the events spans about 6 MB of reading, so this only cuts batches of rare partitions short.
 */
export const HELD_READ_BYTES = 16 * 1024 * 1024;

/**
 * Batches sent and not yet acknowledged, at most (under Kafka's five per partition). On
 * bench:replay's 10× input, with 256 KiB batches: 4 in flight, 3.3–5.8 s and 111–113 MB peak
 * RSS; 2, 5.8–5.9 s and 110–112 MB (the same loaded machine, alternating).
 */
const SENDS_IN_FLIGHT = 4;

interface PartitionBatch {
  events: ReplayEvent[];
  bytes: number;
  /** Bytes read (readBytes) when its first event was added. */
  since: number;
}

export interface BatchOptions {
  /** Events per second at most. */
  rate?: number;
  /** Events per batch at most. */
  batchSize?: number;
}

export class BatchSender {
  sent = 0;
  /** Keyed by partition (the sink's; all events in one batch when there is no sink, a dry run). */
  private readonly batches = new Map<number, PartitionBatch>();
  private pendingBytes = 0;
  /** The read buffers the events came from, in bytes, each counted once (when its first event comes). */
  private readBytes = 0;
  private lastRead: ArrayBufferLike | undefined;
  private queued = 0;
  private inFlight: Promise<void>[] = [];
  /** The first send that failed: replay stops with its error (no later send makes up for the lost events). */
  private failed: unknown;
  private readonly most: number;
  /** A batch's bytes at most: BATCH_BYTES, or what the sink says (less for a topic that takes less, more when it compresses). */
  private readonly limit: number;

  constructor(
    private readonly o: BatchOptions,
    private readonly producer: EventSink | undefined,
    private readonly clock: Clock,
    private readonly started: number,
    /** The error replay reports for a failed send, given how many events were acknowledged before it. */
    private readonly sendError: (err: unknown, sent: number) => unknown,
  ) {
    const batchSize = o.batchSize ?? 5000;
    // Smaller under --rate, so pacing is smooth.
    this.most = o.rate ? Math.max(1, Math.min(batchSize, Math.ceil(o.rate / 10))) : batchSize;
    this.limit = producer?.batchBytes ?? BATCH_BYTES;
  }

  /**
   * Put an event in its partition's batch. Returns a batch to send now: that partition's, when
   * the event did not fit in it (without the event) or filled it by count (with it), or the
   * largest one, when all together hold too much. An event alone always fits.
   */
  add(event: ReplayEvent): ReplayEvent[] | undefined {
    const partition = this.producer?.partitionOf?.(event.key) ?? 0;
    let batch = this.batches.get(partition);
    if (!batch) {
      batch = { events: [], bytes: 0, since: 0 };
      this.batches.set(partition, batch);
    }
    const newRead = event.value.buffer !== this.lastRead;
    if (newRead) {
      this.lastRead = event.value.buffer;
      this.readBytes += event.value.buffer.byteLength;
    }
    const size = recordBytes(event);
    const ready = batch.events.length > 0 && batch.bytes + size > this.limit ? this.take(batch) : undefined;
    if (batch.events.length === 0) batch.since = this.readBytes;
    batch.events.push(event);
    batch.bytes += size;
    this.pendingBytes += size;
    if (ready) return ready;
    if (batch.events.length >= this.most) return this.take(batch);
    if (this.pendingBytes > PENDING_BATCHES * this.limit) return this.take(this.largest());
    // Looked for only when a read buffer begins: once per buffer, not per event.
    return newRead ? this.heldTooLong() : undefined;
  }

  /** Send every partition's batch. */
  async flush(): Promise<void> {
    for (const batch of this.batches.values()) if (batch.events.length) await this.send(this.take(batch));
    if (this.failed) throw this.failed;
  }

  /** Send one batch, once fewer than SENDS_IN_FLIGHT are unacknowledged; then wait as --rate says. */
  async send(outgoing: ReplayEvent[]): Promise<void> {
    if (this.failed) throw this.failed;
    this.queued += outgoing.length;
    while (this.inFlight.length >= SENDS_IN_FLIGHT) await this.inFlight[0];
    if (this.producer) {
      const copies = this.producer.copiesOnSend === true;
      const sending = this.producer.send(outgoing).then(
        () => {
          this.sent += outgoing.length;
          // Acknowledged: no resend will need these bytes, so their read buffers may be reused.
          if (!copies) releaseEvents(outgoing);
        },
        (err) => {
          throw this.sendError(err, this.sent);
        },
      );
      // A sink that copied the bytes when called (compressed them) resends its copy: the read buffers are free now.
      if (copies) releaseEvents(outgoing);
      this.inFlight.push(sending);
      const done = () => this.inFlight.splice(this.inFlight.indexOf(sending), 1);
      // Kept, and thrown by the next send or by settle: a send may fail after it left the list
      // of those awaited (another partition's send finished first), and must still fail the replay.
      sending.then(done, (err: unknown) => {
        this.failed ??= err;
        done();
      });
    } else {
      this.sent += outgoing.length;
      releaseEvents(outgoing);
    }
    if (this.o.rate) {
      // Pace by the whole run, not per batch, so short stalls are made up.
      const wait = this.started + (this.queued / this.o.rate) * 1000 - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
    }
  }

  async settle(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    if (this.failed) throw this.failed;
  }

  private take(batch: PartitionBatch): ReplayEvent[] {
    const events = batch.events;
    this.pendingBytes -= batch.bytes;
    batch.events = [];
    batch.bytes = 0;
    return events;
  }

  /** The waiting batch whose first event is the oldest, when reading is HELD_READ_BYTES past it. */
  private heldTooLong(): ReplayEvent[] | undefined {
    let oldest: PartitionBatch | undefined;
    for (const b of this.batches.values()) if (b.events.length && (!oldest || b.since < oldest.since)) oldest = b;
    return oldest && this.readBytes - oldest.since > HELD_READ_BYTES ? this.take(oldest) : undefined;
  }

  private largest(): PartitionBatch {
    let most: PartitionBatch | undefined;
    for (const b of this.batches.values()) if (!most || b.bytes > most.bytes) most = b;
    return most as PartitionBatch;
  }
}
