/**
 * Running one double (or fixture) container by hand, outside a HELK install, to test what its
 * CONTRACT.md says: the service's environment straight from HELK's compose model, a private
 * network, a layer of HELK's images/ built on the double, and cleanup of all of it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { defaultConfig, type HelkConfig } from "../../compose/config/schema.js";
import type { ServiceName } from "../../compose/profiles.js";
import type { ServiceContext, ServiceDefinition } from "../../compose/services/context.js";
import { generateClusterId } from "../../engine/secrets.js";

export function serviceContext(selected: ServiceName[], config: HelkConfig = defaultConfig()): ServiceContext {
  return {
    config,
    hostIp: "127.0.0.1",
    memory: { limitMiB: 1024, heapMiB: 512 },
    selected: new Set(selected),
    kafkaClusterId: generateClusterId(),
    maxOpenFiles: 65535,
  };
}

/** The environment HELK's compose model gives a service, as `-e` flags. */
export function envFlags(definition: ServiceDefinition, ctx: ServiceContext, extra: Record<string, string> = {}): string[] {
  const env = { ...(definition(ctx).environment as Record<string, string>), ...extra };
  return Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
}

export interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** One test file's containers, network, volumes and images, all named after `prefix`. */
export class DoubleRunner {
  readonly network: string;
  private readonly containers: string[] = [];
  private readonly volumes: string[] = [];
  private readonly images: string[] = [];

  constructor(readonly prefix: string) {
    this.network = `${prefix}-net`;
  }

  async init(): Promise<void> {
    await execa("docker", ["network", "create", "--label", "org.helk.test=true", this.network], { reject: false });
  }

  async volume(name: string): Promise<string> {
    const v = `${this.prefix}-${name}`;
    await execa("docker", ["volume", "create", "--label", "org.helk.test=true", v]);
    this.volumes.push(v);
    return v;
  }

  /** docker run to completion (--rm); never throws on a non-zero exit. */
  async once(args: string[], timeoutMs = 120_000): Promise<Run> {
    const r = await execa("docker", ["run", "--rm", "--network", this.network, "--label", "org.helk.test=true", ...args], {
      reject: false,
      timeout: timeoutMs,
    });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** docker run -d with a name and network alias `hostname`; returns the container name. */
  async start(name: string, args: string[]): Promise<string> {
    const c = `${this.prefix}-${name}`;
    await execa("docker", ["rm", "-f", "-v", c], { reject: false });
    await execa("docker", ["run", "-d", "--name", c, "--network", this.network, "--label", "org.helk.test=true", ...args]);
    this.containers.push(c);
    return c;
  }

  async exec(container: string, cmd: string[], env: Record<string, string> = {}): Promise<Run> {
    const flags = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    const r = await execa("docker", ["exec", ...flags, container, ...cmd], { reject: false });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  async logs(container: string): Promise<string> {
    return (await execa("docker", ["logs", container], { all: true, reject: false })).all ?? "";
  }

  /** Polls a command in the container until it exits 0; throws with the logs when it never does. */
  async waitFor(container: string, cmd: string[], seconds = 60): Promise<Run> {
    const until = Date.now() + seconds * 1000;
    for (;;) {
      const r = await this.exec(container, cmd);
      if (r.exitCode === 0) return r;
      const state = await execa("docker", ["inspect", "-f", "{{.State.Running}}", container], { reject: false });
      if (state.stdout.trim() !== "true" || Date.now() > until)
        throw new Error(`${cmd.join(" ")} never passed in ${container}; its log:\n${await this.logs(container)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** docker build of a folder (or of `files` written to a fresh folder); removed at cleanup. */
  async build(name: string, context: string | Record<string, string>, buildArgs: Record<string, string> = {}): Promise<string> {
    const tag = `${this.prefix}/${name}:test`;
    const dir = typeof context === "string" ? context : mkdtempSync(join(tmpdir(), `${this.prefix}-`));
    if (typeof context !== "string") for (const [f, text] of Object.entries(context)) writeFileSync(join(dir, f), text);
    const args = Object.entries(buildArgs).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
    const r = await execa("docker", ["build", "-q", "-t", tag, ...args, dir], { reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`docker build of ${name} failed:\n${r.all}`);
    this.images.push(tag);
    return tag;
  }

  async cleanup(): Promise<void> {
    if (this.containers.length) await execa("docker", ["rm", "-f", "-v", ...this.containers], { reject: false });
    if (this.volumes.length) await execa("docker", ["volume", "rm", "-f", ...this.volumes], { reject: false });
    await execa("docker", ["network", "rm", this.network], { reject: false });
    if (this.images.length) await execa("docker", ["image", "rm", "-f", ...this.images], { reject: false });
  }
}
