/**
 * Elasticsearch: cluster health and the node's version (8.x and 9.x answer the same). The
 * version comes from `_nodes/_local`, which every distribution serves. Plain GETs, so a
 * probed `helk status` does not load the client (elasticsearch-client.ts).
 */
import type { EsLogin } from "../elasticsearch-client.js";
import { type GetOptions, getJson } from "./http-get.js";
import { failed, type Probe, type ProbeTarget } from "./probe.js";

/** A probe target's Elasticsearch login. */
export function targetLogin(t: ProbeTarget): EsLogin {
  return t.elasticsearch ?? { nodes: [t.address], ...(t.username && t.password ? { username: t.username, password: t.password } : {}) };
}

function authHeader(login: EsLogin): Record<string, string> {
  if (login.apiKey) return { authorization: `ApiKey ${login.apiKey}` };
  if (login.username && login.password)
    return { authorization: `Basic ${Buffer.from(`${login.username}:${login.password}`).toString("base64")}` };
  return {};
}

/** GET `path` from the first node that answers (a node that refuses the connection is skipped). */
export async function esGet<T>(login: EsLogin, path: string, o: Pick<GetOptions, "timeoutMs" | "ignore"> = {}): Promise<T | undefined> {
  let last: unknown;
  for (const node of login.nodes) {
    try {
      const url = `${node.replace(/\/$/, "")}${path}`;
      return (await getJson(url, { ...o, headers: authHeader(login), ...(login.caFile ? { caFile: login.caFile } : {}) })) as T | undefined;
    } catch (err) {
      last = err;
      if (!/ECONNREFUSED|EHOSTUNREACH|ENOTFOUND/.test(String((err as NodeJS.ErrnoException).code))) throw err;
    }
  }
  throw last;
}

interface Health {
  status: string;
  number_of_nodes: number;
  active_shards: number;
}

export const elasticsearchProbe: Probe = async (t) => {
  const login = targetLogin(t);
  const o = t.timeoutMs ? { timeoutMs: t.timeoutMs } : {};
  try {
    const [health, nodes] = await Promise.all([
      esGet<Health>(login, "/_cluster/health", o),
      esGet<{ nodes: Record<string, { version?: string }> }>(login, "/_nodes/_local?filter_path=nodes.*.version", o),
    ]);
    if (!health) throw new Error("no cluster health");
    const version = Object.values(nodes?.nodes ?? {})[0]?.version;
    return {
      ok: health.status === "green" || health.status === "yellow",
      detail: `${health.status}, ${health.number_of_nodes} node${health.number_of_nodes === 1 ? "" : "s"}, ${health.active_shards} shard${health.active_shards === 1 ? "" : "s"}${version ? `, Elasticsearch ${version}` : ""}`,
    };
  } catch (err) {
    return failed(err);
  }
};
