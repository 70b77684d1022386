/**
 * `status`: each service of an install as the Docker API sees it, by compose labels.
 * Kept apart from the lifecycle verbs so it loads neither execa nor Compose.
 */
import type { ContainerSummary, DockerClient } from "../docker/docker-client.js";
import type { InstallRecord } from "../install/install-record.js";
import type { ProbeResult } from "../probes/probe.js";
import type { ProbePlan, probePlan } from "../probes/targets.js";
import type { AlertsStatus } from "../rules/alerts-status.js";

/**
 * Each probe's whole budget. The probes run in parallel, so a status waits for the slowest
 * one: a service that takes longer than this to answer a metadata or health request is
 * reported as failing rather than holding up everyone's answer.
 */
export const PROBE_TIMEOUT_MS = 2000;

async function runProbe(plan: ProbePlan): Promise<ProbeResult> {
  return (await plan.load())({ timeoutMs: PROBE_TIMEOUT_MS, ...plan.target });
}

export interface ServiceStatus {
  name: string;
  state: string;
  health: string;
  image: string;
  ports: string[];
  uptimeSeconds?: number;
  detail: string;
  /** Whether the service answered its own protocol; absent where no probe applies or ran. */
  probe?: "ok" | "failed";
}

export interface StatusResult {
  project: string;
  healthy: boolean;
  services: ServiceStatus[];
  /** With the alerting add-on: alerts in the last hour per rule (never part of `healthy`). */
  alerts?: AlertsStatus;
}

function detailOf(c: ContainerSummary): string {
  if (c.oomKilled) return "killed for lack of memory (OOM): raise its limit or the host's memory";
  if (c.state !== "running") return `exited with code ${c.exitCode ?? "?"}${c.restartCount ? `, restarted ${c.restartCount}x` : ""}`;
  if (c.health === "unhealthy" || c.health === "starting")
    return c.lastHealthOutput?.split("\n")[0]?.slice(0, 120) || "health check not passing yet";
  if (c.restartCount) return `restarted ${c.restartCount}x`;
  return "ok";
}

/**
 * The operator's clusters an external-mode install uses: no container, so the protocol probe
 * is their whole status ("external", healthy or unhealthy).
 */
async function externalClusters(record: InstallRecord, planFor: typeof probePlan | undefined): Promise<ServiceStatus[]> {
  const config = record.config;
  const external = [
    ...(config.kafka.external ? [{ name: "kafka", where: config.kafka.external.bootstrap }] : []),
    ...(config.elasticsearch.external ? [{ name: "elasticsearch", where: config.elasticsearch.external.urls }] : []),
  ];
  return Promise.all(
    external.map(async ({ name, where }) => {
      const s: ServiceStatus = { name, state: "external", health: "none", image: "-", ports: where, detail: "not probed (--no-probes)" };
      const plan = planFor?.(name, config);
      if (!plan) return planFor ? { ...s, detail: "its login is readable by root only: sudo helk status" } : s;
      const result = await runProbe(plan);
      return { ...s, health: result.ok ? "healthy" : "unhealthy", probe: result.ok ? "ok" : "failed", detail: result.detail };
    }),
  );
}

/**
 * Loaded only when something is probed: which probe each service gets reads the install's
 * secrets (node:crypto comes with them) and the alerts' search loads node:http and node:https.
 * `status --no-probes` is meant to start as fast as `docker compose ps`.
 */
const probing = () => import("../probes/targets.js");

/**
 * Status by service, including expected services that have no container at all. A running,
 * healthy container is also probed in its own protocol; its answer becomes the detail.
 */
export async function status(
  stack: { record: InstallRecord; docker: DockerClient },
  options: { now?: () => number; probes?: boolean } = {},
): Promise<StatusResult> {
  const now = options.now ?? Date.now;
  // Asked alongside the services' probes, within the same budget, so it adds no wait of its own.
  const alerts = stack.record.services.includes("elastalert")
    ? import("../rules/alerts-status.js").then((m) =>
        m.alertsStatus(stack.record, { timeoutMs: PROBE_TIMEOUT_MS, probes: options.probes !== false }),
      )
    : undefined;
  const planFor = options.probes === false ? undefined : (await probing()).probePlan;
  const containers = await stack.docker.containers.list(stack.record.project);
  const byService = new Map(containers.map((c) => [c.service, c]));
  const services: ServiceStatus[] = await Promise.all(
    stack.record.services.map(async (name) => {
      const c = byService.get(name);
      if (!c)
        return {
          name,
          state: "missing",
          health: "none",
          image: "-",
          ports: [],
          detail: "no container: run `helk start` or `helk install`",
        };
      const s: ServiceStatus = { name, state: c.state, health: c.health, image: c.image, ports: c.ports, detail: detailOf(c) };
      if (c.startedAt) s.uptimeSeconds = Math.max(0, Math.round((now() - c.startedAt.getTime()) / 1000));
      const plan = !planFor || c.state !== "running" || c.health === "unhealthy" ? undefined : planFor(name, stack.record.config, c);
      if (plan) {
        const result = await runProbe(plan);
        s.probe = result.ok ? "ok" : "failed";
        s.detail = result.detail;
      }
      return s;
    }),
  );
  services.push(...(await externalClusters(stack.record, planFor)));
  const healthy = services.every(
    (s) => (s.state === "running" || s.state === "external") && (s.health === "healthy" || s.health === "none") && s.probe !== "failed",
  );
  return { project: stack.record.project, healthy, services, ...(alerts ? { alerts: await alerts } : {}) };
}
