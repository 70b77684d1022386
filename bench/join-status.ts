/**
 * The Spark join's own progress report (`helk-stream-status`), read by the join benchmarks on a
 * stack that was just installed: until the job's first report, a read means "not yet"
 * (test/helpers/es-not-yet.ts). The same holds for the first reads of `sysmon-join`, created by
 * the job's first joined document.
 */
import type { Client } from "@elastic/elasticsearch";
import { STATUS_INDEX, type StreamStatus } from "../engine/probes/stream-join-probe.js";
import { notYet } from "../test/helpers/es-not-yet.js";

/** The job's latest report; undefined while the index or its shard is not there yet. */
export async function jobReport(es: Client): Promise<StreamStatus | undefined> {
  try {
    const r = await es.get<StreamStatus>({ index: STATUS_INDEX, id: "sysmon-join" }, { ignore: [404] });
    return r.found ? r._source : undefined;
  } catch (err) {
    if (notYet(err)) return undefined;
    throw err;
  }
}

/** Wait until the job has reported once (its index created and its shard allocated). */
export async function waitForJobReport(es: Client, timeoutMs = 300_000): Promise<StreamStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await jobReport(es);
    if (r) return r;
    if (Date.now() > until)
      throw new Error(`the join job did not report in ${STATUS_INDEX} within ${timeoutMs / 1000} s: see \`helk logs stream-join\``);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
