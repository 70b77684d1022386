/**
 * Which probe runs for which service, and where it reaches the service from this host:
 * published ports for Kafka (hostIp) and the admin APIs (127.0.0.1), the container's address
 * on the project network for services nginx fronts (Kibana, Jupyter).
 */
import type { HelkConfig } from "../../compose/config/schema.js";
import { elasticsearchNeedsSecret, hostElasticsearchAccess } from "../../compose/elasticsearch-access.js";
import { hostKafkaAccess, kafkaNeedsSecret } from "../../compose/kafka-access.js";
import type { HelkSecrets } from "../../compose/secrets.js";
import type { ContainerSummary } from "../docker/docker-client.js";
import { readSecretsIfAllowed } from "../secrets.js";
import type { Probe, ProbeTarget } from "./probe.js";

export interface ProbePlan {
  load: () => Promise<Probe>;
  target: ProbeTarget;
}

/** `container` is absent for the clusters an external-mode install does not run itself. */
export function probePlan(service: string, config: HelkConfig, container?: ContainerSummary): ProbePlan | undefined {
  const secrets = (): Partial<HelkSecrets> => readSecretsIfAllowed(config.installHome) ?? {};
  switch (service) {
    case "kafka": {
      // Behind SASL the probe needs the SCRAM password; a user who may not read it gets the
      // container's own health only.
      const s = kafkaNeedsSecret(config) ? readSecretsIfAllowed(config.installHome) : undefined;
      if (kafkaNeedsSecret(config) && !s) return undefined;
      const access = hostKafkaAccess(config, s);
      return {
        load: async () => (await import("./kafka-probe.js")).kafkaProbe,
        target: { address: access.brokers.join(","), kafka: access },
      };
    }
    case "elasticsearch":
    case "stream-join": {
      // The join reports its progress into Elasticsearch, so both read it there.
      const access = hostElasticsearchAccess(config, elasticsearchNeedsSecret(config) ? secrets() : undefined);
      return {
        load: async () =>
          service === "elasticsearch"
            ? (await import("./elasticsearch-probe.js")).elasticsearchProbe
            : (await import("./stream-join-probe.js")).streamJoinProbe,
        target: { address: access.nodes.join(","), elasticsearch: access },
      };
    }
    case "logstash":
      return {
        load: async () => (await import("./http-probes.js")).logstashProbe,
        target: { address: `http://127.0.0.1:${config.ports.logstashApi}` },
      };
    case "ksqldb-server":
      return {
        load: async () => (await import("./http-probes.js")).ksqldbProbe,
        target: { address: `http://127.0.0.1:${config.ports.ksqldb}` },
      };
    case "kibana":
      return container?.ip
        ? { load: async () => (await import("./http-probes.js")).kibanaProbe, target: { address: `http://${container.ip}:5601` } }
        : undefined;
    case "jupyter": {
      const token = secrets().jupyterToken;
      return container?.ip
        ? {
            load: async () => (await import("./http-probes.js")).jupyterProbe,
            target: { address: `http://${container.ip}:8888`, ...(token ? { token } : {}) },
          }
        : undefined;
    }
    default:
      return undefined;
  }
}
