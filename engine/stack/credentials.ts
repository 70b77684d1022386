/**
 * `credentials`: the logins and tokens of an install, as one list of data. The command renders
 * it as a table or as JSON; both come from this list, so they cannot disagree.
 */
import { LOCAL_SCRAM_MECHANISM } from "../../compose/kafka-access.js";
import type { HelkSecrets } from "../../compose/secrets.js";
import type { InstallRecord } from "../install/install-record.js";

export interface Credential {
  /** The key of this login in `helk credentials --json`. */
  id: string;
  what: string;
  /** Absent for a token or an API key, which have no user. */
  user?: string;
  secret: string;
  where: string;
  /** Kafka's SASL mechanism, for the Kafka logins. */
  mechanism?: string;
}

/**
 * Every login this install has, in the order a user needs them; secrets not (yet) in the state
 * are left out. Longer than 80 lines because it is a table, one entry per login, read top down.
 */
export function installCredentials(record: InstallRecord, s: Partial<HelkSecrets>): Credential[] {
  const has = (service: string) => record.services.includes(service);
  const { config } = record;
  const extEs = config.elasticsearch.external;
  const extKafka = config.kafka.external;
  const candidates: (Omit<Credential, "secret"> & { secret: string | undefined; when: unknown })[] = [
    {
      id: "analyst",
      what: "analyst (Kibana, Jupyter)",
      user: config.security.kibanaUser,
      secret: s.analystPassword,
      where: `https://${record.hostIp}/`,
      when: has("nginx"),
    },
    {
      id: "elastic",
      what: "Elasticsearch superuser",
      user: "elastic",
      secret: s.elasticPassword,
      where: `http://127.0.0.1:${config.ports.elasticsearch}`,
      when: has("elasticsearch"),
    },
    // The operator's clusters: the logins they handed over at install.
    {
      id: "externalElasticsearch",
      what: "external Elasticsearch",
      user: extEs?.username ?? "",
      secret: s.externalElasticsearchPassword,
      where: extEs?.urls.join(",") ?? "",
      when: extEs?.username,
    },
    {
      id: "externalElasticsearchApiKey",
      what: "external Elasticsearch API key",
      secret: s.externalElasticsearchApiKey,
      where: extEs?.urls.join(",") ?? "",
      when: extEs?.apiKey,
    },
    {
      id: "externalKafka",
      what: `external Kafka (${extKafka?.sasl?.mechanism ?? ""})`,
      user: extKafka?.sasl?.username ?? "",
      secret: s.externalKafkaPassword,
      where: extKafka?.bootstrap.join(",") ?? "",
      ...(extKafka?.sasl ? { mechanism: extKafka.sasl.mechanism } : {}),
      when: extKafka?.sasl,
    },
    {
      id: "kibanaSystem",
      what: "Kibana's service user",
      user: "kibana_system",
      secret: s.kibanaSystemPassword,
      where: "Kibana → Elasticsearch",
      when: has("kibana") && !extEs,
    },
    {
      id: "writer",
      what: "writer (Logstash, the Spark join)",
      user: "helk_logstash_writer",
      secret: s.logstashWriterPassword,
      where: "→ Elasticsearch",
      when: (has("logstash") || has("stream-join")) && !extEs,
    },
    {
      id: "notebookReader",
      what: "notebooks' reader (Jupyter)",
      user: "helk_notebook_reader",
      secret: s.notebookReaderPassword,
      where: "→ Elasticsearch (read-only)",
      when: has("jupyter") && !extEs,
    },
    {
      id: "kafka",
      what: `Kafka SASL ${LOCAL_SCRAM_MECHANISM} (Winlogbeat, replay)`,
      user: config.kafka.sasl.username,
      secret: s.kafkaClientPassword,
      where: `${record.hostIp}:${config.ports.kafka}`,
      mechanism: LOCAL_SCRAM_MECHANISM,
      when: has("kafka") && config.kafka.sasl.enabled,
    },
    { id: "jupyterToken", what: "Jupyter token", secret: s.jupyterToken, where: "?token= or the login page", when: has("jupyter") },
  ];
  return candidates.flatMap(({ when, secret, ...c }) => (when && secret ? [{ ...c, secret }] : []));
}

/**
 * The JSON form: a login as `{user, password}` (with its mechanism for Kafka), a token or API
 * key as its string.
 */
export function credentialsJson(list: Credential[]): Record<string, string | { user: string; password: string; mechanism?: string }> {
  return Object.fromEntries(
    list.map((c) => [
      c.id,
      c.user === undefined ? c.secret : { ...(c.mechanism ? { mechanism: c.mechanism } : {}), user: c.user, password: c.secret },
    ]),
  );
}
