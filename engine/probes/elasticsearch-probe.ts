/**
 * Elasticsearch: cluster health and the node's version with the 8.x client (it speaks to 8.x
 * and 9.x servers). The version comes from `_nodes/_local`, which every distribution serves.
 */
import { readFileSync } from "node:fs";
import { Client } from "@elastic/elasticsearch";
import type { ElasticsearchAccess } from "../../compose/elasticsearch-access.js";
import { failed, type Probe, type ProbeTarget } from "./probe.js";

export type EsLogin = Pick<ElasticsearchAccess, "nodes" | "username" | "password" | "apiKey" | "caFile">;

export function esClient(login: EsLogin, timeoutMs = 5000): Client {
  return new Client({
    nodes: login.nodes,
    ...(login.apiKey
      ? { auth: { apiKey: login.apiKey } }
      : login.username && login.password
        ? { auth: { username: login.username, password: login.password } }
        : {}),
    ...(login.caFile ? { tls: { ca: readFileSync(login.caFile, "utf8") } } : {}),
    requestTimeout: timeoutMs,
    maxRetries: 0,
  });
}

/** A probe target's Elasticsearch login. */
export function targetLogin(t: ProbeTarget): EsLogin {
  return t.elasticsearch ?? { nodes: [t.address], ...(t.username && t.password ? { username: t.username, password: t.password } : {}) };
}

export const elasticsearchProbe: Probe = async (t) => {
  const client = esClient(targetLogin(t), t.timeoutMs);
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
