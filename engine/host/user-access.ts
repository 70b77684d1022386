/**
 * What a day-2 command needs of the user who runs it, checked before it does anything. An install
 * belongs to root: its home is root's (0755), its secrets/ folder root-only (0700), and the Docker
 * socket is root's and the docker group's. A user who lacks what a command needs gets one error
 * (exit 3) naming the sudo command, before any container, file or secret is touched.
 *
 * - Docker only (status, logs, stop, down, doctor): a member of the docker group may run them.
 * - Writing into the install home (uninstall, upgrade, reconfigure): root.
 * - The secrets (credentials, provision, verify and replay with logins, start/restart that set
 *   logins, doctor --bundle to redact them): root; engine/secrets.ts readState says so.
 */
import { accessSync, constants } from "node:fs";
import { ExitCode, HelkError } from "../errors.js";

/** The one error for "this needs root": exit 3 and the sudo command. */
export function rootOnly(message: string, command: string, cause?: unknown, more = ""): HelkError {
  return new HelkError(message, { exitCode: ExitCode.preflight, hint: `run it as root: sudo helk ${command}${more}`, cause });
}

const denied = (cause: unknown) => ["EACCES", "EPERM"].includes((cause as NodeJS.ErrnoException).code ?? "");

/** The Docker socket helk talks to: DOCKER_HOST when it is a unix socket, else the default. */
export function dockerSocketPath(env: Record<string, string | undefined> = process.env): string | undefined {
  const host = env.DOCKER_HOST;
  if (!host) return "/var/run/docker.sock";
  return host.startsWith("unix://") ? host.slice("unix://".length) : undefined;
}

/**
 * The Docker socket must be writable to connect. Only a permission problem is reported here;
 * a missing socket or stopped engine is the Docker client's (exit 4, "start it").
 */
export function requireDockerAccess(command: string, socket = dockerSocketPath()): void {
  if (!socket) return;
  try {
    accessSync(socket, constants.R_OK | constants.W_OK);
  } catch (cause) {
    if (denied(cause))
      throw rootOnly(`cannot use Docker at ${socket}: permission denied`, command, cause, " (or add this user to the docker group)");
  }
}

/** Commands that rewrite or remove the install's files check first, not halfway through. */
export function requireWritableHome(home: string, command: string): void {
  try {
    accessSync(home, constants.W_OK);
  } catch (cause) {
    if (denied(cause)) throw rootOnly(`cannot change ${home}: it belongs to root`, command, cause);
  }
}
