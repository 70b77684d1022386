/**
 * The logins HELK's services use on HELK's own Elasticsearch node (security on): the built-in
 * kibana_system's password, and the least-privilege writer Logstash uses. The official image sets
 * only `elastic` from ELASTIC_PASSWORD, and these live in the node's data volume: they are set on
 * every start that may meet a new volume (engine/service-logins.ts), before the services that log
 * in with them start, and again by provisioning. Each is changed only when its login fails or
 * differs; a second run changes nothing.
 */
import type { Client } from "@elastic/elasticsearch";
import type { HelkSecrets } from "../../compose/secrets.js";
import { esClient } from "../probes/elasticsearch-probe.js";
import { sameJson } from "./same-json.js";

const LOGSTASH_ROLE = {
  cluster: ["monitor", "manage_index_templates"],
  indices: [
    {
      names: ["logs-*", "sysmon-join*", "helk-stream-status"],
      privileges: ["create_index", "create_doc", "write", "auto_configure", "view_index_metadata"],
    },
  ],
};

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

export async function ensureServiceUsers(
  client: Client,
  nodes: string[],
  secrets: Pick<HelkSecrets, "kibanaSystemPassword" | "logstashWriterPassword">,
): Promise<string[]> {
  const changes: string[] = [];
  if (!(await canAuthenticate(nodes, "kibana_system", secrets.kibanaSystemPassword))) {
    await client.security.changePassword({ username: "kibana_system", password: secrets.kibanaSystemPassword });
    changes.push("user kibana_system: password set");
  }
  const role = await client.security.getRole({ name: "helk_logstash_writer" }).catch(() => undefined);
  const r = role?.helk_logstash_writer;
  if (
    !r ||
    !sameJson(r.cluster, LOGSTASH_ROLE.cluster) ||
    !sameJson(
      r.indices?.map((i) => ({ names: i.names, privileges: i.privileges })),
      LOGSTASH_ROLE.indices,
    )
  ) {
    await client.security.putRole({ name: "helk_logstash_writer", ...LOGSTASH_ROLE });
    changes.push("role helk_logstash_writer");
  }
  if (!(await canAuthenticate(nodes, "helk_logstash_writer", secrets.logstashWriterPassword))) {
    await client.security.putUser({
      username: "helk_logstash_writer",
      password: secrets.logstashWriterPassword,
      roles: ["helk_logstash_writer"],
    });
    changes.push("user helk_logstash_writer");
  }
  return changes;
}
