/**
 * `helk doctor`'s knowledge, as pure rules: facts gathered about the host, the engine and each
 * container in, findings out, each with the command that fixes it. engine/doctor/facts.ts
 * gathers the facts; the rules are table-tested on their own.
 */
import { KAFKA_BROKERS } from "../../compose/profiles.js";
import type { ContainerSummary } from "../docker/docker-client.js";

export type Severity = "error" | "warning";

export interface Finding {
  /** Stable id for scripts, e.g. "container.oom-killed". */
  id: string;
  severity: Severity;
  /** What it is about: "host", "engine" or a service name. */
  subject: string;
  message: string;
  /** The command (or step) that fixes it. */
  fix: string;
}

export interface DoctorFacts {
  project: string;
  services: string[];
  /** The host address Winlogbeat and clients use now (the config's, or the detected one for "auto"). */
  hostIp: string;
  kafkaPort: number;
  host: {
    memTotalMiB: number;
    memAvailableMiB: number;
    /** Free and total GiB where data lives (install home, Docker's root). */
    disks: { path: string; freeGiB: number; totalGiB: number }[];
    maxMapCount: number;
  };
  /** Ports of the install that something other than its own containers holds. */
  takenPorts: { port: number; host: string; what: string; owner: string }[];
  engine: { ok: true } | { ok: false; error: string };
  containers: ContainerSummary[];
  /** Last lines of each service's log. */
  logs: Record<string, string[]>;
  /** Kafka's advertised listeners (KAFKA_ADVERTISED_LISTENERS of its container), when it runs. */
  kafkaAdvertised?: string;
}

/** Services whose heap the config sizes, for the fix of a Java out-of-memory error. */
const HEAP_SETTING: Record<string, string> = {
  elasticsearch: "memory.elasticsearchHeap",
  logstash: "memory.logstashHeap",
  kafka: "memory.kafkaHeap",
  "ksqldb-server": "memory.ksqldbHeap",
  "spark-worker": "memory.sparkWorkerMemory",
};

interface Signature {
  id: string;
  pattern: RegExp;
  /** Services whose own logs this signature does not apply to. */
  except?: string[];
  message: (service: string) => string;
  fix: (service: string) => string;
}

const SIGNATURES: Signature[] = [
  {
    id: "log.java-heap",
    pattern: /java\.lang\.OutOfMemoryError/,
    message: (s) => `${s} ran out of Java heap (java.lang.OutOfMemoryError in its log)`,
    fix: (s) =>
      HEAP_SETTING[s]
        ? `sudo helk install --set ${HEAP_SETTING[s]}=2g   (a larger heap; the container limit follows)`
        : `give the host more memory, or drop add-ons; then sudo helk restart ${s}`,
  },
  {
    id: "log.disk-watermark",
    pattern: /flood.stage disk watermark|high disk watermark|index read-only \/ allow delete/i,
    message: (s) => `${s}: Elasticsearch reached a disk watermark and stops allocating or writing`,
    fix: () =>
      "free disk space (docker system prune; shorten elasticsearch.retentionDays), then: curl -u elastic -X PUT 'http://127.0.0.1:9200/_all/_settings' -H 'Content-Type: application/json' -d '{\"index.blocks.read_only_allow_delete\": null}'",
  },
  {
    id: "log.auth-failure",
    pattern: /unable to authenticate user|authentication failed|security_exception|401 Unauthorized|invalid credentials/i,
    // Elasticsearch logs every failed login it refuses, including HELK's own password checks:
    // what matters is a client that keeps failing.
    except: ["elasticsearch"],
    message: (s) => `${s} fails to authenticate to Elasticsearch (its log shows authentication errors)`,
    fix: () => "sudo helk provision   (sets the service users' passwords from the install's secrets again)",
  },
  {
    id: "log.kafka-unreachable",
    pattern: /Connection to node -?\d+ .* could not be established|Broker may not be available/,
    // Kafka's own start-up logs this while its listeners open; what matters is its clients.
    except: [...KAFKA_BROKERS],
    message: (s) => `${s} cannot reach a Kafka broker at the address Kafka advertises`,
    fix: () => "sudo helk doctor   (see the kafka.advertised-listener finding); then sudo helk install --host-ip <this host's address>",
  },
];

/** Memory, disk, vm.max_map_count and ports someone else holds. */
function hostFindings(f: DoctorFacts): Finding[] {
  const out: Finding[] = [];
  const add = (x: Finding) => out.push(x);
  const availablePct = (100 * f.host.memAvailableMiB) / Math.max(1, f.host.memTotalMiB);
  if (availablePct < 10) {
    add({
      id: "host.memory-pressure",
      severity: "warning",
      subject: "host",
      message: `memory pressure: ${f.host.memAvailableMiB} MiB of ${f.host.memTotalMiB} MiB available (${availablePct.toFixed(0)}%); the kernel may kill containers`,
      fix: "stop what else runs here, or lower the heaps: sudo helk install --set memory.elasticsearchHeap=1g",
    });
  }
  for (const d of f.host.disks) {
    const freePct = (100 * d.freeGiB) / Math.max(1, d.totalGiB);
    if (freePct < 10 || d.freeGiB < 2) {
      add({
        id: "host.disk-low",
        severity: freePct < 5 || d.freeGiB < 1 ? "error" : "warning",
        subject: "host",
        message: `${d.freeGiB.toFixed(1)} GiB free of ${d.totalGiB.toFixed(0)} GiB under ${d.path} (${freePct.toFixed(0)}%): Elasticsearch stops writing at 95% used`,
        fix: "docker system prune (unused images and build cache); shorten elasticsearch.retentionDays",
      });
    }
  }
  if (f.host.maxMapCount < 262144) {
    add({
      id: "host.max-map-count",
      severity: "error",
      subject: "host",
      message: `vm.max_map_count is ${f.host.maxMapCount}; Elasticsearch needs at least 262144`,
      fix: "sudo sysctl -w vm.max_map_count=262144 && echo vm.max_map_count=262144 | sudo tee /etc/sysctl.d/99-helk.conf",
    });
  }
  for (const p of f.takenPorts) {
    add({
      id: "host.port-taken",
      severity: "error",
      subject: p.what,
      message: `port ${p.port} on ${p.host} (${p.what}) is held by ${p.owner}, not by HELK`,
      fix: `stop ${p.owner}, or move HELK's port: sudo helk install --set ports.${p.what}=<free port>`,
    });
  }
  return out;
}

/** Each service's container: missing, OOM-killed, killed, restarting, exited, never started, unhealthy. */
function containerFindings(f: DoctorFacts): Finding[] {
  const out: Finding[] = [];
  const add = (x: Finding) => out.push(x);
  const byService = new Map(f.containers.map((c) => [c.service, c]));
  for (const s of f.services) {
    const c = byService.get(s);
    if (!c) {
      add({
        id: "container.missing",
        severity: "error",
        subject: s,
        message: `${s} has no container`,
        fix: "sudo helk start   (or sudo helk install, which resumes)",
      });
      continue;
    }
    if (c.oomKilled) {
      add({
        id: "container.oom-killed",
        severity: "error",
        subject: s,
        message: `${s} was killed for lack of memory (OOM-killed at its container limit)${c.restartCount ? `, restarted ${c.restartCount}x` : ""}`,
        fix: HEAP_SETTING[s]
          ? `sudo helk install --set ${HEAP_SETTING[s]}=<smaller heap, or more host memory>; then sudo helk restart ${s}`
          : `give the host more memory (its limit is sized from it), or drop add-ons; then sudo helk restart ${s}`,
      });
    } else if (c.exitCode === 137) {
      add({
        id: "container.killed",
        severity: "error",
        subject: s,
        message: `${s} exited with code 137 (SIGKILL): the kernel's OOM killer or a forced stop`,
        fix: `dmesg | grep -i oom; then sudo helk start ${s}`,
      });
    }
    if (c.restartCount >= 3) {
      add({
        id: "container.restart-loop",
        severity: "error",
        subject: s,
        message: `${s} keeps restarting (${c.restartCount} restarts)`,
        fix: `sudo helk logs ${s} --tail 50`,
      });
    }
    if (!c.oomKilled && c.exitCode !== 137 && c.state === "exited") {
      add({
        id: "container.exited",
        severity: "error",
        subject: s,
        message: `${s} exited with code ${c.exitCode ?? "?"}`,
        fix: `sudo helk logs ${s} --tail 50; then sudo helk start ${s}`,
      });
    }
    if (c.state === "created") {
      add({
        id: "container.not-started",
        severity: "error",
        subject: s,
        message: `${s} was created but never started (a dependency was not healthy in time, or the start was interrupted)`,
        fix: `sudo helk start ${s}`,
      });
    }
    if (c.state === "running" && c.health === "unhealthy") {
      add({
        id: "container.unhealthy",
        severity: "warning",
        subject: s,
        message: `${s} is unhealthy${c.lastHealthOutput ? `: ${c.lastHealthOutput.split("\n")[0]?.slice(0, 160)}` : ""}`,
        fix: `sudo helk logs ${s} --tail 50`,
      });
    }
  }
  return out;
}

/** Kafka's advertised address against the one clients use now (a changed host IP). */
function kafkaFindings(f: DoctorFacts): Finding[] {
  const out: Finding[] = [];
  const add = (x: Finding) => out.push(x);
  if (f.kafkaAdvertised) {
    const external = /EXTERNAL:\/\/([^,]+)/.exec(f.kafkaAdvertised)?.[1];
    const expected = `${f.hostIp}:${f.kafkaPort}`;
    if (external && external !== expected) {
      add({
        id: "kafka.advertised-listener",
        severity: "error",
        subject: "kafka",
        message: `Kafka advertises ${external} to clients, but this host is now reached at ${expected}: Winlogbeat connects, then fails to produce`,
        fix: `sudo helk install --host-ip ${f.hostIp}   (re-renders and recreates only what changed; data stays)`,
      });
    }
  }
  return out;
}

/** Known failure signatures in the services' logs, one finding per service and signature. */
function logFindings(f: DoctorFacts): Finding[] {
  const out: Finding[] = [];
  const add = (x: Finding) => out.push(x);
  for (const [service, lines] of Object.entries(f.logs)) {
    for (const sig of SIGNATURES) {
      if (sig.except?.includes(service)) continue;
      const hits = lines.filter((l) => sig.pattern.test(l));
      if (hits.length) {
        add({
          id: sig.id,
          severity: "error",
          subject: service,
          message: `${sig.message(service)}; ${hits.length} line${hits.length === 1 ? "" : "s"}, last: ${(hits.at(-1) as string).trim().slice(0, 160)}`,
          fix: sig.fix(service),
        });
      }
    }
  }
  return out;
}

export function diagnose(f: DoctorFacts): Finding[] {
  // Without the engine nothing about containers, Kafka or logs is known.
  if (!f.engine.ok)
    return [
      ...hostFindings(f),
      {
        id: "engine.unreachable",
        severity: "error",
        subject: "engine",
        message: f.engine.error,
        fix: "sudo systemctl start docker   (or: sudo bash scripts/setup-host.sh)",
      },
    ];
  return [...hostFindings(f), ...containerFindings(f), ...kafkaFindings(f), ...logFindings(f)];
}
