/** Facts about this host that sizing, defaults and preflight need. */
import { readFileSync } from "node:fs";
import { cpus, networkInterfaces, totalmem } from "node:os";
import type { HostFacts } from "../../compose/model.js";

export function readHostFacts(): HostFacts {
  const facts: HostFacts = { memoryMiB: Math.floor(totalmem() / 1024 / 1024), cpus: cpus().length };
  const files = hardOpenFilesLimit();
  if (files !== undefined) facts.maxOpenFiles = files;
  return facts;
}

/** This process's hard RLIMIT_NOFILE: containers started from here get no more. */
function hardOpenFilesLimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const hard = line?.trim().split(/\s+/)[4];
    return hard === "unlimited" ? undefined : Number(hard) || undefined;
  } catch {
    return undefined;
  }
}

/** The interface of the IPv4 default route, from /proc/net/route (Linux). */
function defaultRouteInterface(): string | undefined {
  try {
    const lines = readFileSync("/proc/net/route", "utf8").trim().split("\n").slice(1);
    for (const line of lines) {
      const [iface, destination] = line.trim().split(/\s+/);
      if (destination === "00000000") return iface;
    }
  } catch {
    // Not Linux or no procfs: fall back to the first external address.
  }
  return undefined;
}

/**
 * The address Winlogbeat and browsers should use: the default route's IPv4 address, else the
 * first non-loopback IPv4 address, else loopback (a machine with no network still installs).
 */
export function detectHostIp(): string {
  const all = networkInterfaces();
  const route = defaultRouteInterface();
  const v4 = (name: string) => (all[name] ?? []).find((a) => a.family === "IPv4" && !a.internal)?.address;
  if (route) {
    const address = v4(route);
    if (address) return address;
  }
  for (const name of Object.keys(all)) {
    const address = v4(name);
    if (address) return address;
  }
  return "127.0.0.1";
}

/** A configured hostIp, with "auto" replaced by the detected address. */
export function resolveHostIp(hostIp: string): string {
  return hostIp === "auto" ? detectHostIp() : hostIp;
}
