/** What every service definition is built from. Pure data, assembled by compose/model.ts. */

import type { ComposeService } from "../compose-spec.js";
import type { HelkConfig } from "../config/schema.js";
import { elasticsearchEndpoint, kafkaEndpoint } from "../endpoints.js";
import { KAFKA_BROKERS, type ServiceName } from "../profiles.js";
import type { ServiceMemory } from "../sizing.js";

export interface ServiceContext {
  config: HelkConfig;
  /** The resolved host address (never "auto" here). */
  hostIp: string;
  memory: ServiceMemory;
  /** Every service in this install, so a definition can wire optional neighbours. */
  selected: ReadonlySet<ServiceName>;
  /** KRaft cluster id, generated once per install and kept. */
  kafkaClusterId: string;
  /** The most open files a container may get on this host. */
  maxOpenFiles: number;
}

export type ServiceDefinition = (ctx: ServiceContext) => Omit<ComposeService, "labels" | "networks" | "restart" | "mem_limit">;

/** Internal addresses on the project network (Kafka and Elasticsearch: compose/endpoints.ts). */
export const INTERNAL = {
  kibana: "http://kibana:5601",
  ksqldb: "http://ksqldb-server:8088",
  sparkMaster: "spark://spark-master:7077",
  jupyter: "http://jupyter:8888",
} as const;

export const heapOpts = (heapMiB: number | undefined): string => (heapMiB ? `-Xms${heapMiB}m -Xmx${heapMiB}m` : "");

export const local = (port: number, containerPort: number): string => `127.0.0.1:${port}:${containerPort}`;

/** A TCP connect check for images that ship bash but no HTTP client. */
export const tcpCheck = (port: number): string => `bash -c '</dev/tcp/127.0.0.1/${port}' || exit 1`;

/**
 * The environment of a service that reads Kafka and writes Elasticsearch (Logstash, the Spark
 * join): addresses, protocol, users and CA paths. Passwords are not here: they come from the
 * service's env file under secrets/ (compose/render.ts writes them, 0600).
 */
export function clusterEnv(ctx: ServiceContext): Record<string, string> {
  const k = kafkaEndpoint(ctx.config);
  const es = elasticsearchEndpoint(ctx.config);
  return {
    HELK_KAFKA_BOOTSTRAP: k.bootstrap,
    ...(k.external ? { HELK_KAFKA_SECURITY_PROTOCOL: k.securityProtocol } : {}),
    ...(k.sasl ? { HELK_KAFKA_SASL_MECHANISM: k.sasl.mechanism, HELK_KAFKA_SASL_USERNAME: k.sasl.username } : {}),
    ...(k.ca ? { HELK_KAFKA_CA: k.ca.mount } : {}),
    HELK_ES_URL: es.urls,
    HELK_ES_USER: es.writer ?? "",
    ...(es.ca ? { HELK_ES_CA: es.ca.mount } : {}),
  };
}

/** Whether clusterEnv's service also needs its secrets env file (an ES or Kafka password). */
export function needsClusterSecrets(ctx: ServiceContext): boolean {
  const es = elasticsearchEndpoint(ctx.config);
  return es.writer !== undefined || es.apiKey === true || kafkaEndpoint(ctx.config).sasl !== undefined;
}

/** Wait for Kafka and/or Elasticsearch where this install runs them; external clusters are checked by preflight. */
export function clusterDependencies(
  ctx: ServiceContext,
  on: readonly ("kafka" | "elasticsearch")[] = ["kafka", "elasticsearch"],
): NonNullable<ComposeService["depends_on"]> {
  const names = on.flatMap((s) => (s === "kafka" ? KAFKA_BROKERS : [s]));
  return Object.fromEntries(names.filter((s) => ctx.selected.has(s)).map((s) => [s, { condition: "service_healthy" as const }]));
}
