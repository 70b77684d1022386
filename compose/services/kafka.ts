/**
 * Kafka in KRaft mode (no ZooKeeper), one node as broker and controller. Two client
 * listeners: INTERNAL for containers on the project network, EXTERNAL advertised on
 * hostIp for Winlogbeat on the Windows endpoints, optionally behind SASL/SCRAM (kafka.sasl).
 * Env names follow the apache/kafka image.
 */
import { shellHealth } from "../compose-spec.js";
import { LOCAL_SCRAM_MECHANISM } from "../kafka-access.js";
import { heapOpts, type ServiceDefinition } from "./context.js";

/**
 * SCRAM on the external listener only. The broker needs no secret for it: SCRAM credentials
 * live in the cluster metadata, where provisioning puts the generated one (engine/provision/kafka-scram.ts).
 */
function externalSasl(enabled: boolean): Record<string, string> {
  if (!enabled) return {};
  return {
    KAFKA_SASL_ENABLED_MECHANISMS: LOCAL_SCRAM_MECHANISM,
    KAFKA_LISTENER_NAME_EXTERNAL_SCRAM___SHA___512_SASL_JAAS_CONFIG: "org.apache.kafka.common.security.scram.ScramLoginModule required;",
  };
}

export const kafka: ServiceDefinition = (ctx) => ({
  image: ctx.config.images.kafka,
  hostname: "kafka",
  environment: {
    CLUSTER_ID: ctx.kafkaClusterId,
    KAFKA_NODE_ID: "1",
    KAFKA_PROCESS_ROLES: "broker,controller",
    KAFKA_CONTROLLER_QUORUM_VOTERS: "1@kafka:9093",
    KAFKA_LISTENERS: "INTERNAL://:19092,EXTERNAL://:9092,CONTROLLER://:9093",
    KAFKA_ADVERTISED_LISTENERS: `INTERNAL://kafka:19092,EXTERNAL://${ctx.hostIp}:${ctx.config.ports.kafka}`,
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: `INTERNAL:PLAINTEXT,EXTERNAL:${ctx.config.kafka.sasl.enabled ? "SASL_PLAINTEXT" : "PLAINTEXT"},CONTROLLER:PLAINTEXT`,
    ...externalSasl(ctx.config.kafka.sasl.enabled),
    KAFKA_INTER_BROKER_LISTENER_NAME: "INTERNAL",
    KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
    KAFKA_LOG_DIRS: "/var/lib/kafka/data",
    // HELK provisions its topics with explicit partitions and retention; typos must not create new ones.
    KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false",
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
    KAFKA_HEAP_OPTS: heapOpts(ctx.memory.heapMiB),
  },
  ports: [`${ctx.hostIp}:${ctx.config.ports.kafka}:9092`],
  volumes: ["kafka-data:/var/lib/kafka/data"],
  healthcheck: shellHealth(
    "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:19092 >/dev/null 2>&1 || exit 1",
    "20s",
  ),
});
