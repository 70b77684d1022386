/** The flags that set configuration, shared by every command that reads it. */
import type { Command } from "commander";
import { DEFAULT_INSTALL_HOME } from "../compose/config/constants.js";
import { ExitCode, HelkError } from "../engine/errors.js";

export interface ConfigFlagValues {
  config?: string;
  profile?: string;
  addon?: string[];
  hostIp?: string;
  installHome?: string;
  logFile?: string;
  image?: string[];
  set?: string[];
}

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addConfigFlags(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "configuration file (JSON; see helk.config.json) [env: HELK_CONFIG]")
    .option("-p, --profile <name>", "build profile: lab, core, analysis, notebook-analysis [env: HELK_PROFILE]")
    .option("--addon <name>", "add-on on top of the profile, repeatable: alerting [env: HELK_ADDONS]", collect)
    .option("--host-ip <ip>", "address Winlogbeat and browsers use to reach this host (default: detected) [env: HELK_HOST_IP]")
    .option("--install-home <dir>", "where the stack's files live (default /opt/helk) [env: HELK_HOME]")
    .option("--log-file <file>", "install log (default /var/log/helk-install.log) [env: HELK_LOG_FILE]")
    .option("--image <service=ref>", "image for one service, repeatable, e.g. kafka=registry.local/kafka:4.1.1", collect)
    .option("--set <key=value>", "any setting by its path, repeatable, e.g. kafka.topics.winlogbeat.partitions=6", collect);
}

/** Flags → path assignments for compose/config/resolve.ts (flags win over env and file). */
export function configFlagAssignments(opts: ConfigFlagValues): { path: string; value: unknown; flag: string }[] {
  const out: { path: string; value: unknown; flag: string }[] = [];
  if (opts.profile !== undefined) out.push({ path: "profile", value: opts.profile, flag: "--profile" });
  if (opts.addon !== undefined) out.push({ path: "addons", value: opts.addon, flag: "--addon" });
  if (opts.hostIp !== undefined) out.push({ path: "hostIp", value: opts.hostIp, flag: "--host-ip" });
  if (opts.installHome !== undefined) out.push({ path: "installHome", value: opts.installHome, flag: "--install-home" });
  if (opts.logFile !== undefined) out.push({ path: "logFile", value: opts.logFile, flag: "--log-file" });
  for (const item of opts.image ?? []) {
    const [service, ref] = splitAssignment(item, "--image", "kafka=apache/kafka:4.1.1");
    out.push({ path: `images.${service}`, value: ref, flag: `--image ${service}=...` });
  }
  for (const item of opts.set ?? []) {
    const [path, value] = splitAssignment(item, "--set", "profile=core");
    out.push({ path, value, flag: `--set ${path}` });
  }
  return out;
}

function splitAssignment(item: string, flag: string, example: string): [string, string] {
  const eq = item.indexOf("=");
  if (eq <= 0) {
    throw new HelkError(`${flag} expects KEY=VALUE, got "${item}"`, { exitCode: ExitCode.usage, hint: `for example: ${flag} ${example}` });
  }
  return [item.slice(0, eq).trim(), item.slice(eq + 1)];
}

/**
 * The install home a day-2 command works on. Without a config file or --set it needs no
 * schema: --install-home > HELK_HOME / HELK_INSTALL_HOME > the default. Otherwise the full
 * resolution decides, with the same precedence as install.
 */
export async function locateInstallHome(opts: ConfigFlagValues, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (!opts.config && !env.HELK_CONFIG && !opts.set?.length) {
    return opts.installHome ?? env.HELK_HOME ?? env.HELK_INSTALL_HOME ?? DEFAULT_INSTALL_HOME;
  }
  const { loadConfig } = await import("../engine/config-loader.js");
  return loadConfig({ ...(opts.config ? { configFile: opts.config } : {}), flags: configFlagAssignments(opts) }).value.installHome;
}
