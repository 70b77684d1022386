/**
 * The install plan: what a real install would do, as data with a stable text form
 * (tested as text; printed by `helk install --dry-run`). Pure.
 */
import type { HelkConfig } from "./config/schema.js";
import { needsLoginsFirst } from "./elasticsearch-first.js";
import { INSTALL_STEPS, type InstallStepId } from "./install-steps.js";
import type { HostFacts } from "./model.js";
import { imageKeyOf, ON_DEMAND, requirements, type ServiceName, servicesFor } from "./profiles.js";
import { publishedPorts } from "./published-ports.js";
import { sizeServices } from "./sizing.js";

export interface FileChange {
  path: string;
  change: "create" | "update" | "unchanged";
  mode: number;
}

export interface PlanStep {
  name: string;
  lines: string[];
}

export interface InstallPlan {
  project: string;
  profile: string;
  services: ServiceName[];
  steps: PlanStep[];
}

export interface PlanInput {
  config: HelkConfig;
  host: HostFacts;
  files: FileChange[];
  secretsCreated: boolean;
  /** Where files go: the install home, or the --output folder of a dry run. */
  target: string;
}

const gib = (mib: number) => `${(mib / 1024).toFixed(1)} GiB`;

export function buildInstallPlan(input: PlanInput): InstallPlan {
  const { config, host } = input;
  const services = servicesFor(config);
  const running = services.filter((s) => !ON_DEMAND.has(s));
  const need = requirements(config.profile, config.addons);
  const memory = sizeServices(host.memoryMiB, services, config.memory);
  const ports = publishedPorts(config).map((p) => `${p.host}:${p.port} (${p.what})`);
  const topics = Object.entries(config.kafka.topics).map(
    ([name, t]) => `kafka topic ${name}: ${t.partitions} partition${t.partitions === 1 ? "" : "s"}, retention ${t.retentionHours} h`,
  );
  const count = (c: FileChange["change"]) => input.files.filter((f) => f.change === c).length;

  const external = [...(config.kafka.external ? ["Kafka"] : []), ...(config.elasticsearch.external ? ["Elasticsearch"] : [])];
  // What each step does for this config; a step that does nothing here is left out.
  const lines: Partial<Record<InstallStepId, string[]>> = {
    preflight: [
      "running as root",
      "Docker engine reachable, Compose v2 (or docker-compose >= 1.27)",
      `memory >= ${need.ramGiB} GiB (this host: ${gib(host.memoryMiB)})`,
      `free disk >= ${need.diskGiB} GiB under ${config.installHome} and Docker's data root`,
      `ports free: ${ports.join(", ")}`,
      "vm.max_map_count >= 262144",
    ],
    tuning: ["vm.max_map_count=262144, persisted in /etc/sysctl.d/99-helk.conf (only if lower)"],
    secrets: [input.secretsCreated ? "generate passwords, keys and tokens (mode 0600 in secrets/)" : "reuse the existing secrets"],
    tls: [`a self-signed certificate for ${config.hostIp === "auto" ? "the host address" : config.hostIp}, made once and reused`],
    ...(external.length ? { external: [`check the external ${external.join(" and ")}: version, health, permissions`] } : {}),
    render: [
      `${input.target}: ${count("create")} to create, ${count("update")} to update, ${count("unchanged")} unchanged`,
      ...input.files.map((f) => `${f.change.padEnd(9)} ${f.path}${(f.mode & 0o077) === 0 ? " (0600)" : ""}`),
    ],
    validate: ["docker compose config -q"],
    images: [...new Set(services.map((s) => config.images[imageKeyOf(s)]))].map((image) => `pull or build ${image}`),
    ...(services.includes("elastalert")
      ? {
          rules: [
            "HELK's Sigma rules and yours (rules/sigma/) into ElastAlert rules (config/elastalert/rules/), with the image's helk-sigma; a refused rule is a warning",
          ],
        }
      : {}),
    ...(needsLoginsFirst(config, services)
      ? {
          logins: [
            `docker compose --project-name ${config.projectName} up -d elasticsearch, wait until healthy`,
            ...(config.security.enabled ? ["elasticsearch users: kibana_system password, helk_logstash_writer"] : []),
            "elasticsearch index templates, before anything that writes starts",
          ],
        }
      : {}),
    start: [
      `docker compose --project-name ${config.projectName} up -d (${running.length} services)`,
      ...running.map((s) => {
        const m = memory[s];
        return `${s.padEnd(14)} limit ${m?.limitMiB ?? "?"}m${m?.heapMiB ? `, heap ${m.heapMiB}m` : ""}`;
      }),
      `wait up to ${config.timeouts.healthSeconds} s per service: ${running.join(", ")}`,
    ],
    provision: [
      ...topics,
      "elasticsearch index templates: sysmon, windows events, sysmon-join",
      ...(config.security.enabled
        ? [
            `elasticsearch users: kibana_system password, helk_logstash_writer${services.includes("jupyter") ? ", helk_notebook_reader" : ""}`,
          ]
        : []),
      ...(services.includes("kibana") ? ["kibana saved objects: data views and dashboards"] : []),
      ...(services.includes("ksqldb-server") ? ["ksqldb statements: the Sysmon EID 1 x EID 3 join"] : []),
    ],
    ready: ["until `helk status` passes (every service's own probe); then URLs, credentials (once) and the install record"],
  };
  const steps: PlanStep[] = INSTALL_STEPS.flatMap(({ id }) => {
    const l = lines[id];
    return l ? [{ name: id, lines: l }] : [];
  });
  return { project: config.projectName, profile: config.profile, services, steps };
}

export function planText(plan: InstallPlan): string {
  const lines = [`Install plan for project ${plan.project}, profile ${plan.profile} (${plan.services.join(", ")})`];
  plan.steps.forEach((step, i) => {
    lines.push(`${i + 1}. ${step.name}`);
    for (const line of step.lines) lines.push(`     ${line}`);
  });
  return `${lines.join("\n")}\n`;
}
