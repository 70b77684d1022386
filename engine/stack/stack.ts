/**
 * Day-2 verbs on an installed stack: status, start, stop, restart, down, uninstall, logs.
 * Lifecycle goes through `docker compose` (explicit project and file); observation through
 * the Docker API by compose labels.
 */
import { accessSync, constants, existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { type Clock, systemClock } from "../clock.js";
import { type ComposeCli, composeArgs, detectCompose } from "../docker/compose-cli.js";
import { type ComposeTarget, runCompose, validateComposeFile } from "../docker/compose-runner.js";
import { createDockerClient, type DockerClient } from "../docker/docker-client.js";
import { ExitCode, HelkError } from "../errors.js";
import type { ProgressSink } from "../events.js";
import { type InstallRecord, readRecord } from "../install/install-record.js";
import { needsLoginsFirst, startElasticsearchWithLogins } from "../install/service-logins.js";
import { readState } from "../secrets.js";

export interface Stack {
  record: InstallRecord;
  docker: DockerClient;
  /** The compose CLI and file, found on first use: `status` never needs them. */
  compose(): Promise<ComposeTarget>;
}

export async function openStack(home: string, deps: { docker?: DockerClient; compose?: ComposeCli } = {}): Promise<Stack> {
  const record = readRecord(home);
  if (!existsSync(record.composeFile)) {
    throw new HelkError(`${record.composeFile} is missing`, {
      exitCode: ExitCode.failure,
      hint: "run `helk install` again to re-create it (data volumes are kept)",
    });
  }
  let target: Promise<ComposeTarget> | undefined;
  const compose = () => {
    target ??= (deps.compose ? Promise.resolve(deps.compose) : detectCompose()).then((cli) => ({
      cli,
      project: record.project,
      file: record.composeFile,
    }));
    return target;
  };
  return { record, compose, docker: deps.docker ?? createDockerClient() };
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
  const target = await stack.compose();
  const r = await validateComposeFile(target);
  if (!r.ok) {
    throw new HelkError(`${target.file} is not a valid compose file (edited by hand?)`, {
      exitCode: ExitCode.failure,
      details: r.output.split("\n").slice(-5),
      hint: "run `helk install` again to regenerate it from the configuration; containers and data are kept",
    });
  }
}

/** What start and restart report while Elasticsearch comes up first; silent by default. */
export interface LifecycleDeps {
  sink?: ProgressSink;
  clock?: Clock;
}

/**
 * Elasticsearch first and the services' logins set, when the services to (re)start log in to it:
 * its data volume may be new (after `down --volumes`), and the official image then knows only
 * `elastic` (engine/install/service-logins.ts). Returns whether it ran.
 */
async function loginsFirst(stack: Stack, services: string[], composeArgs: string[], deps: LifecycleDeps): Promise<boolean> {
  const { record } = stack;
  if (!needsLoginsFirst(record.config, record.services, services)) return false;
  // Kibana and Logstash log in with passwords kept there.
  const { secrets } = readState(record.installHome, composeArgs[0] === "restart" ? "restart" : "start");
  await startElasticsearchWithLogins({
    target: await stack.compose(),
    config: record.config,
    secrets,
    docker: stack.docker,
    clock: deps.clock ?? systemClock,
    sink: deps.sink ?? (() => undefined),
    composeArgs,
  });
  return true;
}

/**
 * With the alerting add-on, the Sigma rules are converted again before ElastAlert starts (an
 * upgraded image may bring new HELK rules). Only where this user may write the home: a member of
 * the docker group starts what root converted last. Never fatal (engine/rules/stack-rules.ts).
 */
async function rulesBeforeStart(stack: Stack, services: string[], deps: LifecycleDeps): Promise<void> {
  const { record } = stack;
  if (!record.services.includes("elastalert") || (services.length && !services.includes("elastalert"))) return;
  try {
    accessSync(record.installHome, constants.W_OK);
  } catch {
    return;
  }
  const { convertForStack } = await import("../rules/stack-rules.js");
  const outcome = await convertForStack({ home: record.installHome, config: record.config, version: record.version });
  for (const w of outcome.warnings) deps.sink?.({ kind: "warn", step: "rules", message: w });
}

export async function start(stack: Stack, services: string[], deps: LifecycleDeps = {}): Promise<void> {
  checkServices(stack, services);
  await requireValidComposeFile(stack);
  await rulesBeforeStart(stack, services, deps);
  await loginsFirst(stack, services, ["up", "-d", "--no-recreate"], deps);
  await runCompose(await stack.compose(), ["up", "-d", "--no-recreate", ...services]);
}

export async function stop(stack: Stack, services: string[]): Promise<void> {
  checkServices(stack, services);
  await runCompose(await stack.compose(), ["stop", ...services]);
}

export async function restart(stack: Stack, services: string[], deps: LifecycleDeps = {}): Promise<void> {
  checkServices(stack, services);
  await requireValidComposeFile(stack);
  const all = services.length ? services : stack.record.services;
  // Elasticsearch restarts first and alone, so the others come back to a node with their logins.
  if (all.includes("elasticsearch") && (await loginsFirst(stack, services, ["restart"], deps))) {
    const rest = all.filter((s) => s !== "elasticsearch");
    if (rest.length) await runCompose(await stack.compose(), ["restart", ...rest]);
    return;
  }
  await runCompose(await stack.compose(), ["restart", ...services]);
}

/** Remove containers and the network; volumes (the data) only when asked. */
export async function down(stack: Stack, options: { volumes: boolean }): Promise<{ removedVolumes: string[] }> {
  const volumes = options.volumes ? await stack.docker.volumes.list(stack.record.project) : [];
  await runCompose(await stack.compose(), ["down", "--remove-orphans", ...(options.volumes ? ["--volumes"] : [])]);
  return { removedVolumes: volumes };
}

/**
 * down, then remove the install home. Without --purge the data volumes stay, and so does
 * secrets/: Elasticsearch keeps its passwords inside its data, so a later install must reuse them.
 */
/** What a plain uninstall leaves for a later install in the same home: the logins, and the user's own Sigma rules. */
const KEPT_BY_UNINSTALL = new Set(["secrets", "rules"]);

export async function uninstall(
  stack: Stack,
  options: { purge: boolean },
): Promise<{ removedVolumes: string[]; removedHome: string; keptSecrets: boolean }> {
  const { removedVolumes } = await down(stack, { volumes: options.purge });
  const home = stack.record.installHome;
  if (options.purge) rmSync(home, { recursive: true, force: true });
  else
    for (const entry of readdirSync(home)) if (!KEPT_BY_UNINSTALL.has(entry)) rmSync(join(home, entry), { recursive: true, force: true });
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
  const target = await stack.compose();
  const [bin, argv] = composeArgs(target.cli, target.project, target.file, args);
  const r = await execa(bin, argv, { stdio: "inherit", reject: false });
  return r.exitCode ?? 1;
}
