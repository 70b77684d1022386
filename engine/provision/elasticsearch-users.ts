/**
 * The logins HELK's services use on HELK's own Elasticsearch node (security on): the built-in
 * kibana_system's password, the least-privilege writer Logstash and the Spark join use, the
 * notebooks' read-only user, and the analyst's own login (security.kibanaUser): nginx's basic auth
 * forwards the analyst's Authorization header to Kibana, and Kibana checks every request's header
 * against Elasticsearch, so without a user of that name and password every Kibana page is a 401. The official image sets only `elastic` from ELASTIC_PASSWORD, and
 * these live in the node's data volume: they are set on every start that may meet a new volume
 * (engine/install/service-logins.ts), before the services that log in with them start, and again by
 * provisioning. Each is changed only when its login fails or differs; a second run changes nothing.
 */
import type { Client } from "@elastic/elasticsearch";
import { NOTEBOOK_READER } from "../../compose/endpoints.js";
import type { HelkSecrets } from "../../compose/secrets.js";
import { esClient } from "../elasticsearch-client.js";
import { sameJson } from "./same-json.js";

/** The join's progress document, which the join reads back after a restart (sysmon_join.py previous_event_time). */
const JOIN_STATUS_INDEX = "helk-stream-status";
const HELK_INDICES = ["logs-*", "sysmon-join*", JOIN_STATUS_INDEX];

const LOGSTASH_ROLE = {
  cluster: ["monitor", "manage_index_templates"],
  indices: [
    { names: HELK_INDICES, privileges: ["create_index", "create_doc", "write", "auto_configure", "view_index_metadata"] },
    // The writer reads nothing else: without this the join's restart could not restore its
    // last arrival time (a 403 in its log), so status showed none until new events came.
    { names: [JOIN_STATUS_INDEX], privileges: ["read"] },
  ],
};

/**
 * The notebooks' user: search and read HELK's indices (and see their mappings, which Spark and
 * pandas readers ask for), nothing else: no writes, no cluster settings.
 */
const NOTEBOOK_ROLE = {
  cluster: ["monitor"],
  indices: [{ names: HELK_INDICES, privileges: ["read", "view_index_metadata"] }],
};

type RoleBody = typeof LOGSTASH_ROLE;

async function canAuthenticate(nodes: string[], username: string, password: string): Promise<boolean> {
  const c = esClient({ nodes, username, password });
  try {
    await c.security.authenticate();
    return true;
  } catch {
    return false;
  } finally {
    await c.close().catch(() => undefined);
  }
}

/** A role named as its user, as wanted, and the user with its password; each put only when it differs. */
async function ensureUser(client: Client, nodes: string[], name: string, role: RoleBody, password: string): Promise<string[]> {
  const changes: string[] = [];
  const r = (await client.security.getRole({ name }).catch(() => undefined))?.[name];
  const sameRole =
    r &&
    sameJson(r.cluster, role.cluster) &&
    sameJson(
      r.indices?.map((i) => ({ names: i.names, privileges: i.privileges })),
      role.indices,
    );
  if (!sameRole) {
    await client.security.putRole({ name, ...role });
    changes.push(`role ${name}`);
  }
  if (!(await canAuthenticate(nodes, name, password))) {
    await client.security.putUser({ username: name, password, roles: [name] });
    changes.push(`user ${name}`);
  }
  return changes;
}

/**
 * Elasticsearch's built-in `editor` role: every Kibana feature, read-only on data indices. An
 * analyst builds dashboards and searches; only `elastic` administers.
 */
const ANALYST_ROLES = ["editor"];

/** The analyst's user: built-in roles only, so the password and the role list are all there is to check. */
async function ensureAnalyst(client: Client, nodes: string[], username: string, password: string): Promise<string[]> {
  const current = (await client.security.getUser({ username }).catch(() => undefined))?.[username];
  if (current && sameJson(current.roles, ANALYST_ROLES) && (await canAuthenticate(nodes, username, password))) return [];
  await client.security.putUser({ username, password, roles: ANALYST_ROLES });
  return [`user ${username}`];
}

export interface ServiceUsersOptions {
  /** Also the notebooks' read-only user (profiles with Jupyter). */
  notebookReader?: boolean;
  /** Also the analyst's login behind nginx (profiles with Kibana): security.kibanaUser. */
  analystUser?: string;
}

export async function ensureServiceUsers(
  client: Client,
  nodes: string[],
  secrets: Pick<HelkSecrets, "kibanaSystemPassword" | "logstashWriterPassword" | "notebookReaderPassword" | "analystPassword">,
  o: ServiceUsersOptions = {},
): Promise<string[]> {
  const changes: string[] = [];
  if (!(await canAuthenticate(nodes, "kibana_system", secrets.kibanaSystemPassword))) {
    await client.security.changePassword({ username: "kibana_system", password: secrets.kibanaSystemPassword });
    changes.push("user kibana_system: password set");
  }
  changes.push(...(await ensureUser(client, nodes, "helk_logstash_writer", LOGSTASH_ROLE, secrets.logstashWriterPassword)));
  if (o.notebookReader) changes.push(...(await ensureUser(client, nodes, NOTEBOOK_READER, NOTEBOOK_ROLE, secrets.notebookReaderPassword)));
  if (o.analystUser) changes.push(...(await ensureAnalyst(client, nodes, o.analystUser, secrets.analystPassword)));
  return changes;
}
