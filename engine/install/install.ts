/**
 * The install verb: preflight → host tuning → secrets → render → compose config → images →
 * up + health → install record. Every step is reported to the sink and written to the
 * install log. Re-running resumes: secrets, volumes and containers are reused.
 * `dryRun` stops after rendering and returns the plan.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { HelkConfig } from "../../compose/config/schema.js";
import { externalModeProblems } from "../../compose/endpoints.js";
import type { HostFacts } from "../../compose/model.js";
import { buildInstallPlan, type FileChange, type InstallPlan, planText } from "../../compose/plan.js";
import { ON_DEMAND, servicesFor } from "../../compose/profiles.js";
import { renderInstallFiles } from "../../compose/render.js";
import type { HelkSecrets } from "../../compose/secrets.js";
import { type Clock, systemClock } from "../clock.js";
import { type ComposeCli, detectCompose } from "../docker/compose-cli.js";
import { validateComposeFile } from "../docker/compose-runner.js";
import { createDockerClient, type DockerClient } from "../docker/docker-client.js";
import { ExitCode, HelkError } from "../errors.js";
import type { ProgressSink } from "../events.js";
import { readHostFacts, resolveHostIp } from "../host/host-facts.js";
import type { CheckOutcome } from "../host/preflight.js";
import { VERSION } from "../host/version.js";
import { adoptExternalSecrets, type ExternalSecrets, type InstallState, loadOrCreateState, secretValues } from "../secrets.js";
import { InstallLog } from "./install-log.js";
import { type InstallRecord, writeRecord } from "./install-record.js";
import {
  externalStep,
  type InstallRun,
  imagesStep,
  loginsStep,
  preflightStep,
  provisionStep,
  readyStep,
  renderStep,
  rulesStep,
  startStep,
  step,
  tuningStep,
  validateStep,
} from "./install-steps.js";
import { type InstallSummary, installSummary } from "./install-summary.js";
import { ensureTls } from "./tls.js";
import { diffFiles, writeFiles } from "./write-files.js";

export interface InstallOptions {
  config: HelkConfig;
  /** Compute and print the plan; write files only when `output` is given. */
  dryRun: boolean;
  /** With dryRun: write the files here instead of the install home. */
  output?: string;
  /** Consent to host changes (vm.max_map_count) without asking. */
  yes?: boolean;
  /** Ask the user (wizard); absent when non-interactive. */
  confirm?: (question: string) => Promise<boolean>;
  /** Preflight checks to skip (--skip-check). */
  skipChecks?: ReadonlySet<string>;
  /** The analyst's password, when the wizard asked for one; generated otherwise. */
  analystPassword?: string;
  /** Passwords of external clusters the operator handed over (HELK_*_EXTERNAL_PASSWORD); kept in the state file. */
  externalSecrets?: ExternalSecrets;
  /** Leave topics, templates and users alone (run `helk provision` later). */
  skipProvision?: boolean;
  /** An archive from `helk images save` to verify and load before the images step (air-gapped). */
  imagesFrom?: string;
  host?: HostFacts;
  docker?: DockerClient;
  clock?: Clock;
  isRoot?: boolean;
  sink: ProgressSink;
}

export type { InstallSummary } from "./install-summary.js";

export interface InstallResult {
  dryRun: boolean;
  /** Where the files were written, if anywhere. */
  target?: string;
  hostIp: string;
  plan: InstallPlan;
  planText: string;
  files: FileChange[];
  compose: { checked: boolean; version?: string; flavour?: string; reason?: string };
  preflight?: CheckOutcome[];
  logFile?: string;
  summary?: InstallSummary;
}

interface Prepared {
  config: HelkConfig;
  host: HostFacts;
  state: InstallState;
  created: boolean;
  files: ReturnType<typeof renderInstallFiles>;
}

/** The config with its hostIp resolved ("auto" becomes this host's address). */
function resolved(config: HelkConfig): HelkConfig {
  return { ...config, hostIp: resolveHostIp(config.hostIp) };
}

/** Secrets, TLS and every rendered file, for a config whose hostIp is resolved. */
async function prepare(
  options: InstallOptions,
  config: HelkConfig,
  home: string,
  persist: boolean,
  sink: ProgressSink,
  log?: InstallLog,
): Promise<Prepared> {
  const host = options.host ?? readHostFacts();
  const { hostIp } = config;
  const overrides: Partial<HelkSecrets> = options.analystPassword ? { analystPassword: options.analystPassword } : {};
  const { state, created } = await step(
    sink,
    "secrets",
    "Secrets",
    () => loadOrCreateState(home, { persist, overrides }),
    (r) => (r.created ? "generated (mode 0600)" : "reused"),
  );
  adoptExternalSecrets(
    home,
    state,
    [
      ...(config.kafka.external?.sasl ? ["externalKafkaPassword" as const] : []),
      ...(config.elasticsearch.external?.username ? ["externalElasticsearchPassword" as const] : []),
      ...(config.elasticsearch.external?.apiKey ? ["externalElasticsearchApiKey" as const] : []),
    ],
    options.externalSecrets ?? {},
    persist,
  );
  log?.addSecrets(secretValues(state.secrets));
  const { tls } = await step(
    sink,
    "tls",
    "TLS certificate",
    () => ensureTls(home, hostIp),
    (r) => (r.created ? `made for ${hostIp}` : "reused"),
  );
  log?.addSecrets([tls.key]);
  const files = renderInstallFiles({ config, host, kafkaClusterId: state.kafkaClusterId, version: VERSION, secrets: state.secrets, tls });
  return { config, host, state, created, files };
}

export async function install(options: InstallOptions): Promise<InstallResult> {
  const limits = externalModeProblems(options.config);
  if (limits.refuse.length)
    throw new HelkError(`profile ${options.config.profile} cannot run on these external clusters`, {
      exitCode: ExitCode.usage,
      details: limits.refuse,
      hint: 'nothing was changed; see README "Scaling past one machine"',
    });
  for (const w of limits.warn) options.sink({ kind: "warn", message: w });
  return options.dryRun ? dryRun(options) : realInstall(options);
}

async function dryRun(options: InstallOptions): Promise<InstallResult> {
  const { sink } = options;
  // The plan compares against where files would go: the --output folder, else the install home.
  const home = options.output ? resolve(options.output) : options.config.installHome;
  const p = await prepare(options, resolved(options.config), home, Boolean(options.output), sink);
  const changes = diffFiles(home, p.files);
  // Without --output nothing is left behind: Compose checks a scratch copy.
  const target = options.output ? home : mkdtempSync(join(tmpdir(), "helk-dry-run-"));
  try {
    await step(sink, "render", `Render ${p.files.length} files into ${target}`, () => writeFiles(target, p.files));
    const compose = await step(
      sink,
      "validate",
      "Check compose.yaml with Docker Compose",
      () => checkWithCompose(p.config.projectName, join(target, "compose.yaml")),
      (c) => (c.checked ? `accepted by ${c.flavour === "v2" ? "docker compose" : "docker-compose"} ${c.version}` : `skipped: ${c.reason}`),
    );
    const plan = buildInstallPlan({ config: p.config, host: p.host, files: changes, secretsCreated: p.created, target: home });
    const result: InstallResult = { dryRun: true, hostIp: p.config.hostIp, plan, planText: planText(plan), files: changes, compose };
    if (options.output) result.target = target;
    return result;
  } finally {
    if (!options.output) rmSync(target, { recursive: true, force: true });
  }
}

async function realInstall(options: InstallOptions): Promise<InstallResult> {
  // Before anything else: without root even the log file may be out of reach.
  const isRoot = options.isRoot ?? process.getuid?.() === 0;
  if (!isRoot && !options.skipChecks?.has("root")) {
    throw new HelkError("helk install needs root (it tunes the kernel, writes the install home and talks to the Docker engine)", {
      exitCode: ExitCode.preflight,
      hint: "run it with sudo: sudo helk install",
    });
  }
  const log = new InstallLog(options.config.logFile);
  const home = options.config.installHome;
  log.write(`==== helk ${VERSION} install: profile ${options.config.profile}, home ${home}`);
  try {
    const config = resolved(options.config);
    const r: InstallRun = {
      options,
      config,
      home,
      host: options.host ?? readHostFacts(),
      isRoot,
      log,
      sink: log.tee(options.sink),
      clock: options.clock ?? systemClock,
      docker: options.docker ?? createDockerClient(),
    };
    const { outcomes, compose } = await preflightStep(r);
    await tuningStep(r, outcomes);
    const p = await prepare({ ...options, host: r.host }, config, home, true, r.sink, log);
    const { secrets } = p.state;
    await externalStep(r, secrets);
    const changes = await renderStep(r, p.files);
    const target = await validateStep(r, compose);
    const services = servicesFor(config).filter((s) => !ON_DEMAND.has(s));
    await imagesStep(r, services);
    await rulesStep(r, services);
    await loginsStep(r, services, secrets, target);
    const healthyAfter = await startStep(r, services, target);
    const provisioned = await provisionStep(r, services, secrets);
    const record: InstallRecord = {
      version: VERSION,
      project: config.projectName,
      profile: config.profile,
      addons: config.addons,
      services,
      hostIp: config.hostIp,
      installHome: home,
      composeFile: target.file,
      logFile: log.path,
      installedAt: new Date(r.clock.now()).toISOString(),
      config,
    };
    writeRecord(home, record);
    await readyStep(r, record);
    const plan = buildInstallPlan({ config, host: r.host, files: changes, secretsCreated: p.created, target: home });
    const secretsFile = join(home, "secrets", "helk-state.json");
    log.write(`==== install finished: ${services.length} services healthy`);
    return {
      dryRun: false,
      hostIp: config.hostIp,
      plan,
      planText: planText(plan),
      files: changes,
      compose: { checked: true, version: compose.version, flavour: compose.flavour },
      preflight: outcomes,
      logFile: log.path,
      summary: installSummary({ config, services, secrets, secretsFile, healthyAfter, provisioned }),
    };
  } catch (err) {
    log.write(`==== install FAILED: ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof HelkError) for (const d of err.details) log.write(`  ${d}`);
    throw err;
  }
}

async function checkWithCompose(project: string, file: string): Promise<InstallResult["compose"]> {
  let cli: ComposeCli;
  try {
    cli = await detectCompose();
  } catch (err) {
    return { checked: false, reason: err instanceof Error ? err.message : String(err) };
  }
  const verdict = await validateComposeFile({ cli, project, file });
  if (!verdict.ok) {
    throw new HelkError(`Docker Compose rejected the generated ${file}; this is a bug in helk`, {
      exitCode: ExitCode.bug,
      details: verdict.output.split("\n").slice(-20),
    });
  }
  return { checked: true, version: cli.version, flavour: cli.flavour };
}
