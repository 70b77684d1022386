/**
 * The heavy lane, taken by every file of the `engine-heavy` project (vitest.config.ts, through
 * heavy-lane-setup.ts). Those files run Spark or Jupyter beside Kafka and Elasticsearch; two of
 * them at once on a 2-core machine made installs beside them overrun their deadlines (session 27, local run with any two files at
 * once). So a heavy file waits, before its tests, until no other heavy file runs.
 */
import { CLAIMS_DIR, claim, holder, release } from "./claims.js";

const KEY = "heavy-lane";

/** Waits until this process holds the lane; says once on stderr whom it waits for. */
export async function takeLane(dir = CLAIMS_DIR, pid = process.pid, pollMs = 2_000, maxMs = 3_600_000): Promise<void> {
  let said = false;
  const until = Date.now() + maxMs;
  while (!claim(dir, KEY, pid)) {
    // A holder that never lets go (its file hung past every timeout) fails this file instead of the whole run's time.
    if (Date.now() > until) throw new Error(`the heavy lane is still held by pid ${holder(dir, KEY, pid) ?? "?"} after ${maxMs / 1000} s`);
    if (!said) {
      console.warn(`[test] waiting for the heavy lane, held by pid ${holder(dir, KEY, pid) ?? "?"}`);
      said = true;
    }
    // Jitter: two that claimed at once both backed off; they must not retry in step.
    await new Promise((r) => setTimeout(r, pollMs + Math.random() * pollMs));
  }
}

export const leaveLane = (dir = CLAIMS_DIR, pid = process.pid): void => release(dir, KEY, pid);
