/**
 * config + host facts (+ secrets, by reference) → typed compose model. Pure.
 * Secret values never enter the model: services point at env files and compose secrets.
 */
import type { ComposeService, ComposeSpec } from "./compose-spec.js";
import type { HelkConfig } from "./config/schema.js";
import { serviceImage } from "./helk-images.js";
import { ON_DEMAND, type ServiceName, servicesFor } from "./profiles.js";
import type { ServiceDefinition } from "./services/context.js";
import { elastalert } from "./services/elastalert.js";
import { elasticsearch } from "./services/elasticsearch.js";
import { kafka, kafkaBroker } from "./services/kafka.js";
import { kibana } from "./services/kibana.js";
import { ksqldbCli, ksqldbServer } from "./services/ksqldb.js";
import { logstash } from "./services/logstash.js";
import { nginx } from "./services/nginx.js";
import { jupyter, sparkMaster, sparkWorker } from "./services/notebook.js";
import { streamJoin } from "./services/stream-join.js";
import { sizeServices } from "./sizing.js";

export interface HostFacts {
  /** Total memory, MiB. */
  memoryMiB: number;
  cpus: number;
  /** Hard limit on open files that containers can be given (Elasticsearch wants 65535). */
  maxOpenFiles?: number;
}

export interface ModelInput {
  /** Validated config whose hostIp is resolved to an address. */
  config: HelkConfig;
  host: HostFacts;
  kafkaClusterId: string;
  /** HELK version, stamped into labels. */
  version: string;
}

const DEFINITIONS: Record<ServiceName, ServiceDefinition> = {
  kafka,
  "kafka-2": kafkaBroker(2),
  "kafka-3": kafkaBroker(3),
  elasticsearch,
  logstash,
  kibana,
  nginx,
  "ksqldb-server": ksqldbServer,
  "ksqldb-cli": ksqldbCli,
  jupyter,
  "spark-master": sparkMaster,
  "spark-worker": sparkWorker,
  "stream-join": streamJoin,
  elastalert,
};

/** Named volumes holding data that `helk down` must keep. */
const DATA_VOLUMES = [
  "kafka-data",
  "kafka-data-2",
  "kafka-data-3",
  "es-data",
  "logstash-data",
  "kibana-data",
  "ksqldb-data",
  "jupyter-notebooks",
  "spark-work",
  "stream-join-checkpoints",
];

export function buildComposeModel(input: ModelInput): ComposeSpec {
  const { config } = input;
  if (config.hostIp === "auto") throw new Error("buildComposeModel needs a resolved hostIp");
  const names = servicesFor(config);
  const selected = new Set(names);
  const memory = sizeServices(input.host.memoryMiB, names, config.memory);

  const services: Record<string, ComposeService> = {};
  for (const name of names) {
    const mem = memory[name] ?? { limitMiB: 512 };
    const def = DEFINITIONS[name]({
      config,
      hostIp: config.hostIp,
      memory: mem,
      selected,
      kafkaClusterId: input.kafkaClusterId,
      maxOpenFiles: input.host.maxOpenFiles ?? 65535,
    });
    services[name] = {
      ...def,
      // A service with HELK content runs the image HELK builds on top of the configured one.
      image: serviceImage(config, name, input.version),
      restart: ON_DEMAND.has(name) ? "no" : "unless-stopped",
      mem_limit: `${mem.limitMiB}m`,
      labels: {
        "org.helk.service": name,
        "org.helk.profile": config.profile,
        "org.helk.version": input.version,
      },
      networks: config.dockerNetwork ? ["helk", "attached"] : ["helk"],
    };
  }

  const usedVolumes = new Set(
    Object.values(services)
      .flatMap((s) => s.volumes ?? [])
      .map((v) => v.split(":")[0] as string)
      .filter((v) => !v.startsWith(".")),
  );
  const volumes: ComposeSpec["volumes"] = {};
  for (const v of DATA_VOLUMES) if (usedVolumes.has(v)) volumes[v] = { labels: { "org.helk.data": "true" } };

  const spec: ComposeSpec = {
    services,
    networks: {
      helk: { driver: "bridge", labels: { "org.helk.network": "true" } },
      ...(config.dockerNetwork ? { attached: { external: true as const, name: config.dockerNetwork } } : {}),
    },
    volumes,
  };
  if (selected.has("nginx")) {
    spec.secrets = { tls_key: { file: "./secrets/tls.key" } };
    if (config.security.enabled) spec.secrets.htpasswd = { file: "./secrets/htpasswd" };
  }
  return spec;
}
