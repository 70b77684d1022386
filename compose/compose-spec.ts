/** The subset of the Compose Specification HELK generates, as types. */

export interface Healthcheck {
  test: string[];
  interval: string;
  timeout: string;
  retries: number;
  start_period: string;
}

export interface ComposeService {
  image: string;
  hostname?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  /** Files holding secret variables (mode 0600, in the install home's secrets/ folder). */
  env_file?: string[];
  secrets?: { source: string; target: string }[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: "service_healthy" | "service_started" }>;
  healthcheck: Healthcheck;
  restart: "unless-stopped" | "no";
  mem_limit: string;
  ulimits?: Record<string, number | { soft: number; hard: number }>;
  labels: Record<string, string>;
  networks: string[];
  /** Compose profiles: services in "tools" start only on demand. */
  profiles?: string[];
  stdin_open?: boolean;
  tty?: boolean;
}

export interface ComposeSpec {
  services: Record<string, ComposeService>;
  /** HELK's own bridge network, and an existing one (dockerNetwork) declared external with its real name. */
  networks: Record<string, { driver: string; labels?: Record<string, string> } | { external: true; name: string }>;
  volumes: Record<string, { labels: Record<string, string> }>;
  secrets?: Record<string, { file: string }>;
}

export const health = (test: string[], startPeriod = "30s", retries = 30): Healthcheck => ({
  test,
  interval: "10s",
  timeout: "10s",
  retries,
  start_period: startPeriod,
});

/** A shell healthcheck; `$$` keeps a variable for the container's shell instead of compose. */
export const shellHealth = (script: string, startPeriod?: string, retries?: number): Healthcheck =>
  health(["CMD-SHELL", script], startPeriod, retries);
