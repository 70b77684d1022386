/**
 * Elasticsearch: cluster health and the node's version with the 8.x client (it speaks to 8.x
 * and 9.x servers). The version comes from `_nodes/_local`, which every distribution serves.
 */
import { Client } from "@elastic/elasticsearch";
import { failed, type Probe } from "./probe.js";

export function esClient(address: string, username?: string, password?: string, timeoutMs = 5000): Client {
  return new Client({
    node: address,
    ...(username && password ? { auth: { username, password } } : {}),
    requestTimeout: timeoutMs,
    maxRetries: 0,
  });
}

export const elasticsearchProbe: Probe = async (t) => {
  const client = esClient(t.address, t.username, t.password, t.timeoutMs);
  try {
    const health = await client.cluster.health();
    const nodes = await client.nodes.info({ node_id: "_local", metric: "_none" });
    const version = Object.values(nodes.nodes)[0]?.version;
    return {
      ok: health.status === "green" || health.status === "yellow",
      detail: `${health.status}, ${health.number_of_nodes} node${health.number_of_nodes === 1 ? "" : "s"}, ${health.active_shards} shard${health.active_shards === 1 ? "" : "s"}${version ? `, Elasticsearch ${version}` : ""}`,
    };
  } catch (err) {
    return failed(err);
  } finally {
    await client.close().catch(() => undefined);
  }
};
