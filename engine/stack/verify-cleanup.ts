/**
 * Removes `helk verify`'s pair from Elasticsearch, wherever it landed, and proves it: the
 * normalised events (Logstash's daily indices, or the backing indices of a data stream) and
 * the joined document(s) in sysmon-join, found by the pair's ProcessGuid, deleted by id in the
 * index each hit names, then counted again until none is left.
 *
 * Why search + delete by id, not _delete_by_query: a document in a data stream can only be
 * deleted through its backing index (which every search hit names as `_index`), and
 * _delete_by_query lives in the reindex module, which not every node has (Elastic's test
 * distribution, used by HELK's tests, lacks it). The delete needs the `write` (or `delete`)
 * index privilege, the refresh before the proving count `maintenance` (without it, the count
 * waits a refresh interval instead): verify's login (the `elastic` user on HELK's own cluster; the configured
 * user or API key of an external one) has it.
 */
import type { Client } from "@elastic/elasticsearch";
import type { Clock } from "../clock.js";
import { pairQuery } from "./verify-pair.js";

export interface CleanupResult {
  /** Documents deleted. */
  deleted: number;
  /** Documents of the pair still found after the last round (0 once proven clean). */
  remaining: number;
  /** Why the clean-up could not be proven, when it could not. */
  error?: string;
}

const ROUNDS = 5;

export async function removePair(es: Client, indices: string[], processGuid: string, clock: Clock): Promise<CleanupResult> {
  const target = { index: indices.join(","), ignore_unavailable: true, allow_no_indices: true };
  let deleted = 0;
  try {
    for (let round = 1; ; round++) {
      const hits = (await es.search({ ...target, size: 100, query: pairQuery(processGuid), _source: false })).hits.hits;
      if (hits.length > 0) {
        const r = await es.bulk({
          refresh: true,
          operations: hits.map((h) => ({ delete: { _index: h._index, _id: h._id as string } })),
        });
        deleted += r.items.filter((i) => i.delete?.result === "deleted").length;
      }
      // The proof is a count, and a count sees what the last refresh made searchable: refresh
      // now (a login without the maintenance privilege waits out the 1 s refresh interval instead).
      await es.indices.refresh({ index: target.index, ignore_unavailable: true, allow_no_indices: true }).catch(() => clock.sleep(1500));
      const remaining = (await es.count({ ...target, query: pairQuery(processGuid) })).count;
      if (remaining === 0 || round >= ROUNDS) return { deleted, remaining };
      await clock.sleep(1000);
    }
  } catch (err) {
    return { deleted, remaining: -1, error: err instanceof Error ? err.message : String(err) };
  }
}
