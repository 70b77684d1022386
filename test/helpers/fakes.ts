/** Fakes shared by the unit tests: a clock that only moves when slept on, containers, a scripted Docker client, a Printer. */
import type { Printer } from "../../cli/output.js";
import type { Clock } from "../../engine/clock.js";
import type { ContainerSummary, DockerClient } from "../../engine/docker/docker-client.js";

export function fakeClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

/** A running, healthy container of a service; patch what a test needs different. */
export const container = (service: string, patch: Partial<ContainerSummary> = {}): ContainerSummary => ({
  id: `id-${service}`,
  name: `p-${service}-1`,
  service,
  image: "img",
  state: "running",
  health: "healthy",
  oomKilled: false,
  restartCount: 0,
  ports: [],
  ...patch,
});

/** A Docker client whose container list follows a script of snapshots, one per poll. */
export function scriptedDocker(snapshots: ContainerSummary[][], logs: string[] = []): DockerClient {
  let i = 0;
  return {
    ping: async () => ({ apiVersion: "1.43", version: "24.0.0" }),
    info: async () => ({ dockerRootDir: "/var/lib/docker" }),
    containers: {
      list: async () => snapshots[Math.min(i++, snapshots.length - 1)] ?? [],
      logsTail: async () => logs,
      envVar: async () => undefined,
    },
    images: { exists: async () => true },
    volumes: { list: async () => [] },
  };
}

/** A Printer that keeps what a command printed: stdout lines, stderr lines, and each status line shown. */
export function capturePrinter(isTTY: boolean): Printer & { outs: string[]; errs: string[]; statuses: string[] } {
  const outs: string[] = [];
  const errs: string[] = [];
  const statuses: string[] = [];
  return { outs, errs, statuses, isTTY, out: (t) => outs.push(t), err: (t) => errs.push(t), status: (l) => statuses.push(l) };
}
