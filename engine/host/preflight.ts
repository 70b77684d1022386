/**
 * Preflight checks, each a strategy with a name users can skip (--skip-check NAME).
 * They report rather than throw, so one run shows every problem at once.
 */
import { existsSync, readFileSync, statfsSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { HelkConfig } from "../../compose/config/schema.js";
import type { HostFacts } from "../../compose/model.js";
import { MEMORY_SLACK, requirements } from "../../compose/profiles.js";
import { portClashes, publishedPorts } from "../../compose/published-ports.js";
import { type ComposeCli, detectCompose } from "../docker/compose-cli.js";
import type { DockerClient } from "../docker/docker-client.js";
import { ExitCode, type ExitCodeValue, HelkError } from "../errors.js";
import { canBind, portOwner } from "./port-owner.js";

export const CHECK_NAMES = ["root", "engine", "compose", "memory", "disk", "ports", "max-map-count"] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export interface CheckOutcome {
  name: CheckName;
  ok: boolean;
  message: string;
  hint?: string;
  exitCode?: ExitCodeValue;
  /** A fix helk can apply itself with consent (host tuning). */
  fix?: { describe: string; apply: () => string };
}

export interface PreflightContext {
  config: HelkConfig;
  host: HostFacts;
  docker: DockerClient;
  /** Ports already published by this install's own containers: a re-run must not trip on them. */
  ownPorts: Set<number>;
  isRoot: boolean;
  /** Where /proc and the sysctl.d file live (tests point these at a temporary folder). */
  procRoot?: string;
  sysctlFile?: string;
}

export const MAX_MAP_COUNT = 262144;
export const SYSCTL_FILE = "/etc/sysctl.d/99-helk.conf";
/** Docker 20.10, the oldest engine with the compose features HELK uses (service_healthy, mem_limit). */
const MIN_API = [1, 41];

function nearestExisting(path: string): string {
  let p = path;
  while (!existsSync(p) && p !== dirname(p)) p = dirname(p);
  return p;
}

function freeGiB(path: string): number {
  const s = statfsSync(nearestExisting(path));
  return (s.bavail * s.bsize) / 1024 ** 3;
}

type Check = (ctx: PreflightContext, state: { compose?: ComposeCli }) => Promise<CheckOutcome>;

const CHECKS: Record<CheckName, Check> = {
  root: async (ctx) =>
    ctx.isRoot
      ? { name: "root", ok: true, message: "running as root" }
      : {
          name: "root",
          ok: false,
          message: "helk install needs root (it tunes the kernel, writes /opt/helk and talks to the Docker engine)",
          hint: "run it with sudo: sudo helk install",
          exitCode: ExitCode.preflight,
        },
  engine: async (ctx) => {
    try {
      const v = await ctx.docker.ping();
      const [major = 0, minor = 0] = v.apiVersion.split(".").map(Number);
      if (major < (MIN_API[0] ?? 1) || (major === MIN_API[0] && minor < (MIN_API[1] ?? 0))) {
        return {
          name: "engine",
          ok: false,
          message: `Docker engine ${v.version} (API ${v.apiVersion}) is too old; HELK needs 20.10 or newer`,
          hint: "upgrade Docker: apt-get install docker.io (Debian 12 ships 20.10)",
          exitCode: ExitCode.engine,
        };
      }
      return { name: "engine", ok: true, message: `Docker engine ${v.version}` };
    } catch (err) {
      const e = err instanceof HelkError ? err : new HelkError(String(err));
      return { name: "engine", ok: false, message: e.message, ...(e.hint ? { hint: e.hint } : {}), exitCode: ExitCode.engine };
    }
  },
  compose: async (_ctx, state) => {
    try {
      state.compose = await detectCompose();
      return {
        name: "compose",
        ok: true,
        message: `${state.compose.flavour === "v2" ? "docker compose" : "docker-compose"} ${state.compose.version}`,
      };
    } catch (err) {
      const e = err as HelkError;
      return { name: "compose", ok: false, message: e.message, ...(e.hint ? { hint: e.hint } : {}), exitCode: ExitCode.engine };
    }
  },
  memory: async (ctx) => {
    const brokers = ctx.config.kafka.external ? 1 : ctx.config.kafka.brokers;
    const need = requirements(ctx.config.profile, ctx.config.addons, brokers).ramGiB;
    const have = ctx.host.memoryMiB / 1024;
    return have >= need * MEMORY_SLACK
      ? { name: "memory", ok: true, message: `${have.toFixed(1)} GiB memory (profile needs ${need} GiB)` }
      : {
          name: "memory",
          ok: false,
          message: `${have.toFixed(1)} GiB memory is below the ${need} GiB that profile ${ctx.config.profile} needs`,
          hint: "choose a smaller profile (helk profiles), or add memory",
          exitCode: ExitCode.preflight,
        };
  },
  disk: async (ctx) => {
    const need = requirements(ctx.config.profile, ctx.config.addons).diskGiB;
    let dockerRoot = "/var/lib/docker";
    try {
      dockerRoot = (await ctx.docker.info()).dockerRootDir;
    } catch {
      // The engine check reports an unreachable engine; measure the default root meanwhile.
    }
    const places = [...new Set([ctx.config.installHome, dockerRoot])].map((p) => ({ p, free: freeGiB(p) }));
    const short = places.filter((x) => x.free < need);
    return short.length === 0
      ? { name: "disk", ok: true, message: places.map((x) => `${x.free.toFixed(0)} GiB free under ${x.p}`).join(", ") }
      : {
          name: "disk",
          ok: false,
          message: `${short.map((x) => `only ${x.free.toFixed(1)} GiB free under ${x.p}`).join("; ")} (profile needs ${need} GiB)`,
          hint: "free space (docker system prune removes unused images), or set installHome on a larger disk",
          exitCode: ExitCode.preflight,
        };
  },
  ports: async (ctx) => {
    const taken: string[] = portClashes(ctx.config);
    const wanted = publishedPorts(ctx.config);
    for (const { host, port, what } of wanted) {
      if (ctx.ownPorts.has(port)) continue;
      const r = await canBind(host, port);
      if (r.ok) continue;
      if (r.code === "EADDRNOTAVAIL") {
        taken.push(`${host} is not an address of this machine (needed for ${what} port ${port})`);
        continue;
      }
      const owner = r.code === "EADDRINUSE" ? portOwner(port) : undefined;
      taken.push(
        `port ${port} on ${host} (${what}) is ${r.code === "EADDRINUSE" ? "in use" : `unavailable (${r.code})`}${owner ? ` by ${owner}` : ""}`,
      );
    }
    return taken.length === 0
      ? { name: "ports", ok: true, message: `${wanted.length} ports free` }
      : {
          name: "ports",
          ok: false,
          message: taken.join("; "),
          hint: "stop what holds the port, or choose another with --set ports.NAME=PORT (and --host-ip for the address)",
          exitCode: ExitCode.preflight,
        };
  },
  "max-map-count": async (ctx) => {
    const file = `${ctx.procRoot ?? "/proc"}/sys/vm/max_map_count`;
    const current = Number(readFileSync(file, "utf8").trim());
    if (current >= MAX_MAP_COUNT) return { name: "max-map-count", ok: true, message: `vm.max_map_count ${current}` };
    const persist = ctx.sysctlFile ?? SYSCTL_FILE;
    return {
      name: "max-map-count",
      ok: false,
      message: `vm.max_map_count is ${current}; Elasticsearch needs at least ${MAX_MAP_COUNT}`,
      hint: `let helk raise it (--yes), or run: sysctl -w vm.max_map_count=${MAX_MAP_COUNT} && echo vm.max_map_count=${MAX_MAP_COUNT} > ${persist}`,
      exitCode: ExitCode.preflight,
      fix: {
        describe: `set vm.max_map_count=${MAX_MAP_COUNT} now and persist it in ${persist}`,
        apply: () => {
          writeFileSync(file, String(MAX_MAP_COUNT));
          writeFileSync(
            persist,
            `# Written by helk: Elasticsearch needs at least ${MAX_MAP_COUNT} memory map areas.\nvm.max_map_count=${MAX_MAP_COUNT}\n`,
          );
          return `vm.max_map_count=${MAX_MAP_COUNT} (persisted in ${persist})`;
        },
      },
    };
  },
};

export async function runPreflight(
  ctx: PreflightContext,
  skip: ReadonlySet<string>,
): Promise<{ outcomes: CheckOutcome[]; compose?: ComposeCli }> {
  for (const name of skip) {
    if (!(CHECK_NAMES as readonly string[]).includes(name)) {
      throw new HelkError(`unknown check "${name}" for --skip-check`, {
        exitCode: ExitCode.usage,
        hint: `checks: ${CHECK_NAMES.join(", ")}`,
      });
    }
  }
  const state: { compose?: ComposeCli } = {};
  const outcomes: CheckOutcome[] = [];
  for (const name of CHECK_NAMES) {
    if (skip.has(name) && name !== "compose") continue;
    outcomes.push(await CHECKS[name](ctx, state));
  }
  return state.compose ? { outcomes, compose: state.compose } : { outcomes };
}
