/** The host ports an install publishes, and on which address: one list for preflight and the plan. Pure. */
import type { HelkConfig } from "./config/schema.js";
import { servicesFor } from "./profiles.js";

export interface PublishedPort {
  host: string;
  port: number;
  what: string;
}

export function publishedPorts(config: HelkConfig): PublishedPort[] {
  const services = servicesFor(config);
  const out: PublishedPort[] = services.includes("kafka") ? [{ host: config.hostIp, port: config.ports.kafka, what: "kafka" }] : [];
  if (services.includes("nginx")) {
    out.push(
      { host: config.hostIp, port: config.ports.https, what: "https" },
      { host: config.hostIp, port: config.ports.http, what: "http" },
    );
  }
  if (services.includes("elasticsearch")) out.push({ host: "127.0.0.1", port: config.ports.elasticsearch, what: "elasticsearch" });
  if (services.includes("logstash")) out.push({ host: "127.0.0.1", port: config.ports.logstashApi, what: "logstash api" });
  if (services.includes("jupyter")) out.push({ host: "127.0.0.1", port: config.ports.jupyter, what: "jupyter" });
  if (services.includes("ksqldb-server")) out.push({ host: "127.0.0.1", port: config.ports.ksqldb, what: "ksqldb" });
  if (services.includes("spark-master")) out.push({ host: "127.0.0.1", port: config.ports.sparkUi, what: "spark ui" });
  return out;
}
