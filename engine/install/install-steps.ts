/**
 * The install's steps, each a named function over one run's context, in the order
 * engine/install/install.ts calls them (compose/install-steps.ts lists their ids and titles).
 */
import { join } from "node:path";
import type { HelkConfig } from "../../compose/config/schema.js";
import { hostElasticsearchAccess } from "../../compose/elasticsearch-access.js";
import { serviceImage } from "../../compose/helk-images.js";
import type { InstallStepId } from "../../compose/install-steps.js";
import { hostKafkaAccess } from "../../compose/kafka-access.js";
import type { HostFacts } from "../../compose/model.js";
import type { FileChange } from "../../compose/plan.js";
import { imageKeyOf, type ServiceName } from "../../compose/profiles.js";
import type { HelkSecrets } from "../../compose/secrets.js";
import type { Clock } from "../clock.js";
import type { ComposeCli } from "../docker/compose-cli.js";
import { type ComposeTarget, runCompose } from "../docker/compose-runner.js";
import { dockerCli } from "../docker/docker-cli.js";
import type { DockerClient } from "../docker/docker-client.js";
import { buildHelkImages } from "../docker/helk-images.js";
import { loadImages } from "../docker/image-archive.js";
import { ExitCode, HelkError } from "../errors.js";
import { step as anyStep, type ProgressSink } from "../events.js";
import { type CheckOutcome, runPreflight } from "../host/preflight.js";
import { VERSION } from "../host/version.js";
import { type ProvisionResult, provision } from "../provision/provision.js";
import { provisionTargets } from "../provision/targets.js";
import { waitForHealthy } from "../stack/health-wait.js";
import { status } from "../stack/status.js";
import { checkExternalElasticsearch, checkExternalKafka } from "./external-preflight.js";
import type { InstallOptions } from "./install.js";
import type { InstallLog } from "./install-log.js";
import type { InstallRecord } from "./install-record.js";
import { needsLoginsFirst, startElasticsearchWithLogins } from "./service-logins.js";
import { writeFiles } from "./write-files.js";

/** One install run: what every step reads. */
export interface InstallRun {
  options: InstallOptions;
  /** The config with its hostIp resolved. */
  config: HelkConfig;
  home: string;
  host: HostFacts;
  isRoot: boolean;
  log: InstallLog;
  sink: ProgressSink;
  clock: Clock;
  docker: DockerClient;
}

/** A step of the install: its id must be one of INSTALL_STEPS (the TTY view and the plan list them). */
export const step = <T>(
  sink: ProgressSink,
  id: InstallStepId,
  title: string,
  work: () => Promise<T> | T,
  detail?: (value: T) => string | undefined,
): Promise<T> => anyStep(sink, id, title, work, detail);

export async function preflightStep(r: InstallRun): Promise<{ outcomes: CheckOutcome[]; compose: ComposeCli }> {
  const { config, log, docker } = r;
  const { outcomes, compose } = await step(
    r.sink,
    "preflight",
    "Preflight checks",
    async () => {
      const own = await docker.containers.list(config.projectName).catch(() => []);
      const ownPorts = new Set(own.flatMap((c) => c.ports.map((p) => Number(/:(\d+)->/.exec(p)?.[1]))));
      const res = await runPreflight({ config, host: r.host, docker, ownPorts, isRoot: r.isRoot }, r.options.skipChecks ?? new Set());
      for (const o of res.outcomes) log.write(`[preflight] ${o.ok ? "ok  " : "FAIL"} ${o.name}: ${o.message}`);
      const blocking = res.outcomes.filter((o) => !o.ok && !o.fix);
      if (blocking.length) {
        throw new HelkError(`preflight failed: ${blocking.map((o) => o.name).join(", ")}`, {
          exitCode: blocking[0]?.exitCode ?? ExitCode.preflight,
          details: blocking.map((o) => `${o.name}: ${o.message}${o.hint ? `\n    fix: ${o.hint}` : ""}`),
          hint: `skip a check you know is fine with --skip-check NAME; log: ${log.path}`,
        });
      }
      return res;
    },
    (res) => `${res.outcomes.filter((o) => o.ok).length}/${res.outcomes.length} passed`,
  );
  if (!compose) throw new HelkError("Docker Compose was not found", { exitCode: ExitCode.engine });
  return { outcomes, compose };
}

/** The fixes preflight offered (vm.max_map_count), each with the user's consent. */
export async function tuningStep(r: InstallRun, outcomes: CheckOutcome[]): Promise<void> {
  const { options } = r;
  await step(
    r.sink,
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
}

/** The operator's own clusters checked before anything starts; nothing to do without them. */
export async function externalStep(r: InstallRun, secrets: HelkSecrets): Promise<void> {
  const { config, log } = r;
  if (!config.kafka.external && !config.elasticsearch.external) return;
  await step(
    r.sink,
    "external",
    "External clusters",
    async () => {
      const findings = [
        ...(config.kafka.external ? await checkExternalKafka(hostKafkaAccess(config, secrets), config) : []),
        ...(config.elasticsearch.external ? await checkExternalElasticsearch(hostElasticsearchAccess(config, secrets)) : []),
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

export function renderStep(r: InstallRun, files: Parameters<typeof writeFiles>[1]): Promise<FileChange[]> {
  return step(
    r.sink,
    "render",
    `Write ${files.length} files into ${r.home}`,
    () => writeFiles(r.home, files),
    (c) => {
      const n = (k: string) => c.filter((f) => f.change === k).length;
      return `${n("create")} created, ${n("update")} updated, ${n("unchanged")} unchanged`;
    },
  );
}

export async function validateStep(r: InstallRun, compose: ComposeCli): Promise<ComposeTarget> {
  const target: ComposeTarget = { cli: compose, project: r.config.projectName, file: join(r.home, "compose.yaml") };
  await step(r.sink, "validate", "docker compose config", () => runCompose(target, ["config", "-q"], { log: r.log }).then(() => undefined));
  return target;
}

export async function imagesStep(r: InstallRun, services: ServiceName[]): Promise<void> {
  const { options, log } = r;
  await step(
    r.sink,
    "images",
    "Images",
    async () => {
      if (options.imagesFrom) {
        const loaded = await loadImages(options.imagesFrom, (m) => log.write(`[images] ${m}`));
        log.write(`[images] ${loaded.loaded.length} images verified from ${options.imagesFrom}`);
      }
      return ensureImages(r.docker, r.config, services, log);
    },
    (n) => (n.pulled || n.built ? `pulled ${n.pulled}, built ${n.built}` : "all present"),
  );
}

/**
 * HELK's Sigma rules (in the image just built) and the user's into ElastAlert rules, before
 * ElastAlert starts, so its first run has them. A refused rule or a converter that fails is a
 * warning: the stack still installs, and `helk rules list` / `helk rules convert` say the rest.
 */
export async function rulesStep(r: InstallRun, services: ServiceName[]): Promise<void> {
  if (!services.includes("elastalert")) {
    // Said, not silent: a terminal's task list would otherwise show the step running until the end.
    r.sink({ kind: "step-skip", step: "rules", reason: "no alerting add-on" });
    return;
  }
  await step(
    r.sink,
    "rules",
    "Convert Sigma rules for ElastAlert",
    async () => {
      const { convertForStack } = await import("../rules/stack-rules.js");
      const outcome = await convertForStack({ home: r.home, config: r.config, version: VERSION });
      for (const line of outcome.log) r.log.write(`[rules] ${line}`);
      for (const w of outcome.warnings) r.sink({ kind: "warn", step: "rules", message: w });
      return outcome.summary;
    },
    (summary) => summary,
  );
}

/**
 * Before the full `up`: Elasticsearch alone, then the logins Kibana and Logstash start with and
 * the templates of the indices the writers create (engine/install/service-logins.ts says why here and
 * not in a setup container).
 */
export async function loginsStep(r: InstallRun, services: ServiceName[], secrets: HelkSecrets, target: ComposeTarget): Promise<void> {
  const { config, log } = r;
  if (!needsLoginsFirst(config, services)) return;
  // With security off the phase only puts HELK's templates in: --skip-provision leaves them out too.
  if (!config.security.enabled && r.options.skipProvision) return;
  const changes = await step(
    r.sink,
    "logins",
    config.security.enabled
      ? "Start Elasticsearch; set the services' logins and HELK's templates"
      : "Start Elasticsearch and set HELK's templates",
    () =>
      startElasticsearchWithLogins({
        target,
        config,
        secrets,
        docker: r.docker,
        clock: r.clock,
        sink: r.sink,
        log,
        composeArgs: ["up", "-d"],
        expectedImage: serviceImage(config, "elasticsearch", VERSION),
      }),
    (c) => (c.length ? c.join(", ") : "already set"),
  );
  for (const c of changes) log.write(`[logins] ${c}`);
}

/** Everything up, then each service's own health check; returns seconds to healthy per service. */
export function startStep(r: InstallRun, services: ServiceName[], target: ComposeTarget): Promise<Record<string, number>> {
  const { config, log } = r;
  return step(
    r.sink,
    "start",
    `Start ${services.length} services and wait until healthy`,
    async () => {
      const abort = new AbortController();
      const up = runCompose(target, ["up", "-d", "--remove-orphans"], { log, signal: abort.signal });
      try {
        return await waitForHealthy({
          docker: r.docker,
          project: config.projectName,
          services,
          timeoutSeconds: config.timeouts.healthSeconds,
          clock: r.clock,
          sink: r.sink,
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
    (res) => `${Object.keys(res).length} healthy`,
  );
}

export async function provisionStep(r: InstallRun, services: ServiceName[], secrets: HelkSecrets): Promise<ProvisionResult | "skipped"> {
  if (r.options.skipProvision) {
    r.sink({ kind: "step-skip", step: "provision", reason: "--skip-provision" });
    return "skipped";
  }
  const provisioned = await step(
    r.sink,
    "provision",
    "Provision topics, templates and users",
    async () => provision(r.config, services, secrets, await provisionTargets(r.docker, r.config.projectName)),
    (res) => (res.changes.length ? `${res.changes.length} change${res.changes.length === 1 ? "" : "s"}` : "nothing to change"),
  );
  for (const c of provisioned.changes) r.log.write(`[provision] ${c}`);
  for (const n of provisioned.notes) r.sink({ kind: "info", step: "provision", message: n });
  return provisioned;
}

export async function readyStep(r: InstallRun, record: InstallRecord): Promise<void> {
  // Without provisioning the services may not log in yet: status passes after `helk provision`.
  if (r.options.skipProvision) {
    r.sink({ kind: "step-skip", step: "ready", reason: "--skip-provision" });
    return;
  }
  await step(
    r.sink,
    "ready",
    "Wait until helk status passes",
    () => untilStatusPasses(record, r.docker, r.clock, r.config.timeouts.healthSeconds),
    (seconds) => `after ${seconds} s more`,
  );
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
 * ones), then build HELK's own layers on top of them (engine/docker/helk-images.ts).
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
