/**
 * Memory sizing: container limits and JVM heaps from the host's memory. Pure.
 * The OS, Docker and page cache keep a reserve; the rest is shared by weight.
 * A JVM's heap is a fraction of its container limit because metaspace, threads,
 * direct buffers (Kafka, Elasticsearch) and Lucene's off-heap use live outside it.
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
  /** Fixed limit for small non-JVM services: no weight share. */
  fixedMiB?: number;
  heapFraction?: number;
  minHeapMiB?: number;
  maxHeapMiB?: number;
  heapKey?: keyof HelkConfig["memory"];
}

const KAFKA_BROKER: Rule = { weight: 1.5, heapFraction: 0.5, minHeapMiB: 512, maxHeapMiB: 6 * 1024, heapKey: "kafkaHeap" };

const RULES: Record<ServiceName, Rule> = {
  elasticsearch: { weight: 4, heapFraction: 0.5, minHeapMiB: 512, maxHeapMiB: 31 * 1024, heapKey: "elasticsearchHeap" },
  logstash: { weight: 2, heapFraction: 0.6, minHeapMiB: 512, maxHeapMiB: 8 * 1024, heapKey: "logstashHeap" },
  // Every broker of the three-broker layout (kafka.brokers: 3) is sized as the first.
  kafka: KAFKA_BROKER,
  "kafka-2": KAFKA_BROKER,
  "kafka-3": KAFKA_BROKER,
  "ksqldb-server": { weight: 1.5, heapFraction: 0.6, minHeapMiB: 512, maxHeapMiB: 8 * 1024, heapKey: "ksqldbHeap" },
  "spark-worker": { weight: 2, heapFraction: 0.75, minHeapMiB: 512, maxHeapMiB: 32 * 1024, heapKey: "sparkWorkerMemory" },
  kibana: { weight: 1 },
  jupyter: { weight: 1.5 },
  // A Spark driver in local mode; its heap is set from the limit in services/stream-join.ts.
  "stream-join": { weight: 1.5 },
  "spark-master": { weight: 0, fixedMiB: 1024 },
  nginx: { weight: 0, fixedMiB: 128 },
  "ksqldb-cli": { weight: 0, fixedMiB: 512 },
  elastalert: { weight: 0, fixedMiB: 512 },
};

/** Memory kept for the OS, Docker and the page cache: 15% of the host, at least 1 GiB. */
export function reserveMiB(hostMiB: number): number {
  return Math.max(1024, Math.round(hostMiB * 0.15));
}

export function parseSize(size: string): number | undefined {
  const m = /^([1-9][0-9]*)([mg])$/.exec(size);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === "g" ? 1024 : 1);
}

const roundDown = (mib: number, step = 64) => Math.max(step, Math.floor(mib / step) * step);

export function sizeServices(
  hostMiB: number,
  services: readonly ServiceName[],
  memory: HelkConfig["memory"],
): Record<string, ServiceMemory> {
  const fixed = services.reduce((sum, s) => sum + (RULES[s].fixedMiB ?? 0), 0);
  const totalWeight = services.reduce((sum, s) => sum + RULES[s].weight, 0);
  const shareable = Math.max(0, hostMiB - reserveMiB(hostMiB) - fixed);
  const out: Record<string, ServiceMemory> = {};
  for (const service of services) {
    const rule = RULES[service];
    if (rule.fixedMiB !== undefined) {
      out[service] = { limitMiB: rule.fixedMiB };
      continue;
    }
    let limitMiB = roundDown((shareable * rule.weight) / totalWeight);
    if (rule.heapFraction === undefined || !rule.heapKey) {
      out[service] = { limitMiB: Math.max(limitMiB, 512) };
      continue;
    }
    const explicit = parseSize(memory[rule.heapKey]);
    let heapMiB: number;
    if (explicit !== undefined) {
      heapMiB = explicit;
      // An explicit heap wins: the limit grows to keep the same off-heap headroom.
      limitMiB = Math.max(limitMiB, roundDown(heapMiB / rule.heapFraction));
    } else {
      heapMiB = roundDown(limitMiB * rule.heapFraction);
      heapMiB = Math.min(Math.max(heapMiB, rule.minHeapMiB ?? 256), rule.maxHeapMiB ?? heapMiB);
      limitMiB = Math.max(limitMiB, roundDown(heapMiB / rule.heapFraction));
    }
    out[service] = { limitMiB, heapMiB };
  }
  return out;
}
