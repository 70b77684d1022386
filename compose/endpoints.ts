/**
 * Where HELK's containers reach Kafka and Elasticsearch: the services of this install on the
 * project network, or the operator's existing clusters (kafka.external, elasticsearch.external).
 * Every service definition and renderer asks here instead of naming "kafka:19092". Pure.
 */
import type { HelkConfig } from "./config/schema.js";
import { KAFKA_BROKERS, servicesFor } from "./profiles.js";

/** Where a configured CA file is mounted read-only in the containers that need it. */
export const CA_MOUNT = { kafka: "/etc/helk/ca/kafka-ca.pem", elasticsearch: "/etc/helk/ca/elasticsearch-ca.pem" } as const;

export interface KafkaEndpoint {
  external: boolean;
  /** Comma-separated brokers, as Kafka clients take them. */
  bootstrap: string;
  /** Kafka's security.protocol for this connection. */
  securityProtocol: "PLAINTEXT" | "SASL_PLAINTEXT" | "SSL" | "SASL_SSL";
  sasl?: { mechanism: string; username: string };
  /** Host file and container path of the CA, when one is configured. */
  ca?: { file: string; mount: string };
}

/** The read-only Elasticsearch user of the notebooks (engine/provision/elasticsearch.ts makes it). */
export const NOTEBOOK_READER = "helk_notebook_reader";

export interface ElasticsearchEndpoint {
  external: boolean;
  /** Comma-separated node URLs. */
  urls: string;
  /** The user HELK's services write as: the external cluster's user, or HELK's own writer. */
  writer?: string;
  /** The user notebooks read as: HELK's read-only notebook user, or the external cluster's user. */
  reader?: string;
  /** They log in with the operator's API key instead (elasticsearch.external.apiKey). */
  apiKey?: boolean;
  ca?: { file: string; mount: string };
}

export function kafkaEndpoint(config: HelkConfig): KafkaEndpoint {
  const ext = config.kafka.external;
  if (!ext)
    return {
      external: false,
      bootstrap: KAFKA_BROKERS.slice(0, config.kafka.brokers)
        .map((broker) => `${broker}:19092`)
        .join(","),
      securityProtocol: "PLAINTEXT",
    };
  const tls = ext.tls.enabled;
  return {
    external: true,
    bootstrap: ext.bootstrap.join(","),
    securityProtocol: ext.sasl ? (tls ? "SASL_SSL" : "SASL_PLAINTEXT") : tls ? "SSL" : "PLAINTEXT",
    ...(ext.sasl ? { sasl: { mechanism: ext.sasl.mechanism, username: ext.sasl.username } } : {}),
    ...(tls && ext.tls.caFile ? { ca: { file: ext.tls.caFile, mount: CA_MOUNT.kafka } } : {}),
  };
}

export function elasticsearchEndpoint(config: HelkConfig): ElasticsearchEndpoint {
  const ext = config.elasticsearch.external;
  if (!ext)
    return {
      external: false,
      urls: "http://elasticsearch:9200",
      ...(config.security.enabled ? { writer: "helk_logstash_writer", reader: NOTEBOOK_READER } : {}),
    };
  return {
    external: true,
    urls: ext.urls.map((u) => u.replace(/\/$/, "")).join(","),
    ...(ext.username ? { writer: ext.username, reader: ext.username } : {}),
    ...(ext.apiKey ? { apiKey: true } : {}),
    ...(ext.caFile ? { ca: { file: ext.caFile, mount: CA_MOUNT.elasticsearch } } : {}),
  };
}

/** The CA mounts a service reaching both clusters needs. */
export function caVolumes(config: HelkConfig): string[] {
  return [kafkaEndpoint(config).ca, elasticsearchEndpoint(config).ca].filter((c) => c !== undefined).map((c) => `${c.file}:${c.mount}:ro`);
}

/**
 * What the services of this profile cannot do with the configured external clusters yet: their
 * configuration is static in HELK's images (Logstash's pipeline, ksqlDB's server) and speaks
 * neither SASL nor TLS to Kafka, nor a private CA to Elasticsearch. Refused before anything
 * starts rather than left to fail at runtime. The Spark join and the host tools speak all of it.
 */
export function externalModeProblems(config: HelkConfig): { refuse: string[]; warn: string[] } {
  const services = new Set(servicesFor(config));
  const k = config.kafka.external;
  const es = config.elasticsearch.external;
  const out: string[] = [];
  const warn: string[] = [];
  const securedKafka = k && (k.sasl || k.tls.enabled);
  if (securedKafka && services.has("logstash"))
    out.push("Logstash's pipeline reads Kafka without SASL or TLS: use profile lab, or a listener of the external cluster without them");
  if (securedKafka && services.has("ksqldb-server"))
    out.push(
      "ksqlDB reads Kafka without SASL or TLS here: use profile lab or notebook-analysis (the Spark join), or a listener without them",
    );
  if (es?.caFile && (services.has("logstash") || services.has("kibana") || services.has("elastalert")))
    out.push(
      "Logstash, Kibana and ElastAlert verify Elasticsearch with the system's CAs only: add the CA to them or drop elasticsearch.external.caFile",
    );
  if (es?.apiKey && (services.has("logstash") || services.has("kibana") || services.has("elastalert")))
    out.push(
      "Logstash, Kibana and ElastAlert log in to Elasticsearch with a user here, not an API key: set elasticsearch.external.username",
    );
  if (es && es.urls.length > 1 && services.has("logstash")) warn.push("Logstash writes to the first of elasticsearch.external.urls only");
  return { refuse: out, warn };
}
