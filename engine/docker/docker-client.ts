/**
 * Narrow wrappers over the Docker Engine API, one per resource, grouped in one injected client.
 * Observation only goes through here (by compose labels), never by parsing `docker ps`.
 */
import { ExitCode, HelkError } from "../errors.js";
import { EngineApiError, engineGet, engineGetJson } from "./engine-api.js";

export const PROJECT_LABEL = "com.docker.compose.project";
export const SERVICE_LABEL = "com.docker.compose.service";

export interface ContainerSummary {
  id: string;
  name: string;
  service: string;
  image: string;
  /** running, exited, created, restarting, paused, dead. */
  state: string;
  /** healthy, unhealthy, starting, or none when the container has no healthcheck. */
  health: "healthy" | "unhealthy" | "starting" | "none";
  startedAt?: Date;
  exitCode?: number;
  oomKilled: boolean;
  restartCount: number;
  ports: string[];
  /** Last healthcheck output, when it failed. */
  lastHealthOutput?: string;
  /** Address on the project network: probes reach unpublished services (Kibana, Jupyter) there. */
  ip?: string;
}

export interface DockerClient {
  ping(): Promise<{ apiVersion: string; version: string }>;
  info(): Promise<{ dockerRootDir: string }>;
  containers: {
    list(project: string, options?: { all?: boolean }): Promise<ContainerSummary[]>;
    logsTail(id: string, lines: number): Promise<string[]>;
    /** One environment variable of a container's configuration (never the whole env: it holds secrets). */
    envVar(id: string, name: string): Promise<string | undefined>;
  };
  images: { exists(ref: string): Promise<boolean> };
  volumes: { list(project: string): Promise<string[]> };
}

/** Strip Docker's 8-byte multiplexing headers from a non-TTY log stream. */
export function demuxLogs(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const type = buf[i];
    const size = buf.readUInt32BE(i + 4);
    if (type !== 0 && type !== 1 && type !== 2) return buf.toString("utf8");
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(out).toString("utf8");
}

function engineError(cause: unknown, socketPath: string): HelkError {
  const code = (cause as NodeJS.ErrnoException).code;
  // Commands check this first (engine/host/user-access.ts); this is the net for any path that did not.
  if (code === "EACCES")
    return new HelkError(`cannot use Docker at ${socketPath}: permission denied`, {
      exitCode: ExitCode.preflight,
      hint: "run it as root with sudo, or add this user to the docker group",
      cause,
    });
  const missing = code === "ENOENT";
  return new HelkError(
    missing
      ? `Docker engine not found: ${socketPath} does not exist`
      : `Docker engine not reachable at ${socketPath} (${code ?? String(cause)})`,
    {
      exitCode: ExitCode.engine,
      hint: missing
        ? "install and start it: apt-get install docker.io, then `systemctl start docker` (or `bash scripts/setup-host.sh`)"
        : "start it: `systemctl start docker` (or `bash scripts/setup-host.sh` where systemd is not running)",
      cause,
    },
  );
}

/** The fields HELK reads of `GET /containers/json` (the Engine API's ContainerSummary). */
interface ApiContainer {
  Id: string;
  Names: string[];
  Image: string;
  Labels: Record<string, string>;
  Ports: { IP: string; PrivatePort: number; PublicPort?: number; Type: string }[];
}

/** The fields HELK reads of `GET /containers/{id}/json`. */
interface ApiInspect {
  RestartCount: number;
  State: {
    Status: string;
    Running: boolean;
    OOMKilled: boolean;
    ExitCode: number;
    StartedAt?: string;
    Health?: { Status: string; Log?: { ExitCode: number; Output: string }[] };
  };
  Config: { Env?: string[] };
  NetworkSettings: { Networks?: Record<string, { IPAddress?: string }> };
}

const labelFilter = (project: string) => JSON.stringify({ label: [`${PROJECT_LABEL}=${project}`] });

/** One container as HELK reads it: its listing and its inspect, merged. */
function summarise(c: ApiContainer, inspect: ApiInspect): ContainerSummary {
  const health = inspect.State.Health;
  const failing = health?.Log?.filter((l) => l.ExitCode !== 0).at(-1);
  const summary: ContainerSummary = {
    id: c.Id,
    name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
    service: c.Labels[SERVICE_LABEL] ?? "?",
    image: c.Image,
    state: inspect.State.Status,
    health: (health?.Status as ContainerSummary["health"]) ?? "none",
    oomKilled: inspect.State.OOMKilled,
    restartCount: inspect.RestartCount,
    ports: [...new Set(c.Ports.filter((p) => p.PublicPort).map((p) => `${p.IP}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`))],
  };
  if (inspect.State.Running && inspect.State.StartedAt) summary.startedAt = new Date(inspect.State.StartedAt);
  if (!inspect.State.Running) summary.exitCode = inspect.State.ExitCode;
  if (failing && health?.Status !== "healthy") summary.lastHealthOutput = failing.Output.trim();
  const ip = Object.values(inspect.NetworkSettings.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
  if (ip) summary.ip = ip;
  return summary;
}

export function createDockerClient(
  socketPath = process.env.DOCKER_HOST?.replace(/^unix:\/\//, "") || "/var/run/docker.sock",
): DockerClient {
  const get = <T>(path: string, query?: Record<string, string>) => engineGetJson<T>(socketPath, path, query);
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ECONNREFUSED" || code === "EACCES") throw engineError(err, socketPath);
      throw err;
    }
  };
  const inspect = (id: string) => get<ApiInspect>(`/containers/${encodeURIComponent(id)}/json`);

  return {
    ping: () =>
      guard(async () => {
        const v = await get<{ ApiVersion: string; Version: string }>("/version");
        return { apiVersion: v.ApiVersion, version: v.Version };
      }),
    info: () => guard(async () => ({ dockerRootDir: (await get<{ DockerRootDir: string }>("/info")).DockerRootDir })),
    containers: {
      list: (project, options = {}) =>
        guard(async () => {
          const list = await get<ApiContainer[]>("/containers/json", { all: String(options.all ?? true), filters: labelFilter(project) });
          return Promise.all(list.map(async (c) => summarise(c, await inspect(c.Id))));
        }),
      envVar: (id, name) =>
        guard(async () => {
          const env = (await inspect(id)).Config.Env ?? [];
          return env.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
        }),
      logsTail: (id, lines) =>
        guard(async () => {
          const query = new URLSearchParams({ stdout: "1", stderr: "1", tail: String(lines), follow: "0" });
          const buf = await engineGet(socketPath, `/containers/${encodeURIComponent(id)}/logs?${query}`);
          return demuxLogs(buf)
            .split("\n")
            .filter((l) => l.length > 0);
        }),
    },
    images: {
      exists: (ref) =>
        guard(async () => {
          try {
            // The engine routes `/images/{name}/json` with slashes in the name as they are.
            await get(`/images/${ref}/json`);
            return true;
          } catch (err) {
            if (err instanceof EngineApiError && err.statusCode === 404) return false;
            throw err;
          }
        }),
    },
    volumes: {
      list: (project) =>
        guard(async () => {
          const { Volumes } = await get<{ Volumes: { Name: string }[] | null }>("/volumes", { filters: labelFilter(project) });
          return (Volumes ?? []).map((v) => v.Name);
        }),
    },
  };
}
