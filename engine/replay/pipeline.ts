/**
 * Several produce requests in flight per partition on an idempotent producer, as librdkafka
 * keeps them (what `kcat -P` does), without a duplicate or a gap after a lost broker.
 *
 * Each request carries one partition's batch. Its sequence number is given when it is sent (the
 * first record's; the next batch starts where this one ends), not when it is acknowledged: that
 * is what lets the next batch go before this one's answer. The broker writes a partition's
 * batches only in sequence order and keeps the numbers of the last five it wrote per producer, so:
 * - a batch that failed is sent again, with the same records and number, only after every batch
 *   before it in its partition was acknowledged: resends go in order, and the broker writes a
 *   resent batch once, or, if it had written it and only the answer was lost, knows it for a
 *   duplicate and acknowledges it without writing it again;
 * - batches after a failed one fail too (OUT_OF_ORDER_SEQUENCE_NUMBER: the broker refuses a gap)
 *   and are resent the same way, in turn;
 * - a new batch goes only while the span from the oldest unacknowledged batch to it is at most
 *   MAX_IN_FLIGHT (5) batches, acknowledged ones in between counted: a resent batch is then always
 *   among the five the broker remembers (counting only the unacknowledged ones would let later
 *   batches push a slow one out of the broker's memory, and its resend would be refused as a gap).
 */
import type { Clock } from "../clock.js";
import { backoffMs } from "./retry-for.js";

/** Kafka remembers this many batches per producer and partition (and allows this many in flight). */
export const MAX_IN_FLIGHT = 5;

export interface PartitionTransport<M> {
  /** Send one partition's records numbered from `sequence`; resolves once the leader acknowledged them. */
  produce(partition: number, messages: M[], sequence: number): Promise<void>;
  /** Whether a failed batch may be sent again as it is (a lost broker, a moved leader, a timeout). */
  retriable(err: unknown): boolean;
  /** The broker refused a gap (OUT_OF_ORDER_SEQUENCE_NUMBER): right behind a batch that failed, not after one that landed. */
  isGap(err: unknown): boolean;
  /** A failed batch will be resent: forget where the leaders were. */
  beforeRetry(): void;
}

export interface PipelineOptions {
  /** How long a batch may keep failing before replay gives up (ms). */
  retryFor: number;
  clock: Clock;
}

interface Sent {
  delivery: Promise<void>;
  settled: boolean;
}

interface PartitionState {
  nextSequence: number;
  /** The partition's batches from the oldest not yet settled on, in sending order (settled ones behind it stay). */
  window: Sent[];
  /** The last batch's delivery (what the next batch's resend waits for). */
  last: Promise<void>;
  /** Batches that failed and are not yet delivered: a new one waits for the batch before it instead of failing too. */
  failing: number;
}

export class PartitionPipeline<M> {
  private readonly partitions = new Map<number, PartitionState>();

  constructor(
    private readonly transport: PartitionTransport<M>,
    private readonly o: PipelineOptions,
  ) {}

  /**
   * Number the partition's records and send them now, at most MAX_IN_FLIGHT - 1 batches behind the
   * oldest unsettled one (waits for it otherwise). Resolves once they are acknowledged (resent as needed).
   */
  async send(partition: number, messages: M[]): Promise<void> {
    const state = this.state(partition);
    while (state.window.length >= MAX_IN_FLIGHT) await state.window[0]?.delivery.catch(() => undefined);
    const sequence = state.nextSequence;
    // Kafka's sequence numbers wrap at 2^31 - 1.
    state.nextSequence = (sequence + messages.length) % 2 ** 31;
    const previous = state.last;
    const delivery = this.deliver(state, partition, messages, sequence, previous);
    // Handled here so a failure is not unhandled; whoever awaits the delivery still gets it.
    delivery.catch(() => undefined);
    state.last = delivery;
    const sent: Sent = { delivery, settled: false };
    state.window.push(sent);
    // Registered before any waiter's await, so the window has moved when a waiter looks again.
    const done = () => {
      sent.settled = true;
      while (state.window[0]?.settled) state.window.shift();
    };
    delivery.then(done, done);
    return delivery;
  }

  private state(partition: number): PartitionState {
    let s = this.partitions.get(partition);
    if (!s) {
      s = { nextSequence: 0, window: [], last: Promise.resolve(), failing: 0 };
      this.partitions.set(partition, s);
    }
    return s;
  }

  private async deliver(state: PartitionState, partition: number, messages: M[], sequence: number, previous: Promise<void>) {
    // Behind a failed batch this one would only be refused: it goes after the resends.
    if (state.failing > 0) await previous;
    let first: unknown;
    try {
      await this.transport.produce(partition, messages, sequence);
      return;
    } catch (err) {
      if (!this.transport.retriable(err) && !this.transport.isGap(err)) throw err;
      first = err;
    }
    state.failing++;
    try {
      await this.resend(partition, messages, sequence, previous, first);
    } finally {
      state.failing--;
    }
  }

  /** Send a failed batch again once the batches before it are in, until it is in or time is up. */
  private async resend(partition: number, messages: M[], sequence: number, previous: Promise<void>, first: unknown) {
    // A batch before this one that could not be delivered leaves a gap nothing fills: its error ends this one too.
    await previous;
    // Timed from here: the batch before may have taken its whole time to get in, and this one
    // then still gets its own tries.
    const giveUp = this.o.clock.now() + this.o.retryFor;
    let last = first;
    for (let attempt = 0; this.o.clock.now() < giveUp; attempt++) {
      this.transport.beforeRetry();
      // Refused only for the gap in front of it, now filled, it goes at once; after a lost broker, with a back-off.
      if (attempt > 0 || !this.transport.isGap(first)) await this.o.clock.sleep(backoffMs(attempt));
      try {
        await this.transport.produce(partition, messages, sequence);
        return;
      } catch (err) {
        // A gap now, with every batch before this one acknowledged, is not one a resend can close.
        if (!this.transport.retriable(err)) throw err;
        last = err;
      }
    }
    throw last;
  }
}
