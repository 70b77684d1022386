/**
 * Preflight of the operator's clusters (kafka.external, elasticsearch.external), run once the
 * install's secrets are known and before anything starts: reachable, the login accepted, a
 * version HELK speaks, a healthy cluster, and the permissions HELK needs. Each failure names
 * what is wrong, or the missing permission.
 */
import type { HelkConfig } from "../../compose/config/schema.js";
import type { ElasticsearchAccess } from "../../compose/elasticsearch-access.js";
import { indexTemplates } from "../../compose/elasticsearch-templates.js";
import { describeKafkaAccess, type KafkaAccess } from "../../compose/kafka-access.js";
import { esClient } from "../elasticsearch-client.js";
import { kafkaClient, kafkaErrorHint } from "../kafka-client.js";

export interface ExternalFinding {
  cluster: "kafka" | "elasticsearch";
  ok: boolean;
  message: string;
  hint?: string | undefined;
}

/** The cluster privileges provisioning uses (templates, ILM policy) and what the status probe reads. */
export const ES_CLUSTER_PRIVILEGES = ["monitor", "manage_index_templates"] as const;
/** What Logstash and the join do on HELK's indices. */
export const ES_INDEX_PRIVILEGES = ["create_index", "create_doc", "write", "view_index_metadata"] as const;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0]?.slice(0, 200) ?? "";

export async function checkExternalKafka(access: KafkaAccess, config: HelkConfig): Promise<ExternalFinding[]> {
  const where = describeKafkaAccess(access);
  const admin = kafkaClient(access, "helk-preflight", { connectionTimeout: 5000, requestTimeout: 10_000, retry: { retries: 1 } }).admin();
  const out: ExternalFinding[] = [];
  try {
    try {
      await admin.connect();
    } catch (err) {
      return [
        {
          cluster: "kafka",
          ok: false,
          message: `cannot connect to ${where}: ${errorText(err)}`,
          hint: kafkaErrorHint(err, access) ?? "check kafka.external.bootstrap, the firewall and that HELK's containers can route there",
        },
      ];
    }
    const cluster = await admin.describeCluster();
    const n = cluster.brokers.length;
    out.push({
      cluster: "kafka",
      ok: true,
      message: `${where}: ${n} broker${n === 1 ? "" : "s"}, controller ${cluster.controller ?? "none"}${n < 3 ? " (fewer than 3: topics get 1 replica, a lost broker loses data)" : ", topics get 3 replicas, min.insync.replicas 2"}`,
    });
    const existing = new Set(await admin.listTopics());
    const missing = Object.keys(config.kafka.topics).filter((t) => !existing.has(t));
    if (missing.length) {
      try {
        await admin.createTopics({
          validateOnly: true,
          waitForLeaders: false,
          topics: missing.map((topic) => ({ topic, numPartitions: 1, replicationFactor: n >= 3 ? 3 : 1 })),
        });
        out.push({ cluster: "kafka", ok: true, message: `may create HELK's topics (${missing.join(", ")})` });
      } catch (err) {
        const denied = /AUTHORIZATION/i.test(`${(err as { type?: string }).type} ${errorText(err)}`);
        out.push({
          cluster: "kafka",
          ok: false,
          message: denied
            ? `missing permission: CREATE on topics ${missing.join(", ")} for ${access.sasl?.username ?? "this client"}`
            : `cannot create HELK's topics: ${errorText(err)}`,
          hint: denied
            ? `grant it (kafka-acls --add --allow-principal User:${access.sasl?.username ?? "..."} --operation Create --operation Write --operation Read --operation Describe --topic ...), or create the topics yourself`
            : "check the brokers' logs",
        });
      }
    } else out.push({ cluster: "kafka", ok: true, message: "HELK's topics exist already" });
    return out;
  } catch (err) {
    return [...out, { cluster: "kafka", ok: false, message: `${where}: ${errorText(err)}`, hint: kafkaErrorHint(err, access) }];
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function checkExternalElasticsearch(access: ElasticsearchAccess): Promise<ExternalFinding[]> {
  const where = access.nodes.join(",");
  const es = esClient(access, 10_000);
  const out: ExternalFinding[] = [];
  try {
    let health: Awaited<ReturnType<typeof es.cluster.health>>;
    try {
      health = await es.cluster.health();
    } catch (err) {
      const status = (err as { meta?: { statusCode?: number } }).meta?.statusCode;
      return [
        status === 401
          ? {
              cluster: "elasticsearch",
              ok: false,
              message: `${where} refused the login of ${who(access, "an anonymous client")}`,
              hint: "give the right password in HELK_ELASTICSEARCH_EXTERNAL_PASSWORD (or the API key in HELK_ELASTICSEARCH_EXTERNAL_API_KEY) and run again",
            }
          : {
              cluster: "elasticsearch",
              ok: false,
              message: `cannot reach ${where}: ${errorText(err)}`,
              hint: "check elasticsearch.external.urls, the CA (caFile) and the firewall",
            },
      ];
    }
    const nodes = await es.nodes.info({ node_id: "_local", metric: "_none" });
    const version = Object.values(nodes.nodes)[0]?.version ?? "unknown";
    const major = Number(version.split(".")[0]);
    out.push(
      major === 8 || major === 9
        ? { cluster: "elasticsearch", ok: true, message: `${where}: Elasticsearch ${version}` }
        : {
            cluster: "elasticsearch",
            ok: false,
            message: `${where} runs Elasticsearch ${version}; HELK needs 8.x or 9.x`,
            hint: "point elasticsearch.external at an 8.x or 9.x cluster",
          },
    );
    out.push(
      health.status === "red"
        ? {
            cluster: "elasticsearch",
            ok: false,
            message: `cluster ${health.cluster_name} is red (${health.unassigned_shards} unassigned shards)`,
            hint: "ask its operators to bring it to yellow or green first",
          }
        : {
            cluster: "elasticsearch",
            ok: true,
            message: `cluster ${health.cluster_name} is ${health.status}, ${health.number_of_nodes} node${health.number_of_nodes === 1 ? "" : "s"}`,
          },
    );
    out.push(await checkPrivileges(es, access));
    return out;
  } catch (err) {
    return [...out, { cluster: "elasticsearch", ok: false, message: `${where}: ${errorText(err)}` }];
  } finally {
    await es.close().catch(() => undefined);
  }
}

const who = (a: ElasticsearchAccess, otherwise: string) => a.username ?? (a.apiKey ? "the API key" : otherwise);

async function checkPrivileges(es: ReturnType<typeof esClient>, access: ElasticsearchAccess): Promise<ExternalFinding> {
  const names = [...new Set(indexTemplates().flatMap((t) => t.body.index_patterns))];
  try {
    const r = await es.security.hasPrivileges({
      cluster: [...ES_CLUSTER_PRIVILEGES],
      index: [{ names, privileges: [...ES_INDEX_PRIVILEGES] }],
    });
    const missing = [
      ...Object.entries(r.cluster)
        .filter(([, ok]) => !ok)
        .map(([p]) => `cluster privilege ${p}`),
      ...Object.entries(r.index).flatMap(([index, privs]) =>
        Object.entries(privs)
          .filter(([, ok]) => !ok)
          .map(([p]) => `${p} on ${index}`),
      ),
    ];
    return missing.length
      ? {
          cluster: "elasticsearch",
          ok: false,
          message: `${who(access, "the client")} lacks: ${missing.join(", ")}`,
          hint: `give its role cluster [${ES_CLUSTER_PRIVILEGES.join(", ")}] and indices ${names.join(", ")} [${ES_INDEX_PRIVILEGES.join(", ")}]`,
        }
      : { cluster: "elasticsearch", ok: true, message: `${who(access, "the client")} has the privileges HELK needs` };
  } catch (err) {
    // A cluster without security answers every request: nothing to check.
    if (/security.*(not enabled|disabled)|Security must be explicitly enabled/i.test(errorText(err)))
      return { cluster: "elasticsearch", ok: true, message: "security is off on the cluster: every request is allowed" };
    throw err;
  }
}
