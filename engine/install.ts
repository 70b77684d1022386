/**
 * The install verb: preflight → host tuning → secrets → render → compose config → images →
 * up + health → install record. Every step is reported to the sink and written to the
 * install log. Re-running resumes: secrets, volumes and containers are reused.
 * `dryRun` stops after rendering and returns the plan.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { HelkConfig } from "../compose/config/schema.js";
import { hostElasticsearchAccess } from "../compose/elasticsearch-access.js";
import { externalModeProblems } from "../compose/endpoints.js";
import { serviceImage } from "../compose/helk-images.js";
import type { InstallStepId } from "../compose/install-steps.js";
import { describeKafkaAccess, hostKafkaAccess, LOCAL_SCRAM_MECHANISM } from "../compose/kafka-access.js";
import type { HostFacts } from "../compose/model.js";
import { buildInstallPlan, type FileChange, type InstallPlan, planText } from "../compose/plan.js";
import { imageKeyOf, ON_DEMAND, type ServiceName, servicesFor } from "../compose/profiles.js";
import { renderInstallFiles } from "../compose/render.js";
import type { HelkSecrets } from "../compose/secrets.js";
import { type Clock, systemClock } from "./clock.js";
import { type ComposeCli, detectCompose } from "./compose-cli.js";
import { type ComposeTarget, runCompose, validateComposeFile } from "./compose-runner.js";
import { dockerCli } from "./docker-cli.js";
import { createDockerClient, type DockerClient } from "./docker-client.js";
import { ExitCode, HelkError } from "./errors.js";
import { step as anyStep, type ProgressSink } from "./events.js";
import { checkExternalElasticsearch, checkExternalKafka } from "./external-preflight.js";
import { waitForHealthy } from "./health-wait.js";
import { buildHelkImages } from "./helk-images.js";
import { readHostFacts, resolveHostIp } from "./host-facts.js";
import { loadImages } from "./image-archive.js";
import { InstallLog } from "./install-log.js";
import { type InstallRecord, writeRecord } from "./install-record.js";
import { type CheckOutcome, runPreflight } from "./preflight.js";
import { type ProvisionResult, provision } from "./provision/provision.js";
import { provisionTargets } from "./provision/targets.js";
import { adoptExternalSecrets, type ExternalSecrets, type InstallState, loadOrCreateState, secretValues } from "./secrets.js";
import { needsLoginsFirst, startElasticsearchWithLogins } from "./service-logins.js";
import { status } from "./status.js";
import { ensureTls } from "./tls.js";
import { VERSION } from "./version.js";
import { diffFiles, writeFiles } from "./write-files.js";

/** A step of the install: its id must be one of INSTALL_STEPS (the TTY view and the plan list them). */
const step = <T>(
  sink: ProgressSink,
  id: InstallStepId,
  title: string,
  work: () => Promise<T> | T,
  detail?: (value: T) => string | undefined,
): Promise<T> => anyStep(sink, id, title, work, detail);

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

export interface InstallSummary {
  urls: { kibana?: string; jupyter?: string; kafka: string; elasticsearch: string };
  /** Shown once at the end of a human-readable install; omitted from --json unless asked. */
  credentials: {
    user: string;
    password: string;
    jupyterToken?: string;
    elasticPassword: string;
    /** The SCRAM login of Kafka's external listener, when the install requires one. */
    kafka?: { mechanism: string; username: string; password: string };
  };
  healthyAfterSeconds: Record<string, number>;
  secretsFile: string;
  provision: ProvisionResult | "skipped";
}

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
  const sink = log.tee(options.sink);
  const clock = options.clock ?? systemClock;
  const docker = options.docker ?? createDockerClient();
  const home = options.config.installHome;
  log.write(`==== helk ${VERSION} install: profile ${options.config.profile}, home ${home}`);
  try {
    const config = resolved(options.config);
    const { hostIp } = config;
    const host = options.host ?? readHostFacts();

    const { outcomes, compose } = await step(
      sink,
      "preflight",
      "Preflight checks",
      async () => {
        const own = await docker.containers.list(config.projectName).catch(() => []);
        const ownPorts = new Set(own.flatMap((c) => c.ports.map((p) => Number(/:(\d+)->/.exec(p)?.[1]))));
        const r = await runPreflight({ config, host, docker, ownPorts, isRoot }, options.skipChecks ?? new Set());
        for (const o of r.outcomes) log.write(`[preflight] ${o.ok ? "ok  " : "FAIL"} ${o.name}: ${o.message}`);
        const blocking = r.outcomes.filter((o) => !o.ok && !o.fix);
        if (blocking.length) {
          throw new HelkError(`preflight failed: ${blocking.map((o) => o.name).join(", ")}`, {
            exitCode: blocking[0]?.exitCode ?? ExitCode.preflight,
            details: blocking.map((o) => `${o.name}: ${o.message}${o.hint ? `\n    fix: ${o.hint}` : ""}`),
            hint: `skip a check you know is fine with --skip-check NAME; log: ${log.path}`,
          });
        }
        return r;
      },
      (r) => `${r.outcomes.filter((o) => o.ok).length}/${r.outcomes.length} passed`,
    );
    if (!compose) throw new HelkError("Docker Compose was not found", { exitCode: ExitCode.engine });

    await step(
      sink,
      "tuning",
      "Host tuning",
      async () => {
        const applied: string[] = [];
        for (const o of outcomes.filter((x) => !x.ok && x.fix)) {
          const fix = o.fix as NonNullable<CheckOutcome["fix"]>;
          const consent = options.yes || (options.confirm ? await options.confirm(`${o.message}. OK to ${fix.describe}?`) : false);
          if (!consent) {
            throw new HelkError(o.message, {
              exitCode: o.exitCode ?? ExitCode.preflight,
              hint: `${o.hint ?? ""}${options.confirm ? "" : " (non-interactive: pass --yes to consent)"}`.trim(),
            });
          }
          applied.push(fix.apply());
        }
        return applied;
      },
      (a) => (a.length ? a.join("; ") : "nothing to change"),
    );

    const p = await prepare({ ...options, host }, config, home, true, sink, log);
    if (config.kafka.external || config.elasticsearch.external) {
      await step(
        sink,
        "external",
        "External clusters",
        async () => {
          const findings = [
            ...(config.kafka.external ? await checkExternalKafka(hostKafkaAccess(config, p.state.secrets), config) : []),
            ...(config.elasticsearch.external ? await checkExternalElasticsearch(hostElasticsearchAccess(config, p.state.secrets)) : []),
          ];
          for (const f of findings) log.write(`[external] ${f.ok ? "ok  " : "FAIL"} ${f.cluster}: ${f.message}`);
          const failed = findings.filter((f) => !f.ok);
          if (failed.length)
            throw new HelkError(`external cluster check failed: ${failed.map((f) => f.message).join("; ")}`, {
              exitCode: ExitCode.preflight,
              details: failed.map((f) => `${f.cluster}: ${f.message}${f.hint ? `\n    fix: ${f.hint}` : ""}`),
              hint: `nothing was started; fix the cluster or the config and run again; log: ${log.path}`,
            });
          return findings;
        },
        (f) => f.map((x) => x.message).join("; "),
      );
    }
    const changes = await step(
      sink,
      "render",
      `Write ${p.files.length} files into ${home}`,
      () => writeFiles(home, p.files),
      (c) => {
        const n = (k: string) => c.filter((f) => f.change === k).length;
        return `${n("create")} created, ${n("update")} updated, ${n("unchanged")} unchanged`;
      },
    );
    const target: ComposeTarget = { cli: compose, project: config.projectName, file: join(home, "compose.yaml") };
    await step(sink, "validate", "docker compose config", () => runCompose(target, ["config", "-q"], { log }).then(() => undefined));

    const services = servicesFor(config).filter((s) => !ON_DEMAND.has(s));
    await step(
      sink,
      "images",
      "Images",
      async () => {
        if (options.imagesFrom) {
          const loaded = await loadImages(options.imagesFrom, (m) => log.write(`[images] ${m}`));
          log.write(`[images] ${loaded.loaded.length} images verified from ${options.imagesFrom}`);
        }
        return ensureImages(docker, config, services, log);
      },
      (n) => (n.pulled || n.built ? `pulled ${n.pulled}, built ${n.built}` : "all present"),
    );

    // With security off the phase only puts HELK's templates in: --skip-provision leaves them out too.
    if (config.security.enabled || !options.skipProvision)
      await setLoginsFirst({ config, services, secrets: p.state.secrets, target, docker, clock, sink, log });
    const healthyAfter = await step(
      sink,
      "start",
      `Start ${services.length} services and wait until healthy`,
      async () => {
        const abort = new AbortController();
        const up = runCompose(target, ["up", "-d", "--remove-orphans"], { log, signal: abort.signal });
        try {
          return await waitForHealthy({
            docker,
            project: config.projectName,
            services,
            timeoutSeconds: config.timeouts.healthSeconds,
            clock,
            sink,
            composeUp: up,
            logFile: log.path,
            expectedImages: Object.fromEntries(services.map((s) => [s, serviceImage(config, s, VERSION)])),
          });
        } catch (err) {
          abort.abort();
          await up.catch(() => undefined);
          throw err;
        }
      },
      (r) => `${Object.keys(r).length} healthy`,
    );

    let provisioned: ProvisionResult | "skipped" = "skipped";
    if (options.skipProvision) sink({ kind: "step-skip", step: "provision", reason: "--skip-provision" });
    else {
      provisioned = await step(
        sink,
        "provision",
        "Provision topics, templates and users",
        async () => provision(config, services, p.state.secrets, await provisionTargets(docker, config.projectName)),
        (r) => (r.changes.length ? `${r.changes.length} change${r.changes.length === 1 ? "" : "s"}` : "nothing to change"),
      );
    }
    if (provisioned !== "skipped") for (const c of provisioned.changes) log.write(`[provision] ${c}`);
    if (provisioned !== "skipped") for (const n of provisioned.notes) sink({ kind: "info", step: "provision", message: n });

    const record: InstallRecord = {
      version: VERSION,
      project: config.projectName,
      profile: config.profile,
      addons: config.addons,
      services,
      hostIp,
      installHome: home,
      composeFile: target.file,
      logFile: log.path,
      installedAt: new Date(clock.now()).toISOString(),
      config,
    };
    writeRecord(home, record);
    // Without provisioning the services may not log in yet: status passes after `helk provision`.
    if (options.skipProvision) sink({ kind: "step-skip", step: "ready", reason: "--skip-provision" });
    else
      await step(
        sink,
        "ready",
        "Wait until helk status passes",
        () => untilStatusPasses(record, docker, clock, config.timeouts.healthSeconds),
        (seconds) => `after ${seconds} s more`,
      );
    const plan = buildInstallPlan({ config, host, files: changes, secretsCreated: p.created, target: home });
    const https = `https://${hostIp}${config.ports.https === 443 ? "" : `:${config.ports.https}`}`;
    const summary: InstallSummary = {
      urls: {
        ...(services.includes("kibana") ? { kibana: `${https}/` } : {}),
        // Behind nginx when there is one; the lab profile publishes Jupyter on loopback.
        ...(services.includes("jupyter")
          ? { jupyter: services.includes("nginx") ? `${https}/jupyter/` : `http://127.0.0.1:${config.ports.jupyter}/jupyter/` }
          : {}),
        kafka: describeKafkaAccess(hostKafkaAccess(config, p.state.secrets)),
        elasticsearch: hostElasticsearchAccess(config, undefined).nodes.join(","),
      },
      credentials: {
        user: config.security.kibanaUser,
        password: p.state.secrets.analystPassword,
        ...(services.includes("jupyter") ? { jupyterToken: p.state.secrets.jupyterToken } : {}),
        elasticPassword: p.state.secrets.elasticPassword,
        ...(config.kafka.sasl.enabled
          ? {
              kafka: {
                mechanism: LOCAL_SCRAM_MECHANISM,
                username: config.kafka.sasl.username,
                password: p.state.secrets.kafkaClientPassword,
              },
            }
          : {}),
      },
      healthyAfterSeconds: healthyAfter,
      secretsFile: join(home, "secrets", "helk-state.json"),
      provision: provisioned,
    };
    log.write(`==== install finished: ${services.length} services healthy`);
    return {
      dryRun: false,
      hostIp,
      plan,
      planText: planText(plan),
      files: changes,
      compose: { checked: true, version: compose.version, flavour: compose.flavour },
      preflight: outcomes,
      logFile: log.path,
      summary,
    };
  } catch (err) {
    log.write(`==== install FAILED: ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof HelkError) for (const d of err.details) log.write(`  ${d}`);
    throw err;
  }
}

/**
 * Before the full `up`: Elasticsearch alone, then the logins Kibana and Logstash start with and
 * the templates of the indices the writers create (engine/service-logins.ts says why here and
 * not in a setup container).
 */
async function setLoginsFirst(o: {
  config: HelkConfig;
  services: ServiceName[];
  secrets: HelkSecrets;
  target: ComposeTarget;
  docker: DockerClient;
  clock: Clock;
  sink: ProgressSink;
  log: InstallLog;
}): Promise<void> {
  if (!needsLoginsFirst(o.config, o.services)) return;
  const changes = await step(
    o.sink,
    "logins",
    o.config.security.enabled
      ? "Start Elasticsearch; set the services' logins and HELK's templates"
      : "Start Elasticsearch and set HELK's templates",
    () =>
      startElasticsearchWithLogins({
        ...o,
        composeArgs: ["up", "-d"],
        expectedImage: serviceImage(o.config, "elasticsearch", VERSION),
      }),
    (c) => (c.length ? c.join(", ") : "already set"),
  );
  for (const c of changes) o.log.write(`[logins] ${c}`);
}

/**
 * Install returns only once `helk status` would pass, so `helk install && helk status` holds
 * in a script: a container's health check can pass before its own protocol probe does (the
 * Spark join's heartbeat starts before its first progress report reaches Elasticsearch).
 * Same verdict as `helk status`, probes included; on a timeout the error names each service
 * still failing with its probe's detail.
 */
async function untilStatusPasses(record: InstallRecord, docker: DockerClient, clock: Clock, timeoutSeconds: number): Promise<number> {
  const start = clock.now();
  for (;;) {
    const s = await status({ record, docker }, { now: () => clock.now() });
    const waited = Math.round((clock.now() - start) / 1000);
    if (s.healthy) return waited;
    if (waited >= timeoutSeconds) {
      const failing = s.services.filter(
        (x) => x.probe === "failed" || !["healthy", "none"].includes(x.health) || !["running", "external"].includes(x.state),
      );
      throw new HelkError(`installed, but helk status does not pass after ${waited} s: ${failing.map((x) => x.name).join(", ")}`, {
        exitCode: ExitCode.unhealthy,
        details: failing.map((x) => `${x.name}: ${x.detail}`),
        hint: `see \`helk logs ${failing[0]?.name ?? ""}\` and ${record.logFile}; run \`helk install\` again once fixed: it resumes`,
      });
    }
    await clock.sleep(2000);
  }
}

/**
 * Pull only the upstream images missing locally (air-gapped sites point images.* at loaded
 * ones), then build HELK's own layers on top of them (engine/helk-images.ts).
 */
async function ensureImages(
  docker: DockerClient,
  config: HelkConfig,
  services: ServiceName[],
  log: InstallLog,
): Promise<{ pulled: number; built: number }> {
  const refs = [...new Set(services.map((s) => config.images[imageKeyOf(s)]))];
  const missing: string[] = [];
  for (const ref of refs) if (!(await docker.images.exists(ref))) missing.push(ref);
  for (const ref of missing) {
    const r = await dockerCli(["pull", ref], { timeoutMs: config.timeouts.pullSeconds * 1000 });
    log.command(["docker", "pull", ref], { exitCode: r.exitCode, output: r.output, durationMs: r.durationMs });
    if (r.exitCode !== 0) {
      throw new HelkError(`could not pull ${ref}`, {
        exitCode: ExitCode.failure,
        details: r.output.trim().split("\n").slice(-10),
        hint: "check the registry is reachable, or load the images (docker load) and point images.<service> at them",
      });
    }
  }
  const built = await buildHelkImages(config, services, VERSION, log);
  return { pulled: missing.length, built: built.filter((b) => b.built).length };
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
