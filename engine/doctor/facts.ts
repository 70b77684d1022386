/** What `helk doctor` looks at, gathered in one place: host, engine, containers, logs. */
import { existsSync, readFileSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import { publishedPorts } from "../../compose/published-ports.js";
import type { DockerClient } from "../docker/docker-client.js";
import { portOwner } from "../host/port-owner.js";
import type { InstallRecord } from "../install/install-record.js";
import type { DoctorFacts } from "./rules.js";

/** Lines of each service's log the signatures are matched against. */
export const LOG_LINES = 300;

function meminfo(): { totalMiB: number; availableMiB: number } {
  const text = readFileSync("/proc/meminfo", "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
  return { totalMiB: Math.round(kb("MemTotal") / 1024), availableMiB: Math.round(kb("MemAvailable") / 1024) };
}

function disk(path: string): { path: string; freeGiB: number; totalGiB: number } {
  let p = path;
  while (!existsSync(p) && p !== dirname(p)) p = dirname(p);
  const s = statfsSync(p);
  return { path, freeGiB: (s.bavail * s.bsize) / 1024 ** 3, totalGiB: (s.blocks * s.bsize) / 1024 ** 3 };
}

export async function gatherFacts(record: InstallRecord, docker: DockerClient, hostIpNow: string): Promise<DoctorFacts> {
  const config = record.config;
  const mem = meminfo();
  let maxMapCount = 0;
  try {
    maxMapCount = Number(readFileSync("/proc/sys/vm/max_map_count", "utf8").trim());
  } catch {
    // Unknown: reported as 0, which the rule flags.
  }
  const facts: DoctorFacts = {
    project: record.project,
    services: record.services,
    hostIp: hostIpNow,
    kafkaPort: config.ports.kafka,
    host: { memTotalMiB: mem.totalMiB, memAvailableMiB: mem.availableMiB, disks: [disk(config.installHome)], maxMapCount },
    takenPorts: [],
    engine: { ok: true },
    containers: [],
    logs: {},
  };
  try {
    await docker.ping();
    facts.host.disks.push(disk((await docker.info()).dockerRootDir));
    facts.containers = await docker.containers.list(record.project);
    // A failed install leaves the previous record: its new services are still looked at.
    facts.services = [...new Set([...record.services, ...facts.containers.map((c) => c.service)])];
  } catch (err) {
    facts.engine = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  // A port is HELK's when one of its running containers publishes it; anyone else holding it
  // keeps that service from starting.
  const ours = new Set(
    facts.containers.filter((c) => c.state === "running").flatMap((c) => c.ports.map((p) => Number(/:(\d+)->/.exec(p)?.[1]))),
  );
  for (const p of publishedPorts({ ...config, hostIp: record.hostIp })) {
    if (ours.has(p.port)) continue;
    const owner = portOwner(p.port);
    if (owner) facts.takenPorts.push({ ...p, owner });
  }
  for (const c of facts.containers) {
    facts.logs[c.service] = await docker.containers.logsTail(c.id, LOG_LINES).catch(() => []);
    if (c.service === "kafka" && c.state === "running") {
      const advertised = await docker.containers.envVar(c.id, "KAFKA_ADVERTISED_LISTENERS").catch(() => undefined);
      if (advertised) facts.kafkaAdvertised = advertised;
    }
  }
  return facts;
}
