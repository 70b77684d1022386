/**
 * Resending a produce request after a lost broker or a moved leader, without writing anything
 * twice. An idempotent producer numbers each partition's records and moves a partition's number
 * on only when the broker acknowledged that partition: what it resends of a partition that did
 * not land carries the same numbers, so the broker writes it once or knows it for a duplicate of
 * what it already holds. What did land (the request spanned brokers, one answered) must not go
 * again: it would be numbered anew and written twice.
 */
import type { Clock } from "../clock.js";

export interface ResendOptions<M> {
  send(messages: M[]): Promise<void>;
  /** The partitions a failed send still wrote (the client's report on the error). */
  landed(err: unknown): number[];
  /** Whether it may be sent again as it is (a lost broker, a moved leader, a timeout). */
  retriable(err: unknown): boolean;
  /** Before sending again: forget where partitions' leaders were. */
  beforeRetry(): void;
  /** How long a request may keep failing before replay gives up (ms). */
  retryFor: number;
  clock: Clock;
}

export async function sendWithoutDuplicates<M extends { partition: number }>(messages: M[], o: ResendOptions<M>): Promise<void> {
  const giveUp = o.clock.now() + o.retryFor;
  let left = messages;
  for (let attempt = 0; left.length > 0; attempt++) {
    try {
      await o.send(left);
      return;
    } catch (err) {
      if (!o.retriable(err) || o.clock.now() >= giveUp) throw err;
      const landed = new Set(o.landed(err));
      left = left.filter((m) => !landed.has(m.partition));
      o.beforeRetry();
      await o.clock.sleep(Math.min(5000, 250 * 2 ** attempt));
    }
  }
}
