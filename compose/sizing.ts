/**
 * Memory sizing: container limits and JVM heaps from the host's memory. Pure.
 * The OS, Docker and page cache keep a reserve; the rest is shared by weight, but never
 * below a service's floor (what it needs to start and serve HELK's sample data sets).
 * A JVM's heap is a fraction of its container limit because metaspace, threads,
 * direct buffers (Kafka, Elasticsearch) and Lucene's off-heap use live outside it.
 * The profiles' minimum memory (profiles.ts) is what makes the floors fit the budget:
 * the unit test checks every profile and add-on at every host size preflight accepts.
 */
import type { HelkConfig } from "./config/schema.js";
import type { ServiceName } from "./profiles.js";

export interface ServiceMemory {
  /** Container memory limit, MiB. */
  limitMiB: number;
  /** JVM heap (or Spark worker memory), MiB, for JVM services. */
  heapMiB?: number;
}

interface Rule {
  weight: number;
  /** Smallest container limit, MiB: below it the service does not start or cannot work. */
  floorMiB: number;
  /** Fixed limit for small services: no weight share. */
  fixed?: boolean;
  heapFraction?: number;
  maxHeapMiB?: number;
  heapKey?: keyof HelkConfig["memory"];
}

// Floors (MiB) and why:
// - elasticsearch 1024 (heap 512): Elastic's own compose example gives each node and Kibana
//   1 GiB (MEM_LIMIT); a node measured here used about 750 MB RSS with a 512 MB heap.
// - kafka 1024 (heap 512): a KRaft broker started here with -Xmx512m; half the limit stays
//   for direct buffers and the page cache the log relies on.
// - logstash, ksqldb-server 896 (heap 512 at 0.6): the pipelines and the Sysmon join's
//   RocksDB state run beside a 512 MB heap.
// - kibana 1024 (Node old space 716, see services/kibana.ts): Elastic's compose example's
//   1 GiB; its NODE_OPTIONS floor of 512 would not fit a smaller limit.
// - jupyter 1024: the server plus one kernel with a PySpark driver JVM.
// - stream-join 1024 (driver 576 at 0.6, services/stream-join.ts): a driver of at least
//   512 MB plus its Python worker.
// - spark-worker 1536 (worker memory 1024 at 0.67): Spark's default spark.executor.memory
//   is 1g and a worker that offers less never runs the notebooks' executors; the rest
//   holds the worker daemon itself (SPARK_DAEMON_HEAP_MIB).
// - spark-master 768: the master holds only cluster state; with SPARK_DAEMON_HEAP_MIB as its
//   heap (Spark's default daemon heap is 1g, more than this limit).
// - nginx 128, elastalert 384 (one Python process), ksqldb-cli 512 (a JVM, on demand).
const KAFKA_BROKER: Rule = { weight: 1.5, floorMiB: 1024, heapFraction: 0.5, maxHeapMiB: 6 * 1024, heapKey: "kafkaHeap" };

const RULES: Record<ServiceName, Rule> = {
  elasticsearch: { weight: 4, floorMiB: 1024, heapFraction: 0.5, maxHeapMiB: 31 * 1024, heapKey: "elasticsearchHeap" },
  logstash: { weight: 2, floorMiB: 896, heapFraction: 0.6, maxHeapMiB: 8 * 1024, heapKey: "logstashHeap" },
  // Every broker of the three-broker layout (kafka.brokers: 3) is sized as the first.
  kafka: KAFKA_BROKER,
  "kafka-2": KAFKA_BROKER,
  "kafka-3": KAFKA_BROKER,
  "ksqldb-server": { weight: 1.5, floorMiB: 896, heapFraction: 0.6, maxHeapMiB: 8 * 1024, heapKey: "ksqldbHeap" },
  "spark-worker": { weight: 2, floorMiB: 1536, heapFraction: 0.67, maxHeapMiB: 32 * 1024, heapKey: "sparkWorkerMemory" },
  kibana: { weight: 1, floorMiB: 1024 },
  jupyter: { weight: 1.5, floorMiB: 1024 },
  // A Spark driver in local mode; its heap is set from the limit in services/stream-join.ts.
  "stream-join": { weight: 1.5, floorMiB: 1024 },
  "spark-master": { weight: 0, floorMiB: 768, fixed: true },
  nginx: { weight: 0, floorMiB: 128, fixed: true },
  "ksqldb-cli": { weight: 0, floorMiB: 512, fixed: true },
  elastalert: { weight: 0, floorMiB: 384, fixed: true },
};

/**
 * Heap for Spark's master and worker daemons (SPARK_DAEMON_MEMORY, Spark's default 1g): the
 * master's limit and the worker's share beside its executors are sized for this.
 */
export const SPARK_DAEMON_HEAP_MIB = 512;

/** The smallest limit sizing gives a service (its floor). */
export const floorMiB = (service: ServiceName): number => RULES[service].floorMiB;

/** Memory kept for the OS, Docker and the page cache: 15% of the host, at least 1 GiB. */
export function reserveMiB(hostMiB: number): number {
  return Math.max(1024, Math.round(hostMiB * 0.15));
}

/** What the containers' limits may add up to on this host. */
export const budgetMiB = (hostMiB: number): number => hostMiB - reserveMiB(hostMiB);

export function parseSize(size: string): number | undefined {
  const m = /^([1-9][0-9]*)([mg])$/.exec(size);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === "g" ? 1024 : 1);
}

const roundDown = (mib: number, step = 64) => Math.max(step, Math.floor(mib / step) * step);

/**
 * Each weighted service's share of `pool`, never below its floor: services whose share
 * falls under their floor get the floor, and the rest is shared again among the others
 * (so raising one service to its floor never pushes the sum past the pool).
 */
function shares(pool: number, services: readonly ServiceName[]): Map<ServiceName, number> {
  const out = new Map<ServiceName, number>();
  let open = [...services];
  let left = pool;
  for (;;) {
    const weight = open.reduce((sum, s) => sum + RULES[s].weight, 0);
    const pinned = open.filter((s) => (left * RULES[s].weight) / weight < RULES[s].floorMiB);
    if (pinned.length === 0) break;
    for (const s of pinned) {
      out.set(s, RULES[s].floorMiB);
      left -= RULES[s].floorMiB;
    }
    open = open.filter((s) => !pinned.includes(s));
  }
  const weight = open.reduce((sum, s) => sum + RULES[s].weight, 0);
  for (const s of open) out.set(s, roundDown((left * RULES[s].weight) / weight));
  return out;
}

export function sizeServices(
  hostMiB: number,
  services: readonly ServiceName[],
  memory: HelkConfig["memory"],
): Record<string, ServiceMemory> {
  const fixed = services.filter((s) => RULES[s].fixed);
  const fixedSum = fixed.reduce((sum, s) => sum + RULES[s].floorMiB, 0);
  const limits = shares(
    Math.max(0, budgetMiB(hostMiB) - fixedSum),
    services.filter((s) => !RULES[s].fixed),
  );
  const out: Record<string, ServiceMemory> = {};
  for (const service of services) {
    const rule = RULES[service];
    if (rule.fixed) {
      out[service] = { limitMiB: rule.floorMiB };
      continue;
    }
    let limitMiB = limits.get(service) ?? rule.floorMiB;
    if (rule.heapFraction === undefined || !rule.heapKey) {
      out[service] = { limitMiB };
      continue;
    }
    const explicit = parseSize(memory[rule.heapKey]);
    let heapMiB: number;
    if (explicit !== undefined) {
      heapMiB = explicit;
      // An explicit heap wins: the limit grows to keep the same off-heap headroom.
      limitMiB = Math.max(limitMiB, roundDown(heapMiB / rule.heapFraction));
    } else {
      heapMiB = Math.min(roundDown(limitMiB * rule.heapFraction), rule.maxHeapMiB ?? Number.POSITIVE_INFINITY);
    }
    out[service] = { limitMiB, heapMiB };
  }
  return out;
}
