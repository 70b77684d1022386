/** Day-2 commands: status, logs, start, stop, restart, down, uninstall. Thin adapters over engine/stack/stack.ts. */
import { ExitCode, HelkError } from "../../engine/errors.js";
import { requireDockerAccess, requireWritableHome } from "../../engine/host/user-access.js";
import * as engine from "../../engine/stack/stack.js";
import { type ConfigFlagValues, locateInstallHome } from "../config-flags.js";
import { type Printer, printJson } from "../output.js";

/** The install, once this user may do what `command` does to it (engine/host/user-access.ts). */
async function open(opts: ConfigFlagValues, command: string, writesHome = false): Promise<engine.Stack> {
  const home = await locateInstallHome(opts);
  const stack = await engine.openStack(home);
  if (writesHome) requireWritableHome(home, command);
  requireDockerAccess(command);
  return stack;
}

export async function runLogs(
  services: string[],
  opts: ConfigFlagValues & { follow?: boolean; tail?: string; since?: string; timestamps?: boolean },
): Promise<number> {
  const stack = await open(opts, "logs");
  return engine.logs(stack, {
    services,
    follow: Boolean(opts.follow),
    ...(opts.tail ? { tail: opts.tail } : {}),
    ...(opts.since ? { since: opts.since } : {}),
    timestamps: Boolean(opts.timestamps),
  });
}

export async function runLifecycle(
  verb: "start" | "stop" | "restart",
  services: string[],
  opts: ConfigFlagValues,
  printer: Printer,
): Promise<number> {
  const stack = await open(opts, verb);
  const verbs = { start: engine.start, stop: engine.stop, restart: engine.restart };
  // Only warnings are worth a line here (a Sigma rule refused at start); the verb prints its result.
  await verbs[verb](stack, services, { sink: (e) => (e.kind === "warn" ? printer.err(`warning: ${e.message}`) : undefined) });
  printer.out(`${verb}: ${services.length ? services.join(", ") : `all services of ${stack.record.project}`} done`);
  return ExitCode.ok;
}

/** Deleting data needs the project name typed back, or --force; never a silent default. */
async function confirmDeletion(what: string, project: string, force: boolean, printer: Printer): Promise<void> {
  if (force) return;
  if (!process.stdin.isTTY || !printer.isTTY) {
    throw new HelkError(`refusing to ${what} without confirmation`, {
      exitCode: ExitCode.usage,
      hint: "run it in a terminal to confirm, or pass --force",
    });
  }
  const { input } = await import("@inquirer/prompts");
  const typed = await input({ message: `This will ${what}. Type the project name (${project}) to confirm:` });
  if (typed.trim() !== project) throw new HelkError("not confirmed; nothing was deleted", { exitCode: ExitCode.usage });
}

export async function runDown(opts: ConfigFlagValues & { volumes?: boolean; force?: boolean }, printer: Printer): Promise<number> {
  const stack = await open(opts, "down");
  if (opts.volumes)
    await confirmDeletion(
      `delete ALL data of ${stack.record.project} (Kafka, Elasticsearch, notebooks)`,
      stack.record.project,
      Boolean(opts.force),
      printer,
    );
  const r = await engine.down(stack, { volumes: Boolean(opts.volumes) });
  printer.out(
    opts.volumes
      ? `down: containers removed; data volumes deleted: ${r.removedVolumes.join(", ") || "none"}`
      : "down: containers removed; data volumes kept (helk install or helk start brings it back)",
  );
  return ExitCode.ok;
}

export async function runUninstall(
  opts: ConfigFlagValues & { purge?: boolean; force?: boolean; json?: boolean },
  printer: Printer,
): Promise<number> {
  const stack = await open(opts, "uninstall", true);
  await confirmDeletion(
    opts.purge
      ? `remove ${stack.record.project}, its install home and ALL its data`
      : `remove ${stack.record.project} and its install home (data volumes are kept)`,
    stack.record.project,
    Boolean(opts.force),
    printer,
  );
  const r = await engine.uninstall(stack, { purge: Boolean(opts.purge) });
  if (opts.json) printJson(printer, r);
  else
    printer.out(
      opts.purge
        ? `uninstalled: removed ${r.removedHome} and volumes ${r.removedVolumes.join(", ") || "none"}`
        : `uninstalled: removed the stack and ${r.removedHome} except secrets/ and rules/ (your Sigma rules); data volumes kept (a later install in the same home reuses them)`,
    );
  return ExitCode.ok;
}
