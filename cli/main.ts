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
  processPrinter.err("\ninterrupted; run the same command again to resume");
  process.exit(ExitCode.interrupted);
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
    processPrinter.err(`error: ${err.message}`);
    for (const line of err.details) processPrinter.err(`  ${line}`);
    if (err.hint) processPrinter.err(`hint: ${err.hint}`);
    if (process.env.HELK_DEBUG && err.cause) processPrinter.err(`cause: ${String(err.cause)}`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  // Minified bundles make long stack lines: the message and a few frames are enough to report.
  const frames = (e.stack ?? "")
    .split("\n")
    .slice(1, 6)
    .map((l) => l.slice(0, 200));
  processPrinter.err(`helk hit an unexpected error; this is a bug in helk.\n${e.name}: ${e.message}\n${frames.join("\n")}`);
  processPrinter.err("Please report it with the command you ran and /var/log/helk-install.log.");
  return ExitCode.bug;
}

// main() turns every error into an exit code (a bug's too), so nothing is left to reject.
void main(process.argv).then((code) => {
  process.exitCode = code;
});
