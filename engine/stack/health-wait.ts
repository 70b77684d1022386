/**
 * Wait for a project's services to become healthy, each with its own deadline counted from
 * when its container appeared (dependents appear only once their dependencies are healthy).
 * Runs beside `docker compose up`, which itself blocks on `service_healthy` dependencies.
 */
import type { Clock } from "../clock.js";
import type { ContainerSummary, DockerClient } from "../docker/docker-client.js";
import { ExitCode, HelkError } from "../errors.js";
import type { ProgressSink } from "../events.js";

export interface HealthWaitOptions {
  docker: DockerClient;
  project: string;
  services: string[];
  timeoutSeconds: number;
  clock: Clock;
  sink: ProgressSink;
  /** Settles when `compose up` ends; a rejection means Compose gave up on a dependency. */
  composeUp?: Promise<unknown>;
  pollMs?: number;
  logFile?: string;
  /**
   * The image each service's container must run: one running another image is the previous
   * container, not yet recreated (an upgrade), and does not count as ready.
   */
  expectedImages?: Record<string, string>;
}

export const isReady = (c: ContainerSummary): boolean => c.state === "running" && (c.health === "healthy" || c.health === "none");

function describeContainer(c: ContainerSummary | undefined): string {
  if (!c) return "container not created (a dependency never became healthy)";
  const bits = [`state ${c.state}`, `health ${c.health}`];
  if (c.exitCode !== undefined) bits.push(`exit code ${c.exitCode}`);
  if (c.oomKilled) bits.push("killed for lack of memory (OOM)");
  if (c.restartCount) bits.push(`restarted ${c.restartCount}x`);
  if (c.lastHealthOutput) bits.push(`last check: ${c.lastHealthOutput.split("\n")[0]?.slice(0, 160)}`);
  return bits.join(", ");
}

export async function waitForHealthy(o: HealthWaitOptions): Promise<Record<string, number>> {
  const start = o.clock.now();
  const firstSeen = new Map<string, number>();
  const readyAfter: Record<string, number> = {};
  let upError: unknown;
  let upDone = !o.composeUp;
  o.composeUp?.then(
    () => {
      upDone = true;
    },
    (err) => {
      upDone = true;
      upError = err ?? new Error("compose up failed");
    },
  );

  // The container each service was seen ready in: Compose may still replace a healthy container
  // of the same image (a changed limit recreates it), and the replacement must be waited for.
  const readyIn = new Map<string, string>();
  for (;;) {
    // Read before listing: `up` done at this point means every replacement is in the list.
    const upWasDone = upDone;
    const containers = await o.docker.containers.list(o.project);
    const byService = new Map(containers.map((c) => [c.service, c]));
    const now = o.clock.now();
    for (const service of o.services) {
      const c = byService.get(service);
      if (c && !firstSeen.has(service)) firstSeen.set(service, now);
      if (readyAfter[service] !== undefined && c && readyIn.get(service) !== c.id) delete readyAfter[service];
      const expected = o.expectedImages?.[service];
      const current = c !== undefined && (!expected || c.image === expected);
      if (c && current && isReady(c) && readyAfter[service] === undefined) {
        readyAfter[service] = Math.round((now - start) / 1000);
        readyIn.set(service, c.id);
        o.sink({ kind: "info", step: "health", message: `${service} healthy after ${readyAfter[service]} s` });
      }
    }
    const pending = o.services.filter((s) => readyAfter[s] === undefined);
    if (pending.length === 0 && upWasDone && !upError) return readyAfter;

    // A deadline passed, or Compose stopped waiting because a dependency went unhealthy: diagnose.
    const late = pending.find((s) => now - (firstSeen.get(s) ?? now) > o.timeoutSeconds * 1000);
    const broken = upError
      ? pending.find((s) => byService.get(s)?.health === "unhealthy" || byService.get(s)?.state === "exited")
      : undefined;
    const culprit = late ?? broken;
    // Compose failed for another reason: an engine that went away explains it best (exit 4);
    // otherwise (a port, an image) Compose's own message says more.
    if (!culprit && upError) {
      await o.docker.ping();
      throw upError;
    }
    if (culprit) {
      const c = byService.get(culprit);
      const logs = c ? await o.docker.containers.logsTail(c.id, 20).catch(() => []) : [];
      const waited = Math.round((now - (firstSeen.get(culprit) ?? start)) / 1000);
      throw new HelkError(`not healthy after ${waited} s: ${culprit} (${describeContainer(c)})`, {
        exitCode: ExitCode.unhealthy,
        details: logs.length ? [`last ${logs.length} log lines of ${culprit}:`, ...logs.map((l) => `  ${l}`)] : [],
        hint: `${o.logFile ? `full log: ${o.logFile}. ` : ""}Fix the cause, then run \`helk install\` again: it resumes and keeps data.`,
        cause: upError,
      });
    }
    await o.clock.sleep(o.pollMs ?? 2000);
  }
}
