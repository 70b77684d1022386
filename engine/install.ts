/**
 * The install verb. This version does the dry run: resolve config and host facts, make
 * or reuse secrets, render every file an install writes, check them with Docker Compose,
 * and return the plan. The real run (preflight, up, health, provisioning) builds on it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { HelkConfig } from "../compose/config/schema.js";
import type { HostFacts } from "../compose/model.js";
import { buildInstallPlan, type FileChange, type InstallPlan, planText } from "../compose/plan.js";
import { renderInstallFiles } from "../compose/render.js";
import { type ComposeCli, detectCompose, validateComposeFile } from "./compose-cli.js";
import { ExitCode, HelkError } from "./errors.js";
import { type ProgressSink, step } from "./events.js";
import { detectHostIp, readHostFacts } from "./host-facts.js";
import { loadOrCreateState } from "./secrets.js";
import { ensureTls } from "./tls.js";
import { VERSION } from "./version.js";
import { diffFiles, writeFiles } from "./write-files.js";

export interface InstallOptions {
  config: HelkConfig;
  /** Compute and print the plan; write files only when `output` is given. */
  dryRun: boolean;
  /** With dryRun: write the files here instead of the install home. */
  output?: string;
  /** Host facts override (tests); read from this machine otherwise. */
  host?: HostFacts;
  sink: ProgressSink;
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
}

export async function install(options: InstallOptions): Promise<InstallResult> {
  if (!options.dryRun) {
    throw new HelkError("a real install is not available in this version of helk yet", {
      exitCode: ExitCode.usage,
      hint: "run `helk install --dry-run --output DIR` to generate and check the files; the lifecycle commands come next",
    });
  }
  const { sink } = options;
  const host = options.host ?? readHostFacts();
  const hostIp = options.config.hostIp === "auto" ? detectHostIp() : options.config.hostIp;
  const config: HelkConfig = { ...options.config, hostIp };
  // The plan compares against where files would go: the --output folder, else the install home.
  const home = options.output ? resolve(options.output) : config.installHome;

  const { state, created } = await step(
    sink,
    "secrets",
    "Secrets",
    () => loadOrCreateState(home, { persist: Boolean(options.output) }),
    (r) => (r.created ? "generated" : "reused"),
  );
  const { tls } = await step(
    sink,
    "tls",
    "TLS certificate",
    () => ensureTls(home, hostIp),
    (r) => (r.created ? `made for ${hostIp}` : "reused"),
  );
  const files = renderInstallFiles({ config, host, kafkaClusterId: state.kafkaClusterId, version: VERSION, secrets: state.secrets, tls });
  const changes = diffFiles(home, files);
  // Without --output nothing is left behind: Compose checks a scratch copy.
  const target = options.output ? home : mkdtempSync(join(tmpdir(), "helk-dry-run-"));
  try {
    await step(sink, "render", `Render ${files.length} files into ${target}`, () => writeFiles(target, files));
    const compose = await step(
      sink,
      "validate",
      "Check compose.yaml with Docker Compose",
      () => checkWithCompose(config.projectName, join(target, "compose.yaml")),
      (c) => (c.checked ? `accepted by ${c.flavour === "v2" ? "docker compose" : "docker-compose"} ${c.version}` : `skipped: ${c.reason}`),
    );
    const plan = buildInstallPlan({ config, host, files: changes, secretsCreated: created, target: home });
    const result: InstallResult = { dryRun: true, hostIp, plan, planText: planText(plan), files: changes, compose };
    if (options.output) result.target = target;
    return result;
  } finally {
    if (!options.output) rmSync(target, { recursive: true, force: true });
  }
}

async function checkWithCompose(project: string, file: string): Promise<InstallResult["compose"]> {
  let cli: ComposeCli;
  try {
    cli = await detectCompose();
  } catch (err) {
    return { checked: false, reason: err instanceof Error ? err.message : String(err) };
  }
  const verdict = await validateComposeFile(cli, project, file);
  if (!verdict.ok) {
    throw new HelkError(`Docker Compose rejected the generated ${file}; this is a bug in helk`, {
      exitCode: ExitCode.bug,
      details: verdict.output.split("\n").slice(-20),
    });
  }
  return { checked: true, version: cli.version, flavour: cli.flavour };
}
