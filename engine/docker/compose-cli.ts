/**
 * The Docker Compose CLI: the v2 plugin first, standalone docker-compose >= 1.27 as fallback.
 * Always called with an explicit project name and file.
 */
import { execa } from "execa";
import { ExitCode, HelkError } from "../errors.js";

export interface ComposeCli {
  /** argv prefix: ["docker", "compose"] or ["docker-compose"]. */
  command: string[];
  version: string;
  flavour: "v2" | "v1";
}

const MIN_V1 = [1, 27, 0];

function versionAtLeast(version: string, min: number[]): boolean {
  const parts = version
    .replace(/^v/, "")
    .split(/[.-]/)
    .map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < min.length; i++) {
    const a = parts[i] ?? 0;
    const b = min[i] ?? 0;
    if (Number.isNaN(a)) return false;
    if (a !== b) return a > b;
  }
  return true;
}

export async function detectCompose(): Promise<ComposeCli> {
  const v2 = await execa("docker", ["compose", "version", "--short"], { reject: false });
  if (v2.exitCode === 0 && v2.stdout.trim()) {
    return { command: ["docker", "compose"], version: v2.stdout.trim(), flavour: "v2" };
  }
  const v1 = await execa("docker-compose", ["version", "--short"], { reject: false });
  if (v1.exitCode === 0 && v1.stdout.trim()) {
    const version = v1.stdout.trim();
    if (versionAtLeast(version, MIN_V1)) return { command: ["docker-compose"], version, flavour: "v1" };
    throw new HelkError(`docker-compose ${version} is too old (HELK needs the Compose v2 plugin, or docker-compose 1.27 or newer)`, {
      exitCode: ExitCode.engine,
      hint: "install the Compose v2 plugin (apt-get install docker-compose-plugin, or see the README)",
    });
  }
  throw new HelkError("Docker Compose was not found (neither `docker compose` nor `docker-compose`)", {
    exitCode: ExitCode.engine,
    hint: "install the Compose v2 plugin (apt-get install docker-compose-plugin) or docker-compose 1.27+; the README shows how to build it where it is not packaged",
  });
}

export function composeArgs(cli: ComposeCli, project: string, file: string, args: string[]): [string, string[]] {
  const [bin, ...rest] = cli.command as [string, ...string[]];
  return [bin, [...rest, "--project-name", project, "--file", file, ...args]];
}
