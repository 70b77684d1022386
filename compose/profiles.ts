/** The build profiles and add-ons, after the original HELK installer's build choices. Pure data. */
import type { AddonName, HelkConfig, ImageKey, ProfileName } from "./config/schema.js";

/** A compose service HELK can run. */
export type ServiceName =
  | "kafka"
  | "kafka-2"
  | "kafka-3"
  | "elasticsearch"
  | "logstash"
  | "kibana"
  | "nginx"
  | "ksqldb-server"
  | "ksqldb-cli"
  | "jupyter"
  | "spark-master"
  | "spark-worker"
  | "stream-join"
  | "elastalert";

export interface Profile {
  name: ProfileName;
  /** Number in the original HELK installer's menu, where there was one. */
  helkOption?: number;
  summary: string;
  services: ServiceName[];
  /**
   * Minimum host memory in GiB; the wizard and preflight refuse less (less MEMORY_SLACK).
   * Set so every service's floor (sizing.ts) fits what the OS reserve leaves.
   */
  minRamGiB: number;
  /** Minimum free disk in GiB under the install home and Docker's data root. */
  minDiskGiB: number;
}

export interface Addon {
  name: AddonName;
  summary: string;
  services: ServiceName[];
  extraRamGiB: number;
}

const CORE: ServiceName[] = ["kafka", "elasticsearch", "logstash", "kibana", "nginx"];
const ANALYSIS: ServiceName[] = [...CORE, "ksqldb-server", "ksqldb-cli"];
const NOTEBOOK: ServiceName[] = [...ANALYSIS, "jupyter", "spark-master", "spark-worker", "stream-join"];

const LAB: ServiceName[] = ["kafka", "elasticsearch", "jupyter", "stream-join"];

export const PROFILES: readonly Profile[] = [
  {
    name: "lab",
    summary: "a light hunting lab: Kafka, Elasticsearch, Jupyter (PySpark) and the Spark Sysmon join, no UI stack",
    services: LAB,
    minRamGiB: 5.5,
    minDiskGiB: 10,
  },
  {
    name: "core",
    summary: "Kafka (KRaft), Logstash, Elasticsearch, Kibana, nginx (TLS + auth)",
    services: CORE,
    minRamGiB: 5.5,
    minDiskGiB: 20,
  },
  {
    name: "analysis",
    helkOption: 1,
    summary: "core + ksqlDB with the Sysmon ProcessCreate x NetworkConnect join",
    services: ANALYSIS,
    minRamGiB: 7,
    minDiskGiB: 20,
  },
  {
    name: "notebook-analysis",
    helkOption: 3,
    summary: "analysis + Jupyter (PySpark, GraphFrames) + Spark master/worker + the Spark Sysmon join",
    services: NOTEBOOK,
    minRamGiB: 12,
    minDiskGiB: 25,
  },
];

export const ADDONS: readonly Addon[] = [
  { name: "alerting", summary: "ElastAlert 2 rules over HELK's indices", services: ["elastalert"], extraRamGiB: 0.5 },
];

/**
 * Preflight accepts a host with this fraction of a profile's minimum: an "8 GiB" machine
 * reports less than 8 GiB of MemTotal (the kernel and firmware keep some).
 */
export const MEMORY_SLACK = 0.95;

/** Each broker beyond the first (kafka.brokers: 3) adds this to a profile's minimum. */
export const EXTRA_BROKER_RAM_GIB = 1.5;

/** Services started on demand only (compose profile "tools"), e.g. the ksqlDB CLI. */
export const ON_DEMAND: ReadonlySet<ServiceName> = new Set(["ksqldb-cli"]);

export function getProfile(name: ProfileName): Profile {
  const profile = PROFILES.find((p) => p.name === name);
  if (!profile) throw new Error(`unknown profile ${name}`);
  return profile;
}

export function getAddon(name: AddonName): Addon {
  const addon = ADDONS.find((a) => a.name === name);
  if (!addon) throw new Error(`unknown add-on ${name}`);
  return addon;
}

/** The services of a profile plus its add-ons, in catalogue order, without duplicates. */
export function selectServices(profile: ProfileName, addons: readonly AddonName[]): ServiceName[] {
  const names = [...getProfile(profile).services, ...addons.flatMap((a) => getAddon(a).services)];
  return [...new Set(names)];
}

/**
 * The services this install runs: its profile and add-ons, less the clusters the operator
 * brings (kafka.external, elasticsearch.external).
 */
export function servicesFor(config: Pick<HelkConfig, "profile" | "addons" | "kafka" | "elasticsearch">): ServiceName[] {
  return selectServices(config.profile, config.addons).flatMap((s): ServiceName[] => {
    if (s === "kafka") return config.kafka.external ? [] : KAFKA_BROKERS.slice(0, config.kafka.brokers);
    return s === "elasticsearch" && config.elasticsearch.external ? [] : [s];
  });
}

/** Kafka's brokers, in node-id order: kafka alone, or with kafka-2 and kafka-3 in the three-broker layout. */
export const KAFKA_BROKERS = ["kafka", "kafka-2", "kafka-3"] as const satisfies readonly ServiceName[];

export const isKafkaBroker = (s: string): boolean => (KAFKA_BROKERS as readonly string[]).includes(s);

export function requirements(profile: ProfileName, addons: readonly AddonName[], brokers = 1): { ramGiB: number; diskGiB: number } {
  const p = getProfile(profile);
  const extra = addons.reduce((sum, a) => sum + getAddon(a).extraRamGiB, 0) + (brokers - 1) * EXTRA_BROKER_RAM_GIB;
  return { ramGiB: p.minRamGiB + extra, diskGiB: p.minDiskGiB };
}

/** The largest profile whose minimum fits the host's memory, or undefined if none does. */
export function recommendProfile(hostRamGiB: number): Profile | undefined {
  return [...PROFILES].reverse().find((p) => p.minRamGiB <= hostRamGiB);
}

/**
 * The service whose log shows events arriving, for the install summary's `helk logs` hint:
 * Logstash where it runs, else the stream join (lab), else Kafka.
 */
export function firstDataService(services: readonly ServiceName[]): ServiceName {
  const order: ServiceName[] = ["logstash", "stream-join", "ksqldb-server", "kafka", "elasticsearch"];
  return order.find((s) => services.includes(s)) ?? services[0] ?? "kafka";
}

/**
 * Which `images.*` setting a service runs. The Spark master and worker run the notebook image,
 * as the join does: one Spark, Java and Python for the driver, the cluster and the job.
 */
export function imageKeyOf(service: ServiceName): ImageKey {
  const special: Partial<Record<ServiceName, ImageKey>> = {
    "ksqldb-server": "ksqldb",
    "ksqldb-cli": "ksqldbCli",
    "spark-master": "jupyter",
    "spark-worker": "jupyter",
    // The streaming join runs HELK's notebook image (PySpark plus the job).
    "stream-join": "jupyter",
    "kafka-2": "kafka",
    "kafka-3": "kafka",
  };
  return special[service] ?? (service as ImageKey);
}
