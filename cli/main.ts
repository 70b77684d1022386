#!/usr/bin/env node
/**
 * The one error boundary: only this file exits. Typed HelkErrors become their exit code
 * with a hint; usage errors exit 2; Ctrl-C/SIGTERM exit 130; anything else is a bug.
 */
import { CommanderError } from "commander";
import { ExitCode, HelkError } from "../engine/errors.js";
import { VERSION } from "../engine/host/version.js";
import { processPrinter } from "./output.js";
import { buildProgram, specsFor } from "./program.js";

function onSignal(): void {
  process.stderr.write("\ninterrupted; run the same command again to resume\n");
  process.exit(ExitCode.interrupted);
}
// `helk status | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}
process.once("SIGINT", onSignal);
process.once("SIGTERM", onSignal);

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram(
    VERSION,
    processPrinter,
    (c) => {
      code = c;
    },
    specsFor(argv),
  );
  program.exitOverride();
  for (const sub of program.commands) {
    sub.exitOverride();
    for (const nested of sub.commands) nested.exitOverride();
  }
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    return report(err);
  }
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version are "errors" to commander; they already printed.
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
    return ExitCode.usage;
  }
  if (err instanceof HelkError) {
    process.stderr.write(`error: ${err.message}\n`);
    for (const line of err.details) process.stderr.write(`  ${line}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    if (process.env.HELK_DEBUG && err.cause) process.stderr.write(`cause: ${String(err.cause)}\n`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  // Minified bundles make long stack lines: the message and a few frames are enough to report.
  const frames = (e.stack ?? "")
    .split("\n")
    .slice(1, 6)
    .map((l) => l.slice(0, 200));
  process.stderr.write(`helk hit an unexpected error; this is a bug in helk.\n${e.name}: ${e.message}\n${frames.join("\n")}\n`);
  process.stderr.write("Please report it with the command you ran and /var/log/helk-install.log.\n");
  return ExitCode.bug;
}

// main() turns every error into an exit code (a bug's too), so nothing is left to reject.
void main(process.argv).then((code) => {
  process.exitCode = code;
});
