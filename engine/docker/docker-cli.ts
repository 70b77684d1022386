/**
 * The Docker effects that go through the `docker` CLI rather than the Engine API client
 * (docker-client.ts, the Engine API over its socket), all in this one module. Why the CLI for these:
 * - `pull` and `build`: the CLI applies the user's registry credential helpers and proxy settings
 *   (~/.docker/config.json), BuildKit when installed and the build context's .dockerignore;
 *   an API client would have to re-implement each.
 * - `save` and `load`: multi-gigabyte image tars streamed straight to and from a file.
 * - `exec -i`: a secret piped on stdin (never on a command line) with the exit code of the
 *   command run inside the container, which the API gives only through a second inspect call.
 * - `image inspect -f`: one Go-template field, the same text `docker` users see.
 * Everything that only reads the engine's state goes through docker-client.ts; `docker compose`
 * through compose-runner.ts.
 */
import { execa } from "execa";

export interface DockerCliResult {
  exitCode: number;
  /** stdout and stderr interleaved, as a user would see them. */
  output: string;
  /** stdout alone (for a value such as an inspect field). */
  stdout: string;
  durationMs: number;
}

export interface DockerCliOptions {
  /** Piped to the command's stdin (a secret: never put one in args). */
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

/** Runs `docker ARGS`; never throws for a failing command, so the caller words the error. */
export async function dockerCli(args: string[], o: DockerCliOptions = {}): Promise<DockerCliResult> {
  const started = Date.now();
  const r = await execa("docker", args, {
    reject: false,
    all: true,
    ...(o.input !== undefined ? { input: o.input } : { stdin: "ignore" as const }),
    ...(o.timeoutMs ? { timeout: o.timeoutMs } : {}),
    ...(o.env ? { env: o.env } : {}),
  });
  return { exitCode: r.exitCode ?? 1, output: r.all ?? "", stdout: r.stdout ?? "", durationMs: Date.now() - started };
}
