import type { ElasticsearchAccess } from "../../compose/elasticsearch-access.js";
import type { KafkaAccess } from "../../compose/kafka-access.js";

/**
 * Protocol probes: beyond "the container says healthy", does the service answer its own
 * protocol? Each probe returns a one-line detail for `helk status`.
 */
export interface ProbeTarget {
  /** host:port or URL the probe should use, resolved by the caller. */
  address: string;
  /** Credentials where the service needs them (Elasticsearch `elastic`, the Jupyter token). */
  username?: string;
  password?: string;
  token?: string;
  /** Kafka's brokers and SASL login, where the target is Kafka. */
  kafka?: KafkaAccess;
  /** Elasticsearch's nodes and login, where the target reads Elasticsearch. */
  elasticsearch?: ElasticsearchAccess;
  timeoutMs?: number;
}

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

export type Probe = (target: ProbeTarget) => Promise<ProbeResult>;

export const failed = (err: unknown): ProbeResult => ({
  ok: false,
  detail: `probe failed: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]?.slice(0, 160)}`,
});
