/**
 * The install wizard (@inquirer/prompts): profile, host IP, Kibana user and password,
 * alerting, then a summary to confirm. It only produces answers; the engine installs.
 */
import { confirm, input, password, select } from "@inquirer/prompts";
import type { HelkConfig } from "../compose/config/schema.js";
import { MEMORY_SLACK, PROFILES, recommendProfile, requirements } from "../compose/profiles.js";

export interface WizardAnswers {
  profile: HelkConfig["profile"];
  hostIp: string;
  kibanaUser: string;
  /** Empty: generate one. */
  password: string;
  alerting: boolean;
}

const IPV4 = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/;

export async function runWizard(defaults: { config: HelkConfig; hostIp: string; hostRamGiB: number }): Promise<WizardAnswers | undefined> {
  const recommended = recommendProfile(defaults.hostRamGiB);
  const profile = await select<HelkConfig["profile"]>({
    message: `Build profile (this host has ${defaults.hostRamGiB.toFixed(1)} GiB memory)`,
    default: recommended?.name ?? defaults.config.profile,
    choices: PROFILES.map((p) => ({
      name: `${p.name}${p.name === recommended?.name ? " (recommended)" : ""} - ${p.summary}`,
      value: p.name,
      description: `needs ${p.minRamGiB} GiB memory and ${p.minDiskGiB} GiB disk`,
      ...(p.minRamGiB > defaults.hostRamGiB / MEMORY_SLACK ? { disabled: `(needs ${p.minRamGiB} GiB)` } : {}),
    })),
  });
  const hostIp = await input({
    message: "Host IP that Winlogbeat and browsers will use",
    default: defaults.hostIp,
    validate: (v) => IPV4.test(v.trim()) || "an IPv4 address such as 192.168.1.20",
  });
  const kibanaUser = await input({
    message: "Kibana and Jupyter user name",
    default: defaults.config.security.kibanaUser,
    validate: (v) => /^[a-zA-Z0-9_.-]{1,64}$/.test(v) || "letters, digits, _ . - only",
  });
  const pass = await password({
    message: "Password for that user (Enter to generate a strong one)",
    mask: "*",
    validate: (v) => v === "" || (v.length >= 8 && /^[A-Za-z0-9_.+-]+$/.test(v)) || "8 or more of: letters, digits, _ . + -",
  });
  const alerting = await confirm({ message: "Add alerting (ElastAlert 2)?", default: defaults.config.addons.includes("alerting") });
  const need = requirements(profile, alerting ? ["alerting"] : []);
  const go = await confirm({
    message: `Install profile ${profile}${alerting ? " + alerting" : ""} on ${hostIp.trim()} (needs ${need.ramGiB} GiB memory, ${need.diskGiB} GiB disk) into ${defaults.config.installHome}?`,
    default: true,
  });
  if (!go) return undefined;
  return { profile, hostIp: hostIp.trim(), kibanaUser, password: pass, alerting };
}

export async function askConsent(question: string): Promise<boolean> {
  return confirm({ message: question, default: true });
}
