/** What every service definition is built from. Pure data, assembled by compose/model.ts. */

import type { ComposeService } from "../compose-spec.js";
import type { HelkConfig } from "../config/schema.js";
import type { ServiceName } from "../profiles.js";
import type { ServiceMemory } from "../sizing.js";

export interface ServiceContext {
  config: HelkConfig;
  /** The resolved host address (never "auto" here). */
  hostIp: string;
  memory: ServiceMemory;
  /** Every service in this install, so a definition can wire optional neighbours. */
  selected: ReadonlySet<ServiceName>;
  /** KRaft cluster id, generated once per install and kept. */
  kafkaClusterId: string;
  /** The most open files a container may get on this host. */
  maxOpenFiles: number;
}

export type ServiceDefinition = (ctx: ServiceContext) => Omit<ComposeService, "labels" | "networks" | "restart" | "mem_limit">;

/** Internal addresses on the project network. */
export const INTERNAL = {
  kafka: "kafka:19092",
  elasticsearch: "http://elasticsearch:9200",
  kibana: "http://kibana:5601",
  ksqldb: "http://ksqldb-server:8088",
  sparkMaster: "spark://spark-master:7077",
  jupyter: "http://jupyter:8888",
} as const;

export const heapOpts = (heapMiB: number | undefined): string => (heapMiB ? `-Xms${heapMiB}m -Xmx${heapMiB}m` : "");

export const local = (port: number, containerPort: number): string => `127.0.0.1:${port}:${containerPort}`;

/** A TCP connect check for images that ship bash but no HTTP client. */
export const tcpCheck = (port: number): string => `bash -c '</dev/tcp/127.0.0.1/${port}' || exit 1`;
