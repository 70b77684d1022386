/**
 * Kafka in KRaft mode (no ZooKeeper), each node broker and controller. Two client
 * listeners: INTERNAL for containers on the project network, EXTERNAL advertised on
 * hostIp for Winlogbeat on the Windows endpoints, optionally behind SASL/SCRAM (kafka.sasl).
 * Env names follow the apache/kafka image.
 */
import { shellHealth } from "../compose-spec.js";
import { LOCAL_SCRAM_MECHANISM } from "../kafka-access.js";
import { KAFKA_BROKERS } from "../profiles.js";
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

/** The healthcheck's JVM heap: one metadata request needs a few MB, not the broker's heap. */
export const HEALTHCHECK_HEAP_OPTS = "-Xms16m -Xmx64m";

/**
 * Broker n of kafka.brokers (1 or 3). Every broker is also a KRaft controller; in the
 * three-broker layout the cluster keeps three copies of everything and accepts a write once two
 * have it, so one broker can stop without losing an acknowledged event. Broker n publishes its
 * external listener on ports.kafka + n - 1: a client must reach each broker it is told about.
 */
export function kafkaBroker(n: number): ServiceDefinition {
  return (ctx) => {
    const count = ctx.config.kafka.brokers;
    const name = KAFKA_BROKERS[n - 1] as string;
    const port = ctx.config.ports.kafka + n - 1;
    const replicas = String(count === 3 ? 3 : 1);
    const minIsr = String(count === 3 ? 2 : 1);
    const voters = KAFKA_BROKERS.slice(0, count)
      .map((broker, i) => `${i + 1}@${broker}:9093`)
      .join(",");
    return {
      image: ctx.config.images.kafka,
      hostname: name,
      environment: {
        CLUSTER_ID: ctx.kafkaClusterId,
        KAFKA_NODE_ID: String(n),
        KAFKA_PROCESS_ROLES: "broker,controller",
        KAFKA_CONTROLLER_QUORUM_VOTERS: voters,
        KAFKA_LISTENERS: "INTERNAL://:19092,EXTERNAL://:9092,CONTROLLER://:9093",
        KAFKA_ADVERTISED_LISTENERS: `INTERNAL://${name}:19092,EXTERNAL://${ctx.hostIp}:${port}`,
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: `INTERNAL:PLAINTEXT,EXTERNAL:${ctx.config.kafka.sasl.enabled ? "SASL_PLAINTEXT" : "PLAINTEXT"},CONTROLLER:PLAINTEXT`,
        ...externalSasl(ctx.config.kafka.sasl.enabled),
        KAFKA_INTER_BROKER_LISTENER_NAME: "INTERNAL",
        KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
        KAFKA_LOG_DIRS: "/var/lib/kafka/data",
        // HELK provisions its topics with explicit partitions and retention; typos must not create new ones.
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false",
        ...(count === 3 ? { KAFKA_DEFAULT_REPLICATION_FACTOR: replicas, KAFKA_MIN_INSYNC_REPLICAS: minIsr } : {}),
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: replicas,
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: replicas,
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: minIsr,
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
        KAFKA_HEAP_OPTS: heapOpts(ctx.memory.heapMiB),
      },
      ports: [`${ctx.hostIp}:${port}:9092`],
      volumes: [`${n === 1 ? "kafka-data" : `kafka-data-${n}`}:/var/lib/kafka/data`],
      // kafka-run-class.sh gives every JVM the container's KAFKA_HEAP_OPTS: without its own,
      // each check would start a second broker-sized heap inside the broker's memory limit.
      healthcheck: shellHealth(
        `KAFKA_HEAP_OPTS='${HEALTHCHECK_HEAP_OPTS}' /opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:19092 >/dev/null 2>&1 || exit 1`,
        "20s",
      ),
    };
  };
}

export const kafka: ServiceDefinition = kafkaBroker(1);
