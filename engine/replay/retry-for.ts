import type { Clock } from "../clock.js";

/** The wait before try `tries + 1`: 250 ms, doubling, at most 5 s (a producer id and a resent batch alike). */
export const backoffMs = (tries: number) => Math.min(5000, 250 * 2 ** tries);

/**
 * Calls `attempt` until it succeeds, fails with an error `retriable` refuses, or `forMs` have
 * passed (then its last error is thrown). Back-off by `backoffMs`: the client's
 * own three quick retries are over in about a second, while a partition or transaction
 * coordinator that moved to another broker answers "loading" for several seconds.
 */
export async function retryFor<T>(
  attempt: () => Promise<T>,
  o: { retriable: (err: unknown) => boolean; forMs: number; clock: Clock },
): Promise<T> {
  const giveUp = o.clock.now() + o.forMs;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      if (!o.retriable(err) || o.clock.now() >= giveUp) throw err;
    }
    await o.clock.sleep(backoffMs(tries));
  }
}
