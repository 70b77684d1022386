/**
 * The one HELK configuration schema. It produces the documented defaults
 * (helk.config.json), the JSON Schema beside it, and validates every layer.
 * Pure: no I/O here.
 */
import { z } from "zod";
import { DEFAULT_INSTALL_HOME, DEFAULT_LOG_FILE } from "./constants.js";

export const PROFILE_NAMES = ["lab", "core", "analysis", "notebook-analysis"] as const;
export const ADDON_NAMES = ["alerting"] as const;
export const SERVICE_NAMES = [
  "kafka",
  "elasticsearch",
  "logstash",
  "kibana",
  "nginx",
  "ksqldb",
  "ksqldbCli",
  "jupyter",
  "elastalert",
] as const;
export const TOPIC_NAMES = ["winlogbeat", "SYSMON_JOIN", "winevent", "filebeat", "zeek"] as const;

export type ProfileName = (typeof PROFILE_NAMES)[number];
export type AddonName = (typeof ADDON_NAMES)[number];
export type ImageKey = (typeof SERVICE_NAMES)[number];
export type TopicName = (typeof TOPIC_NAMES)[number];

/** A JVM-style size such as 512m or 2g, or "auto" to size it from the host's memory. */
const heapSize = z
  .string()
  .regex(/^(auto|[1-9][0-9]*[mg])$/, 'expected "auto" or a size such as "512m" or "2g"')
  .describe('JVM heap: "auto" (sized from host memory) or a size such as "512m" or "2g"');

const port = z.number().int().min(1).max(65535).describe("TCP port, 1-65535");

const ipv4 = z
  .string()
  .regex(
    /^(auto|((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9]))$/,
    'expected "auto" or an IPv4 address such as 192.168.1.20',
  );

const image = z
  .string()
  .min(1)
  .regex(/^[a-z0-9][a-zA-Z0-9._\-/:@]*$/, "expected an image reference such as repo/name:tag");

const topic = z
  .strictObject({
    partitions: z.number().int().min(1).max(1000).describe("Number of partitions"),
    retentionHours: z.number().int().min(1).describe("How long Kafka keeps messages, in hours (retention.ms)"),
  })
  .describe("One Kafka topic");

const hostPort = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]*:[0-9]{1,5}$/, "expected host:port such as 10.0.0.5:9092");

const absoluteFile = z.string().startsWith("/", "must be an absolute path");

/** An existing Kafka cluster HELK uses instead of starting its own. */
const externalKafka = z
  .strictObject({
    bootstrap: z
      .array(hostPort)
      .min(1, "name at least one broker")
      .describe("Brokers, host:port; HELK's containers and this host must both reach them"),
    tls: z
      .strictObject({
        enabled: z.boolean().default(false).describe("Connect with TLS"),
        caFile: absoluteFile.optional().describe("PEM CA certificate that signed the brokers' certificates (default: the system's CAs)"),
      })
      .prefault({})
      .describe("TLS to the brokers"),
    sasl: z
      .strictObject({
        mechanism: z.enum(["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]).default("SCRAM-SHA-512"),
        username: z.string().min(1),
      })
      .optional()
      .describe("SASL login; its password is read once from HELK_KAFKA_EXTERNAL_PASSWORD at install and kept in secrets/ (0600)"),
  })
  .describe("An existing Kafka cluster: HELK starts no Kafka and brings its topics, join and probes to this one");

/** An existing Elasticsearch cluster HELK uses instead of starting its own. */
const externalElasticsearch = z
  .strictObject({
    urls: z
      .array(z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/?$/, "expected a URL such as https://10.0.0.6:9200"))
      .min(1, "name at least one node"),
    username: z
      .string()
      .min(1)
      .optional()
      .describe(
        "User HELK and its services log in as (password: HELK_ELASTICSEARCH_EXTERNAL_PASSWORD at install, kept in secrets/); omit for a cluster without security",
      ),
    apiKey: z
      .boolean()
      .default(false)
      .describe("Log in with an API key (its encoded form, from HELK_ELASTICSEARCH_EXTERNAL_API_KEY at install) instead of a user"),
    caFile: absoluteFile.optional().describe("PEM CA certificate for https:// URLs (default: the system's CAs)"),
  })
  .refine((e) => !(e.apiKey && e.username), { message: "set either username or apiKey, not both", path: ["apiKey"] })
  .describe("An existing Elasticsearch cluster: HELK starts no Elasticsearch and provisions this one");

const topicDefault = (partitions: number, retentionHours: number) => topic.default({ partitions, retentionHours });

export const DEFAULT_IMAGES: Record<ImageKey, string> = {
  kafka: "apache/kafka:4.1.1",
  elasticsearch: "docker.elastic.co/elasticsearch/elasticsearch:8.19.5",
  logstash: "docker.elastic.co/logstash/logstash:8.19.5",
  kibana: "docker.elastic.co/kibana/kibana:8.19.5",
  nginx: "nginx:1.28.0-alpine",
  ksqldb: "confluentinc/ksqldb-server:0.29.0",
  ksqldbCli: "confluentinc/ksqldb-cli:0.29.0",
  // Spark 4.2.0 (Scala 2.13), the last Spark whose Kafka connector is published: HELK's
  // notebook image (images/jupyter) runs the notebooks, the join job and the Spark cluster on it.
  jupyter: "quay.io/jupyter/pyspark-notebook:spark-4.2.0",
  elastalert: "jertel/elastalert2:2.31.0",
};

const imagesShape = Object.fromEntries(SERVICE_NAMES.map((name) => [name, image.default(DEFAULT_IMAGES[name])])) as Record<
  ImageKey,
  z.ZodDefault<typeof image>
>;

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe("Path or URL of the JSON Schema (ignored by HELK)"),
    profile: z
      .enum(PROFILE_NAMES)
      .default("analysis")
      .describe(
        "Build profile: lab (Kafka, Elasticsearch, Jupyter only), core, analysis (adds ksqlDB) or notebook-analysis (adds Jupyter and Spark)",
      ),
    addons: z.array(z.enum(ADDON_NAMES)).default([]).describe("Add-ons on top of the profile: alerting (ElastAlert 2)"),
    hostIp: ipv4
      .default("auto")
      .describe("Address Winlogbeat and browsers use to reach this machine; auto = the address of the default route"),
    projectName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/, "lowercase letters, digits, - and _ only")
      .default("helk")
      .describe("Docker Compose project name"),
    installHome: z
      .string()
      .startsWith("/", "must be an absolute path")
      .default(DEFAULT_INSTALL_HOME)
      .describe("Where compose.yaml, .env, secrets and service configs live (env: HELK_HOME)"),
    logFile: z
      .string()
      .startsWith("/", "must be an absolute path")
      .default(DEFAULT_LOG_FILE)
      .describe("Install log: every step and command, secrets redacted"),
    images: z
      .strictObject({
        ...imagesShape,
        // Kept so that configs and install records written before the Spark cluster moved to
        // the notebook image still load.
        spark: image.optional().describe("No longer used: the Spark master and worker run HELK's notebook image (images.jupyter)"),
      })
      .prefault({})
      .describe("Image per service; point at a local registry or locally built images when air-gapped"),
    ports: z
      .strictObject({
        kafka: port.default(9092).describe("Kafka external listener for Winlogbeat, published on hostIp"),
        https: port.default(443).describe("nginx HTTPS (Kibana, Jupyter), published on hostIp"),
        http: port.default(80).describe("nginx HTTP, redirects to HTTPS, published on hostIp"),
        elasticsearch: port.default(9200).describe("Elasticsearch REST API, published on 127.0.0.1"),
        logstashApi: port.default(9600).describe("Logstash monitoring API, published on 127.0.0.1"),
        ksqldb: port.default(8088).describe("ksqlDB REST API, published on 127.0.0.1"),
        sparkUi: port.default(8080).describe("Spark master web UI, published on 127.0.0.1"),
        jupyter: port.default(8888).describe("Jupyter (token required), published on 127.0.0.1"),
      })
      .prefault({})
      .describe("Published ports"),
    kafka: z
      .strictObject({
        topics: z
          .strictObject({
            winlogbeat: topicDefault(3, 168),
            SYSMON_JOIN: topicDefault(1, 168),
            winevent: topicDefault(1, 168),
            filebeat: topicDefault(1, 168),
            zeek: topicDefault(1, 168),
          })
          .prefault({})
          .describe("Topics HELK creates"),
        sasl: z
          .strictObject({
            enabled: z
              .boolean()
              .default(false)
              .describe(
                "Require SASL/SCRAM-SHA-512 on the external listener (Winlogbeat, helk replay, verify, probes); the password is generated",
              ),
            username: z
              .string()
              .regex(/^[a-zA-Z0-9_.-]{1,64}$/, "letters, digits, _ . - only")
              .default("helk_client")
              .describe("SCRAM user clients of the external listener log in as (password: helk credentials)"),
          })
          .prefault({})
          .describe("Authentication on Kafka's external listener; containers use the internal listener"),
        brokers: z
          .union([z.literal(1), z.literal(3)])
          .default(1)
          .describe(
            "HELK's own Kafka: 1 broker, or 3 KRaft brokers (kafka, kafka-2, kafka-3 on ports.kafka, +1, +2) with 3 replicas and min.insync.replicas 2",
          ),
        external: externalKafka.optional(),
      })
      .prefault({})
      .describe("Kafka settings"),
    elasticsearch: z
      .strictObject({
        retentionDays: z
          .number()
          .int()
          .min(1)
          .default(30)
          .describe("Delete HELK's indices after this many days (an ILM policy, where the node supports ILM)"),
        external: externalElasticsearch.optional(),
      })
      .prefault({})
      .describe("Elasticsearch settings"),
    memory: z
      .strictObject({
        elasticsearchHeap: heapSize.default("auto"),
        logstashHeap: heapSize.default("auto"),
        kafkaHeap: heapSize.default("auto"),
        ksqldbHeap: heapSize.default("auto"),
        sparkWorkerMemory: heapSize.default("auto"),
      })
      .prefault({})
      .describe("JVM heaps; auto sizes each from the host's memory"),
    security: z
      .strictObject({
        enabled: z.boolean().default(true).describe("Elasticsearch security, TLS and authentication in front of Kibana and Jupyter"),
        kibanaUser: z
          .string()
          .regex(/^[a-zA-Z0-9_.-]{1,64}$/, "letters, digits, _ . - only")
          .default("helk")
          .describe("User name for Kibana and Jupyter behind nginx (its password is generated)"),
      })
      .prefault({})
      .describe("Security settings"),
    dockerNetwork: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "a Docker network name")
      .optional()
      .describe("An existing Docker network HELK's containers also join: for external clusters that run as containers on this host"),
    timeouts: z
      .strictObject({
        healthSeconds: z.number().int().min(10).max(3600).default(300).describe("How long to wait for each service to become healthy"),
        pullSeconds: z.number().int().min(10).default(1800).describe("How long image pulls and builds may take"),
      })
      .prefault({})
      .describe("Timeouts"),
  })
  .describe("HELK configuration");

export type HelkConfig = z.output<typeof configSchema>;
export type HelkConfigInput = z.input<typeof configSchema>;

/** The documented defaults: what `{}` normalises to. */
export function defaultConfig(): HelkConfig {
  return configSchema.parse({});
}

/** JSON Schema for editors and for `helk.config.schema.json`. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
}
