/**
 * Day-2 verbs on an installed stack: status, start, stop, restart, down, uninstall, logs.
 * Lifecycle goes through `docker compose` (explicit project and file); observation through
 * the Docker API by compose labels.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { type ComposeCli, composeArgs, detectCompose } from "./compose-cli.js";
import { type ComposeTarget, runCompose } from "./compose-runner.js";
import { type ContainerSummary, createDockerClient, type DockerClient } from "./docker-client.js";
import { ExitCode, HelkError } from "./errors.js";
import { type InstallRecord, readRecord } from "./install-record.js";

export interface Stack {
  record: InstallRecord;
  target: ComposeTarget;
  docker: DockerClient;
}

export async function openStack(home: string, deps: { docker?: DockerClient; compose?: ComposeCli } = {}): Promise<Stack> {
  const record = readRecord(home);
  if (!existsSync(record.composeFile)) {
    throw new HelkError(`${record.composeFile} is missing`, {
      exitCode: ExitCode.failure,
      hint: "run `helk install` again to re-create it (data volumes are kept)",
    });
  }
  const compose = deps.compose ?? (await detectCompose());
  return {
    record,
    target: { cli: compose, project: record.project, file: record.composeFile },
    docker: deps.docker ?? createDockerClient(),
  };
}

export interface ServiceStatus {
  name: string;
  state: string;
  health: string;
  image: string;
  ports: string[];
  uptimeSeconds?: number;
  detail: string;
}

export interface StatusResult {
  project: string;
  healthy: boolean;
  services: ServiceStatus[];
}

function detailOf(c: ContainerSummary): string {
  if (c.oomKilled) return "killed for lack of memory (OOM): raise its limit or the host's memory";
  if (c.state !== "running") return `exited with code ${c.exitCode ?? "?"}${c.restartCount ? `, restarted ${c.restartCount}x` : ""}`;
  if (c.health === "unhealthy" || c.health === "starting")
    return c.lastHealthOutput?.split("\n")[0]?.slice(0, 120) || "health check not passing yet";
  if (c.restartCount) return `restarted ${c.restartCount}x`;
  return "ok";
}

/** Status by service, including expected services that have no container at all. */
export async function status(stack: Stack, now: () => number = Date.now): Promise<StatusResult> {
  const containers = await stack.docker.containers.list(stack.record.project);
  const byService = new Map(containers.map((c) => [c.service, c]));
  const services: ServiceStatus[] = stack.record.services.map((name) => {
    const c = byService.get(name);
    if (!c)
      return { name, state: "missing", health: "none", image: "-", ports: [], detail: "no container: run `helk start` or `helk install`" };
    const s: ServiceStatus = { name, state: c.state, health: c.health, image: c.image, ports: c.ports, detail: detailOf(c) };
    if (c.startedAt) s.uptimeSeconds = Math.max(0, Math.round((now() - c.startedAt.getTime()) / 1000));
    return s;
  });
  const healthy = services.every((s) => s.state === "running" && (s.health === "healthy" || s.health === "none"));
  return { project: stack.record.project, healthy, services };
}

function checkServices(stack: Stack, services: string[]): void {
  const unknown = services.filter((s) => !stack.record.services.includes(s) && s !== "ksqldb-cli");
  if (unknown.length) {
    throw new HelkError(`unknown service ${unknown.join(", ")}`, {
      exitCode: ExitCode.usage,
      hint: `services of this install: ${stack.record.services.join(", ")}`,
    });
  }
}

/** A compose.yaml edited into something Compose cannot read: say how to get a good one back. */
async function requireValidComposeFile(stack: Stack): Promise<void> {
  const r = await runCompose(stack.target, ["config", "-q"], { check: false });
  if (r.exitCode !== 0) {
    throw new HelkError(`${stack.target.file} is not a valid compose file (edited by hand?)`, {
      exitCode: ExitCode.failure,
      details: r.output.trim().split("\n").slice(-5),
      hint: "run `helk install` again to regenerate it from the configuration; containers and data are kept",
    });
  }
}

export async function start(stack: Stack, services: string[]): Promise<void> {
  checkServices(stack, services);
  await requireValidComposeFile(stack);
  await runCompose(stack.target, ["up", "-d", "--no-recreate", ...services]);
}

export async function stop(stack: Stack, services: string[]): Promise<void> {
  checkServices(stack, services);
  await runCompose(stack.target, ["stop", ...services]);
}

export async function restart(stack: Stack, services: string[]): Promise<void> {
  checkServices(stack, services);
  await requireValidComposeFile(stack);
  await runCompose(stack.target, ["restart", ...services]);
}

/** Remove containers and the network; volumes (the data) only when asked. */
export async function down(stack: Stack, options: { volumes: boolean }): Promise<{ removedVolumes: string[] }> {
  const volumes = options.volumes ? await stack.docker.volumes.list(stack.record.project) : [];
  await runCompose(stack.target, ["down", "--remove-orphans", ...(options.volumes ? ["--volumes"] : [])]);
  return { removedVolumes: volumes };
}

/**
 * down, then remove the install home. Without --purge the data volumes stay, and so does
 * secrets/: Elasticsearch keeps its passwords inside its data, so a later install must reuse them.
 */
export async function uninstall(
  stack: Stack,
  options: { purge: boolean },
): Promise<{ removedVolumes: string[]; removedHome: string; keptSecrets: boolean }> {
  const { removedVolumes } = await down(stack, { volumes: options.purge });
  const home = stack.record.installHome;
  if (options.purge) rmSync(home, { recursive: true, force: true });
  else for (const entry of readdirSync(home)) if (entry !== "secrets") rmSync(join(home, entry), { recursive: true, force: true });
  return { removedVolumes, removedHome: home, keptSecrets: !options.purge };
}

export interface LogsOptions {
  services: string[];
  follow: boolean;
  tail?: string;
  since?: string;
  timestamps: boolean;
}

/** Stream `compose logs` straight to the terminal: merged, with service prefixes. */
export async function logs(stack: Stack, o: LogsOptions): Promise<number> {
  checkServices(stack, o.services);
  const args = [
    "logs",
    ...(o.follow ? ["--follow"] : []),
    ...(o.tail ? ["--tail", o.tail] : []),
    ...(o.since ? ["--since", o.since] : []),
    ...(o.timestamps ? ["--timestamps"] : []),
    ...o.services,
  ];
  const [bin, argv] = composeArgs(stack.target.cli, stack.target.project, stack.target.file, args);
  const r = await execa(bin, argv, { stdio: "inherit", reject: false });
  return r.exitCode ?? 1;
}
