/**
 * Elasticsearch: HELK's index templates, the retention policy where the node has ILM, and
 * with security on the built-in kibana_system password and a least-privilege Logstash writer.
 * Each change is made only when what is there differs; a second run changes nothing.
 */
import type { Client } from "@elastic/elasticsearch";
import type { ElasticsearchAccess } from "../../compose/elasticsearch-access.js";
import { indexTemplates, RETENTION_POLICY, retentionPolicy } from "../../compose/elasticsearch-templates.js";
import type { HelkSecrets } from "../../compose/secrets.js";
import { esClient } from "../elasticsearch-client.js";
import { ensureServiceUsers, type ServiceUsersOptions } from "./elasticsearch-users.js";
import { sameJson } from "./same-json.js";

async function hasIlm(client: Client): Promise<boolean> {
  try {
    await client.ilm.getStatus();
    return true;
  } catch {
    return false;
  }
}

export async function provisionElasticsearch(o: {
  access: ElasticsearchAccess;
  /** HELK's own node with security on: it sets kibana_system's password and makes the writer user. */
  manageUsers: boolean;
  /** Which of the optional users the install's services need. */
  users?: ServiceUsersOptions;
  secrets: HelkSecrets;
  retentionDays: number;
}): Promise<{ changes: string[]; notes: string[] }> {
  const client = esClient(o.access, 30_000);
  const changes: string[] = [];
  const notes: string[] = [];
  try {
    const ilm = await hasIlm(client);
    if (ilm) {
      const wanted = retentionPolicy(o.retentionDays);
      const current = await client.ilm.getLifecycle({ name: RETENTION_POLICY }).catch(() => undefined);
      if (!current || !sameJson(current[RETENTION_POLICY]?.policy?.phases, wanted.phases)) {
        await client.ilm.putLifecycle({ name: RETENTION_POLICY, policy: wanted as never });
        changes.push(`retention policy ${RETENTION_POLICY}: delete after ${o.retentionDays} days`);
      }
    } else notes.push("retention policy not applied: this Elasticsearch node has no ILM");

    // One replica where the cluster has a second node to hold it (an external cluster).
    const nodes = o.access.external ? (await client.cluster.health()).number_of_nodes : 1;
    for (const t of indexTemplates(ilm ? RETENTION_POLICY : undefined, nodes > 1 ? 1 : 0)) {
      const existing = await client.indices.getIndexTemplate({ name: t.name }).catch(() => undefined);
      const current = existing?.index_templates[0]?.index_template;
      const same =
        current &&
        sameJson(current.index_patterns, t.body.index_patterns) &&
        sameJson(current.priority, t.body.priority) &&
        sameJson(current.template?.mappings, t.body.template.mappings) &&
        sameJson(
          (current.template?.settings as { index?: unknown } | undefined)?.index ?? current.template?.settings,
          flattenIndexSettings(t.body.template.settings),
        );
      if (!same) {
        await client.indices.putIndexTemplate({ name: t.name, ...(t.body as object) });
        changes.push(`index template ${t.name} (${t.body.index_patterns.join(", ")})`);
      }
    }

    // An external cluster's users are its operators': HELK writes as the user it was given.
    if (o.access.external) notes.push(`users not managed: HELK's services use ${o.access.username ?? "no login"} on the external cluster`);
    if (o.manageUsers) changes.push(...(await ensureServiceUsers(client, o.access.nodes, o.secrets, o.users)));
    return { changes, notes };
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Elasticsearch returns template settings nested under "index" with string values. */
function flattenIndexSettings(settings: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings)) {
    const key = k.startsWith("index.") ? k.slice(6) : k;
    if (key.includes(".")) {
      const [head, ...rest] = key.split(".");
      out[head as string] = { ...((out[head as string] as Record<string, unknown>) ?? {}), [rest.join(".")]: v };
    } else out[key] = v;
  }
  return out;
}
