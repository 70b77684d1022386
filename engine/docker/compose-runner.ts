/** Run `docker compose` for one install: explicit project and file, logged, with a timeout. */
import { execa } from "execa";
import { ExitCode, HelkError } from "../errors.js";
import type { InstallLog } from "../install/install-log.js";
import { type ComposeCli, composeArgs } from "./compose-cli.js";

export interface ComposeTarget {
  cli: ComposeCli;
  project: string;
  /** Absolute path of compose.yaml. */
  file: string;
}

export interface ComposeRunOptions {
  log?: InstallLog;
  timeoutMs?: number;
  /** Raise a HelkError when the command fails (default true). */
  check?: boolean;
  /** Stop the command early (the health wait gave up while `up` still waits on a dependency). */
  signal?: AbortSignal;
}

export async function runCompose(
  target: ComposeTarget,
  args: string[],
  options: ComposeRunOptions = {},
): Promise<{ exitCode: number; output: string }> {
  const [bin, argv] = composeArgs(target.cli, target.project, target.file, args);
  const started = Date.now();
  const result = await execa(bin, argv, {
    reject: false,
    all: true,
    stdin: "ignore",
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    // Compose v1 and v2 both honour this; progress bars would only clutter the log.
    env: { COMPOSE_PROGRESS: "plain", COMPOSE_ANSI: "never" },
  });
  const output = result.all ?? "";
  options.log?.command([bin, ...argv], { exitCode: result.exitCode, output, durationMs: Date.now() - started });
  if ((options.check ?? true) && result.exitCode !== 0) {
    const tail = output.trim().split("\n").slice(-15);
    throw new HelkError(
      result.timedOut
        ? `\`${target.cli.command.join(" ")} ${args[0]}\` did not finish within ${Math.round((options.timeoutMs ?? 0) / 1000)} s`
        : `\`${target.cli.command.join(" ")} ${args.join(" ")}\` failed (exit ${result.exitCode})`,
      { exitCode: ExitCode.failure, details: tail, ...(options.log ? { hint: `full output in ${options.log.path}` } : {}) },
    );
  }
  return { exitCode: result.exitCode ?? -1, output };
}

/** `compose config -q`: does Compose accept the file? Returns its complaint when not. */
export async function validateComposeFile(target: ComposeTarget, log?: InstallLog): Promise<{ ok: boolean; output: string }> {
  const r = await runCompose(target, ["config", "-q"], { check: false, ...(log ? { log } : {}) });
  return { ok: r.exitCode === 0, output: r.output.trim() };
}
