/**
 * The Elasticsearch client for the commands that write or search (provisioning, verify,
 * upgrade, external preflight). `helk status` reads through plain GETs instead
 * (probes/elasticsearch-probe.ts) and never loads it.
 */
import { readFileSync } from "node:fs";
import { Client } from "@elastic/elasticsearch";
import type { ElasticsearchAccess } from "../compose/elasticsearch-access.js";

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
