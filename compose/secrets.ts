/**
 * Secret values HELK generates (engine/secrets.ts) and how they reach containers:
 * per-service env files and mounted files under secrets/, never the compose YAML.
 * Pure: values come in, file contents go out.
 */
import { createHash } from "node:crypto";

export interface HelkSecrets {
  /** Elasticsearch superuser "elastic". */
  elasticPassword: string;
  /** Built-in "kibana_system" user Kibana connects as. */
  kibanaSystemPassword: string;
  /** Least-privilege "helk_logstash_writer" user. */
  logstashWriterPassword: string;
  /** The analyst's password for Kibana/Jupyter behind nginx (user: security.kibanaUser). */
  analystPassword: string;
  /** Kibana saved-object/reporting/security encryption key, at least 32 characters. */
  kibanaEncryptionKey: string;
  /** Jupyter server token. */
  jupyterToken: string;
  /** Salt for the nginx {SSHA} password hash, so rendering stays pure and stable. */
  htpasswdSalt: string;
  /** SCRAM password of kafka.sasl.username on Kafka's external listener (used when kafka.sasl.enabled). */
  kafkaClientPassword: string;
}

export const SECRET_KEYS: readonly (keyof HelkSecrets)[] = [
  "elasticPassword",
  "kibanaSystemPassword",
  "logstashWriterPassword",
  "analystPassword",
  "kibanaEncryptionKey",
  "jupyterToken",
  "htpasswdSalt",
  "kafkaClientPassword",
];

/**
 * Secrets added after the first release: an install made before them lacks them, so they are
 * generated and stored on its next run instead of failing the state file as incomplete.
 */
export const LATER_SECRET_KEYS: readonly (keyof HelkSecrets)[] = ["kafkaClientPassword"];

/** One line of an nginx auth_basic_user_file: salted SHA-1, which nginx reads as {SSHA}. */
export function htpasswdLine(user: string, password: string, salt: string): string {
  const saltBytes = Buffer.from(salt, "utf8");
  const digest = createHash("sha1").update(password, "utf8").update(saltBytes).digest();
  return `${user}:{SSHA}${Buffer.concat([digest, saltBytes]).toString("base64")}\n`;
}

/**
 * Env-file text. Values are written bare because Compose v1 keeps quotes literally while v2
 * strips them; so only characters that need no quoting are accepted (generated secrets are).
 */
export function envFile(vars: Record<string, string>): string {
  for (const [key, value] of Object.entries(vars)) {
    if (!/^[A-Za-z0-9_.+-]*$/.test(value)) throw new Error(`secret ${key} holds characters an env file cannot carry unquoted`);
  }
  return `${Object.entries(vars)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n")}\n`;
}
