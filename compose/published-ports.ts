/** The host ports an install publishes, and on which address: one list for preflight and the plan. Pure. */
import type { HelkConfig } from "./config/schema.js";
import { isKafkaBroker, servicesFor } from "./profiles.js";

export interface PublishedPort {
  host: string;
  port: number;
  what: string;
}

/** Two services configured onto one port (kafka-2 and kafka-3 take ports.kafka + 1 and + 2). */
export function portClashes(config: HelkConfig): string[] {
  const byPort = new Map<number, string[]>();
  for (const p of publishedPorts(config)) byPort.set(p.port, [...(byPort.get(p.port) ?? []), p.what]);
  return [...byPort]
    .filter(([, whats]) => whats.length > 1)
    .map(([port, whats]) => `port ${port} is configured for ${whats.join(" and ")}`);
}

export function publishedPorts(config: HelkConfig): PublishedPort[] {
  const services = servicesFor(config);
  const out: PublishedPort[] = services
    .filter(isKafkaBroker)
    .map((s, i) => ({ host: config.hostIp, port: config.ports.kafka + i, what: s }));
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
