import { LOCAL_SCRAM_MECHANISM } from "../../compose/kafka-access.js";
import { ExitCode } from "../../engine/errors.js";
import { readRecord } from "../../engine/install-record.js";
import { readState } from "../../engine/secrets.js";
import { type ConfigFlagValues, locateInstallHome } from "../config-flags.js";
import { type Printer, printJson, table } from "../output.js";

export async function runCredentials(opts: ConfigFlagValues & { json?: boolean }, printer: Printer): Promise<number> {
  const home = await locateInstallHome(opts);
  const record = readRecord(home);
  const s = readState(home, "credentials").secrets;
  const has = (service: string) => record.services.includes(service);
  const extEs = record.config.elasticsearch.external;
  const extKafka = record.config.kafka.external;
  const rows: { what: string; user: string; secret: string; where: string }[] = [
    ...(has("nginx")
      ? [
          {
            what: "analyst (Kibana, Jupyter)",
            user: record.config.security.kibanaUser,
            secret: s.analystPassword,
            where: `https://${record.hostIp}/`,
          },
        ]
      : []),
    ...(has("elasticsearch")
      ? [
          {
            what: "Elasticsearch superuser",
            user: "elastic",
            secret: s.elasticPassword,
            where: `http://127.0.0.1:${record.config.ports.elasticsearch}`,
          },
        ]
      : []),
    // The operator's clusters: the logins they handed over at install.
    ...(extEs?.username && s.externalElasticsearchPassword
      ? [{ what: "external Elasticsearch", user: extEs.username, secret: s.externalElasticsearchPassword, where: extEs.urls.join(",") }]
      : []),
    ...(extEs?.apiKey && s.externalElasticsearchApiKey
      ? [{ what: "external Elasticsearch API key", user: "-", secret: s.externalElasticsearchApiKey, where: extEs.urls.join(",") }]
      : []),
    ...(extKafka?.sasl && s.externalKafkaPassword
      ? [
          {
            what: `external Kafka (${extKafka.sasl.mechanism})`,
            user: extKafka.sasl.username,
            secret: s.externalKafkaPassword,
            where: extKafka.bootstrap.join(","),
          },
        ]
      : []),
    ...(has("kibana") && !extEs
      ? [{ what: "Kibana's service user", user: "kibana_system", secret: s.kibanaSystemPassword, where: "Kibana → Elasticsearch" }]
      : []),
    ...((has("logstash") || has("stream-join")) && !extEs
      ? [
          {
            what: "writer (Logstash, the Spark join)",
            user: "helk_logstash_writer",
            secret: s.logstashWriterPassword,
            where: "→ Elasticsearch",
          },
        ]
      : []),
    ...(has("jupyter") && !extEs
      ? [
          {
            what: "notebooks' reader (Jupyter)",
            user: "helk_notebook_reader",
            secret: s.notebookReaderPassword,
            where: "→ Elasticsearch (read-only)",
          },
        ]
      : []),
    ...(has("kafka") && record.config.kafka.sasl.enabled
      ? [
          {
            what: `Kafka SASL ${LOCAL_SCRAM_MECHANISM} (Winlogbeat, replay)`,
            user: record.config.kafka.sasl.username,
            secret: s.kafkaClientPassword,
            where: `${record.hostIp}:${record.config.ports.kafka}`,
          },
        ]
      : []),
    ...(has("jupyter") ? [{ what: "Jupyter token", user: "-", secret: s.jupyterToken, where: "?token= or the login page" }] : []),
  ];
  if (!record.config.security.enabled && has("elasticsearch"))
    printer.err("note: security is off in this install: Elasticsearch accepts requests without these passwords");
  if (opts.json) {
    printJson(printer, {
      ...(has("nginx") ? { analyst: { user: record.config.security.kibanaUser, password: s.analystPassword } } : {}),
      ...(has("elasticsearch") ? { elastic: { user: "elastic", password: s.elasticPassword } } : {}),
      ...(extEs?.username && s.externalElasticsearchPassword
        ? { externalElasticsearch: { user: extEs.username, password: s.externalElasticsearchPassword } }
        : {}),
      ...(extEs?.apiKey && s.externalElasticsearchApiKey ? { externalElasticsearchApiKey: s.externalElasticsearchApiKey } : {}),
      ...(extKafka?.sasl && s.externalKafkaPassword
        ? { externalKafka: { mechanism: extKafka.sasl.mechanism, user: extKafka.sasl.username, password: s.externalKafkaPassword } }
        : {}),
      ...(has("kibana") && !extEs ? { kibanaSystem: { user: "kibana_system", password: s.kibanaSystemPassword } } : {}),
      ...((has("logstash") || has("stream-join")) && !extEs
        ? { writer: { user: "helk_logstash_writer", password: s.logstashWriterPassword } }
        : {}),
      ...(has("jupyter") ? { jupyterToken: s.jupyterToken } : {}),
      ...(has("jupyter") && !extEs && s.notebookReaderPassword
        ? { notebookReader: { user: "helk_notebook_reader", password: s.notebookReaderPassword } }
        : {}),
      ...(has("kafka") && record.config.kafka.sasl.enabled
        ? { kafka: { mechanism: LOCAL_SCRAM_MECHANISM, user: record.config.kafka.sasl.username, password: s.kafkaClientPassword } }
        : {}),
    });
  } else
    printer.out(
      table(
        ["WHAT", "USER", "PASSWORD / TOKEN", "WHERE"],
        rows.map((r) => [r.what, r.user, r.secret, r.where]),
      ),
    );
  return ExitCode.ok;
}
