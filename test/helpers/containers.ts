/**
 * Single containers for the tests of a double or fixture on its own: a private network, a
 * container started with `docker run`, its published loopback port, its exit, and removal of
 * everything the test made (by the label it carries).
 */
import { execa } from "execa";

export interface Sandbox {
  network: string;
  /** Start a container on the sandbox network; returns its name. */
  run(
    name: string,
    image: string,
    opts?: { env?: Record<string, string>; alias?: string; publish?: number; args?: string[] },
  ): Promise<string>;
  /** The host port (on 127.0.0.1) a published container port landed on. */
  port(name: string, containerPort: number): Promise<number>;
  /** The exit code once the container has stopped, or undefined if it still runs after `ms`. */
  exited(name: string, ms: number): Promise<number | undefined>;
  logs(name: string): Promise<string>;
  exec(name: string, cmd: string[], user?: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  cleanup(): Promise<void>;
}

export async function createSandbox(label: string): Promise<Sandbox> {
  const network = `helk-${label}-${process.pid}`;
  const tag = `org.helk.test=${network}`;
  await execa("docker", ["network", "create", "--label", tag, network]);
  const full = (name: string) => `${network}-${name}`;
  return {
    network,
    run: async (name, image, opts = {}) => {
      const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
      await execa("docker", [
        "run",
        "-d",
        "--name",
        full(name),
        "--label",
        tag,
        "--network",
        network,
        ...(opts.alias ? ["--network-alias", opts.alias] : []),
        ...(opts.publish ? ["-p", `127.0.0.1::${opts.publish}`] : []),
        ...env,
        ...(opts.args ?? []),
        image,
      ]);
      return full(name);
    },
    port: async (name, containerPort) => {
      const r = await execa("docker", ["port", full(name), `${containerPort}/tcp`]);
      return Number(/:(\d+)\s*$/m.exec(r.stdout)?.[1]);
    },
    exited: async (name, ms) => {
      const until = Date.now() + ms;
      for (;;) {
        const r = await execa("docker", ["inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", full(name)]);
        const [running, code] = r.stdout.trim().split(" ");
        if (running === "false") return Number(code);
        if (Date.now() > until) return undefined;
        await new Promise((res) => setTimeout(res, 500));
      }
    },
    logs: async (name) => {
      const r = await execa("docker", ["logs", full(name)], { reject: false, all: true });
      return r.all ?? "";
    },
    exec: async (name, cmd, user) => {
      const r = await execa("docker", ["exec", ...(user ? ["--user", user] : []), full(name), ...cmd], { reject: false });
      return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    cleanup: async () => {
      const ids = (await execa("docker", ["ps", "-aq", "--filter", `label=${tag}`], { reject: false })).stdout.split("\n").filter(Boolean);
      if (ids.length) await execa("docker", ["rm", "-f", "-v", ...ids], { reject: false });
      await execa("docker", ["network", "rm", network], { reject: false });
    },
  };
}

/** Poll until `check` returns a value (not undefined) or the deadline passes; the last error is kept. */
export async function until<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((res) => setTimeout(res, 1000));
  }
}
