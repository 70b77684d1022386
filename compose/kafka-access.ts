/**
 * How a client on this host (replay, verify, probes, provisioning) reaches the install's Kafka:
 * HELK's own broker on its external listener (with SCRAM when kafka.sasl is on), or the
 * operator's cluster (kafka.external) with its TLS and login. Containers never use this: see
 * compose/endpoints.ts. Pure: the secrets come in.
 */
import type { HelkConfig } from "./config/schema.js";
import type { HelkSecrets } from "./secrets.js";

export interface KafkaSasl {
  mechanism: "scram-sha-512" | "scram-sha-256" | "plain";
  username: string;
  password: string;
}

export interface KafkaAccess {
  brokers: string[];
  sasl?: KafkaSasl;
  /** TLS, verified against this PEM CA file, or the system's CAs when none is given. */
  tls?: { caFile?: string };
  /** The operator's cluster rather than HELK's own broker. */
  external?: boolean;
}

/** The SCRAM mechanism HELK's own broker offers on its external listener. */
export const LOCAL_SCRAM_MECHANISM = "SCRAM-SHA-512";

type KafkaSecrets = Pick<HelkSecrets, "kafkaClientPassword" | "externalKafkaPassword">;

export function hostKafkaAccess(config: HelkConfig, secrets: KafkaSecrets | undefined): KafkaAccess {
  const ext = config.kafka.external;
  if (ext) {
    if (ext.sasl && !secrets?.externalKafkaPassword) throw new Error("the external Kafka cluster requires SASL, and no password was given");
    return {
      brokers: ext.bootstrap,
      external: true,
      ...(ext.sasl
        ? {
            sasl: {
              mechanism: ext.sasl.mechanism.toLowerCase() as KafkaSasl["mechanism"],
              username: ext.sasl.username,
              password: secrets?.externalKafkaPassword as string,
            },
          }
        : {}),
      ...(ext.tls.enabled ? { tls: ext.tls.caFile ? { caFile: ext.tls.caFile } : {} } : {}),
    };
  }
  // Every broker: a client bootstrapping from one that is down still finds the others.
  const brokers = Array.from({ length: config.kafka.brokers }, (_, i) => `${config.hostIp}:${config.ports.kafka + i}`);
  if (!config.kafka.sasl.enabled) return { brokers };
  if (!secrets) throw new Error("Kafka's external listener requires SASL, and no secrets were given");
  return { brokers, sasl: { mechanism: "scram-sha-512", username: config.kafka.sasl.username, password: secrets.kafkaClientPassword } };
}

/** Does reaching it need a password from the state file? */
export function kafkaNeedsSecret(config: HelkConfig): boolean {
  return config.kafka.external ? config.kafka.external.sasl !== undefined : config.kafka.sasl.enabled;
}

/** For messages: where, and as whom; never the password. */
export function describeKafkaAccess(access: KafkaAccess): string {
  const where = `${access.tls ? "TLS " : ""}${access.brokers.join(",")}`;
  return access.sasl ? `${where} (SASL ${access.sasl.mechanism.toUpperCase()} as ${access.sasl.username})` : where;
}
