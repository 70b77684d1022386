/**
 * What a finished install tells its user: the URLs, the credentials (shown once) and how long
 * each service took. A pure function of the install's config and secrets.
 */
import type { HelkConfig } from "../../compose/config/schema.js";
import { hostElasticsearchAccess } from "../../compose/elasticsearch-access.js";
import { describeKafkaAccess, hostKafkaAccess, LOCAL_SCRAM_MECHANISM } from "../../compose/kafka-access.js";
import type { ServiceName } from "../../compose/profiles.js";
import type { HelkSecrets } from "../../compose/secrets.js";
import type { ProvisionResult } from "../provision/provision.js";

export interface InstallSummary {
  urls: { kibana?: string; jupyter?: string; kafka: string; elasticsearch: string };
  /** Shown once at the end of a human-readable install; omitted from --json unless asked. */
  credentials: {
    user: string;
    password: string;
    jupyterToken?: string;
    elasticPassword: string;
    /** The SCRAM login of Kafka's external listener, when the install requires one. */
    kafka?: { mechanism: string; username: string; password: string };
  };
  healthyAfterSeconds: Record<string, number>;
  secretsFile: string;
  provision: ProvisionResult | "skipped";
}

export function installSummary(o: {
  config: HelkConfig;
  services: ServiceName[];
  secrets: HelkSecrets;
  secretsFile: string;
  healthyAfter: Record<string, number>;
  provisioned: ProvisionResult | "skipped";
}): InstallSummary {
  const { config, services, secrets } = o;
  const https = `https://${config.hostIp}${config.ports.https === 443 ? "" : `:${config.ports.https}`}`;
  return {
    urls: {
      ...(services.includes("kibana") ? { kibana: `${https}/` } : {}),
      // Behind nginx when there is one; the lab profile publishes Jupyter on loopback.
      ...(services.includes("jupyter")
        ? { jupyter: services.includes("nginx") ? `${https}/jupyter/` : `http://127.0.0.1:${config.ports.jupyter}/jupyter/` }
        : {}),
      kafka: describeKafkaAccess(hostKafkaAccess(config, secrets)),
      elasticsearch: hostElasticsearchAccess(config, undefined).nodes.join(","),
    },
    credentials: {
      user: config.security.kibanaUser,
      password: secrets.analystPassword,
      ...(services.includes("jupyter") ? { jupyterToken: secrets.jupyterToken } : {}),
      elasticPassword: secrets.elasticPassword,
      ...(config.kafka.sasl.enabled
        ? { kafka: { mechanism: LOCAL_SCRAM_MECHANISM, username: config.kafka.sasl.username, password: secrets.kafkaClientPassword } }
        : {}),
    },
    healthyAfterSeconds: o.healthyAfter,
    secretsFile: o.secretsFile,
    provision: o.provisioned,
  };
}
