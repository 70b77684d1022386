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
  /** Read-only "helk_notebook_reader" user the notebooks query Elasticsearch as. */
  notebookReaderPassword: string;
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
  /** Given by the operator for kafka.external.sasl (never generated): HELK_KAFKA_EXTERNAL_PASSWORD. */
  externalKafkaPassword?: string;
  /** Given by the operator for elasticsearch.external.username: HELK_ELASTICSEARCH_EXTERNAL_PASSWORD. */
  externalElasticsearchPassword?: string;
  /** Given by the operator for elasticsearch.external.apiKey (encoded id:key): HELK_ELASTICSEARCH_EXTERNAL_API_KEY. */
  externalElasticsearchApiKey?: string;
}

/** Where the operator hands HELK the external clusters' passwords: read once, then kept in the state file. */
export const EXTERNAL_SECRET_ENV = {
  externalKafkaPassword: "HELK_KAFKA_EXTERNAL_PASSWORD",
  externalElasticsearchPassword: "HELK_ELASTICSEARCH_EXTERNAL_PASSWORD",
  externalElasticsearchApiKey: "HELK_ELASTICSEARCH_EXTERNAL_API_KEY",
} as const;

/** The secrets HELK generates itself, which every install has. */
export type GeneratedSecretKey = Exclude<
  keyof HelkSecrets,
  "externalKafkaPassword" | "externalElasticsearchPassword" | "externalElasticsearchApiKey"
>;

export const SECRET_KEYS: readonly GeneratedSecretKey[] = [
  "elasticPassword",
  "kibanaSystemPassword",
  "logstashWriterPassword",
  "analystPassword",
  "kibanaEncryptionKey",
  "jupyterToken",
  "htpasswdSalt",
  "kafkaClientPassword",
  "notebookReaderPassword",
];

/**
 * Secrets added after the first release: an install made before them lacks them, so they are
 * generated and stored on its next run instead of failing the state file as incomplete.
 */
export const LATER_SECRET_KEYS: readonly GeneratedSecretKey[] = ["kafkaClientPassword", "notebookReaderPassword"];

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
    // No quotes, spaces, #, $ (Compose v2 interpolates it) or backslashes.
    if (!/^[A-Za-z0-9_.+\-=/:@%,^~*!?]*$/.test(value))
      throw new Error(`secret ${key} holds characters an env file cannot carry unquoted (quotes, spaces, #, $ or \\)`);
  }
  return `${Object.entries(vars)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n")}\n`;
}
