/** `helk install`: flags (or the wizard) → options → engine.install → rendered result. */

import type { HelkConfig } from "../../compose/config/schema.js";
import { INSTALL_STEPS } from "../../compose/install-steps.js";
import { firstDataService } from "../../compose/profiles.js";
import { loadConfig } from "../../engine/config-loader.js";
import { ExitCode, HelkError } from "../../engine/errors.js";
import type { ProgressSink } from "../../engine/events.js";
import { readHostFacts, resolveHostIp } from "../../engine/host/host-facts.js";
import { type InstallResult, install } from "../../engine/install/install.js";
import { externalSecretsFromEnv } from "../../engine/secrets.js";
import { type ConfigFlagValues, configFlagAssignments } from "../config-flags.js";
import { type Printer, printJson, withProgress } from "../output.js";

export interface InstallFlags extends ConfigFlagValues {
  dryRun?: boolean;
  output?: string;
  yes?: boolean;
  nonInteractive?: boolean;
  json?: boolean;
  skipCheck?: string[];
  showCredentials?: boolean;
  skipProvision?: boolean;
  imagesFrom?: string;
}

export async function runInstall(opts: InstallFlags, printer: Printer, stdinIsTTY = Boolean(process.stdin.isTTY)): Promise<number> {
  if (opts.output && !opts.dryRun) {
    throw new HelkError("--output only goes with --dry-run", {
      exitCode: ExitCode.usage,
      hint: "a real install writes into the install home (--install-home, default /opt/helk)",
    });
  }
  const flags = configFlagAssignments(opts);
  const base = { ...(opts.config ? { configFile: opts.config } : {}), flags };
  let { value: config, warnings, sources } = loadConfig(base);
  for (const w of warnings) printer.err(`warning: ${w}`);

  const interactive = stdinIsTTY && printer.isTTY && !opts.nonInteractive && !opts.yes && !opts.json && !opts.dryRun;
  let analystPassword: string | undefined;
  if (interactive) {
    const { runWizard } = await import("../wizard.js");
    const answers = await runWizard({
      config,
      hostIp: resolveHostIp(config.hostIp),
      hostRamGiB: readHostFacts().memoryMiB / 1024,
    });
    if (!answers) {
      printer.err("Nothing was installed.");
      return ExitCode.ok;
    }
    const addons: HelkConfig["addons"] = answers.alerting ? ["alerting"] : [];
    config = loadConfig({
      ...base,
      flags: [
        ...flags,
        { path: "profile", value: answers.profile, flag: "wizard" },
        { path: "hostIp", value: answers.hostIp, flag: "wizard" },
        { path: "security.kibanaUser", value: answers.kibanaUser, flag: "wizard" },
        { path: "addons", value: addons, flag: "wizard" },
      ],
    }).value;
    if (answers.password) analystPassword = answers.password;
  } else if (!opts.dryRun && !opts.yes && sources.profile?.kind === "default") {
    // Unattended runs choose the stack on purpose: a default would silently size a box wrongly.
    throw new HelkError("no profile chosen for an unattended install", {
      exitCode: ExitCode.usage,
      hint: "pass --profile NAME (lab, core, analysis, notebook-analysis), set HELK_PROFILE or profile in --config, or --yes to accept the default (analysis)",
    });
  }

  const run = (sink: ProgressSink) =>
    install({
      config,
      dryRun: Boolean(opts.dryRun),
      ...(opts.output ? { output: opts.output } : {}),
      yes: Boolean(opts.yes),
      ...(interactive ? { confirm: async (q: string) => (await import("../wizard.js")).askConsent(q) } : {}),
      skipChecks: new Set(opts.skipCheck ?? []),
      ...(analystPassword ? { analystPassword } : {}),
      skipProvision: Boolean(opts.skipProvision),
      externalSecrets: externalSecretsFromEnv(process.env),
      ...(opts.imagesFrom ? { imagesFrom: opts.imagesFrom } : {}),
      sink,
    });

  // A dry run prints its plan, not a progress view of steps it does not take.
  const result: InstallResult = await withProgress(printer, { json: opts.json, steps: opts.dryRun ? undefined : INSTALL_STEPS }, run);

  if (opts.json) printInstallJson(printer, result, Boolean(opts.showCredentials));
  else if (result.dryRun) printDryRun(printer, result);
  else printSummary(printer, result);
  return ExitCode.ok;
}

/** The result for scripts; the credentials only when asked for (--show-credentials). */
function printInstallJson(printer: Printer, result: InstallResult, showCredentials: boolean): void {
  const { planText: _text, summary, ...rest } = result;
  const out: Record<string, unknown> = { ...rest };
  if (summary) {
    const { credentials, ...publicPart } = summary;
    out.summary = showCredentials ? summary : publicPart;
  }
  printJson(printer, out);
}

function printDryRun(printer: Printer, result: InstallResult): void {
  printer.out(result.planText);
  printer.out(
    result.target
      ? `Dry run: files written to ${result.target}; nothing was started. Run without --dry-run to install.`
      : "Dry run: nothing was written or started. Add --output DIR to keep the generated files.",
  );
  if (!result.compose.checked) printer.err(`note: compose.yaml was not checked by Docker Compose: ${result.compose.reason}`);
}

function printSummary(printer: Printer, result: InstallResult): void {
  const s = result.summary;
  if (!s) return;
  const lines = [
    "",
    "HELK is up.",
    ...(s.urls.kibana ? [`  Kibana:         ${s.urls.kibana}`] : []),
    ...(s.urls.jupyter ? [`  Jupyter:        ${s.urls.jupyter}`] : []),
    `  Kafka (Winlogbeat output): ${s.urls.kafka}`,
    `  Elasticsearch:  ${s.urls.elasticsearch}${s.urls.elasticsearch.startsWith("http://127.0.0.1:") ? " (this host only)" : ""}`,
    "",
    `Credentials (shown once; stored mode 0600 in ${s.secretsFile}):`,
    `  user ${s.credentials.user}, password ${s.credentials.password}`,
    ...(s.credentials.jupyterToken ? [`  Jupyter token ${s.credentials.jupyterToken}`] : []),
    `  Elasticsearch superuser elastic, password ${s.credentials.elasticPassword}`,
    ...(s.credentials.kafka
      ? [
          `  Kafka SASL ${s.credentials.kafka.mechanism} user ${s.credentials.kafka.username}, password ${s.credentials.kafka.password}`,
          "    (Winlogbeat: output.kafka.username/password and sasl.mechanism: SCRAM-SHA-512)",
        ]
      : []),
    "",
    `Next: helk status   |   helk logs ${firstDataService(result.plan.services)} -f   |   install log: ${result.logFile}`,
  ];
  printer.out(lines.join("\n"));
}
