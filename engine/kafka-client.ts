/**
 * One place that turns a KafkaAccess into a kafkajs client, and Kafka's refusals into
 * messages that say what to do. Replay, verify, probes and provisioning all come through here.
 */
import { readFileSync } from "node:fs";
import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from "kafkajs";
import type { HelkConfig } from "../compose/config/schema.js";
import { hostKafkaAccess, type KafkaAccess, kafkaNeedsSecret } from "../compose/kafka-access.js";
import { CLOSED_WITHOUT_LOGIN_HINT, loginRefusedHint, tlsHint } from "./kafka-hints.js";
import { readState } from "./secrets.js";

type Tuning = Pick<KafkaConfig, "connectionTimeout" | "requestTimeout" | "retry">;

export function kafkaClient(access: KafkaAccess, clientId: string, tuning: Tuning = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: access.brokers,
    logLevel: logLevel.NOTHING,
    ...(access.tls ? { ssl: access.tls.caFile ? { ca: [readFileSync(access.tls.caFile, "utf8")] } : true } : {}),
    // kafkajs types each mechanism as its own object; ours is the same union, written flat.
    ...(access.sasl ? { sasl: access.sasl as SASLOptions } : {}),
    ...tuning,
  });
}

/** The install's Kafka as this user may reach it; a SASL login needs the secrets, which root reads. */
export function installKafkaAccess(config: HelkConfig): KafkaAccess {
  if (!kafkaNeedsSecret(config)) return hostKafkaAccess(config, undefined);
  // The install's Kafka requires SASL: its password is in the install's secrets.
  return hostKafkaAccess(config, readState(config.installHome, "replay").secrets);
}

/** What to do about a Kafka error, when its cause is one HELK can name. */
export function kafkaErrorHint(err: unknown, access: KafkaAccess): string | undefined {
  const e = err as { name?: string; message?: string };
  if (e.name === "KafkaJSSASLAuthenticationError") return loginRefusedHint(access);
  const tls = tlsHint(e.message ?? "", access);
  if (tls) return tls;
  if (!access.sasl && /Closed connection|Connection closed/i.test(e.message ?? "")) return CLOSED_WITHOUT_LOGIN_HINT;
  return undefined;
}
