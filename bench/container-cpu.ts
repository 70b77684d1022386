// CPU time a container has used so far, read from its cgroup on the host: benchmarks take the
// difference around a run to see what the broker spent serving a contender, beside the
// contender's own user + system time.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/** A reader of the container's CPU seconds, or null when no known cgroup layout holds it. */
export function containerCpu(container: string): (() => number) | null {
  const id = execFileSync("docker", ["inspect", "-f", "{{.Id}}", container]).toString().trim();
  // cgroup v1 (cpuacct.usage, nanoseconds) and v2 (cpu.stat usage_usec), cgroupfs and systemd drivers.
  const v1 = [`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, `/sys/fs/cgroup/cpuacct/system.slice/docker-${id}.scope/cpuacct.usage`];
  const v2 = [`/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`, `/sys/fs/cgroup/docker/${id}/cpu.stat`];
  const usage = v1.find((p) => existsSync(p));
  if (usage) return () => Number(readFileSync(usage, "utf8").trim()) / 1e9;
  const stat = v2.find((p) => existsSync(p));
  if (stat)
    return () => {
      const line = readFileSync(stat, "utf8")
        .split("\n")
        .find((l) => l.startsWith("usage_usec "));
      return Number(line?.split(" ")[1]) / 1e6;
    };
  return null;
}
