/**
 * Right after an install, an index HELK's services create on their first write (`sysmon-join`,
 * `helk-stream-status`) may not exist yet, or exist with its shard not yet allocated: a read
 * then fails with `index_not_found_exception` or `no_shard_available_action_exception`. Both mean
 * "not yet", never "failed" (bench:join once crashed on the latter; external-clusters' count of
 * `sysmon-join` failed on it once).
 */
const NOT_YET =
  /no_shard_available_action_exception|index_not_found_exception|unavailable_shards_exception|search_phase_execution_exception/;

/** Whether an Elasticsearch error means "that index or its shard is not there yet". */
export const notYet = (err: unknown): boolean => NOT_YET.test(String((err as Error).message));
