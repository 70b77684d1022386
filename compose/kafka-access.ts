/**
 * How a client on this host (replay, verify, probes, provisioning) reaches HELK's Kafka: the
 * external listener on hostIp, with SCRAM credentials when the install requires them.
 * Containers never use this: they reach Kafka on the project network's internal listener.
 * Pure: the secrets come in.
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
}

/** The SCRAM mechanism HELK's own broker offers on its external listener. */
export const LOCAL_SCRAM_MECHANISM = "SCRAM-SHA-512";

export function localKafkaAccess(config: HelkConfig, secrets: Pick<HelkSecrets, "kafkaClientPassword"> | undefined): KafkaAccess {
  const brokers = [`${config.hostIp}:${config.ports.kafka}`];
  if (!config.kafka.sasl.enabled) return { brokers };
  if (!secrets) throw new Error("Kafka's external listener requires SASL, and no secrets were given");
  return { brokers, sasl: { mechanism: "scram-sha-512", username: config.kafka.sasl.username, password: secrets.kafkaClientPassword } };
}

/** For messages: where, and as whom; never the password. */
export function describeKafkaAccess(access: KafkaAccess): string {
  const where = access.brokers.join(",");
  return access.sasl ? `${where} (SASL ${access.sasl.mechanism.toUpperCase()} as ${access.sasl.username})` : where;
}
