/** `helk install`: flags → options → engine.install → rendered result. */
import { loadConfig } from "../../engine/config-loader.js";
import { ExitCode, HelkError } from "../../engine/errors.js";
import { silentSink } from "../../engine/events.js";
import { install } from "../../engine/install.js";
import { type ConfigFlagValues, configFlagAssignments } from "../config-flags.js";
import { type Printer, plainSink, printJson } from "../output.js";

export interface InstallFlags extends ConfigFlagValues {
  dryRun?: boolean;
  output?: string;
  yes?: boolean;
  nonInteractive?: boolean;
  json?: boolean;
}

export async function runInstall(opts: InstallFlags, printer: Printer): Promise<number> {
  if (opts.output && !opts.dryRun) {
    throw new HelkError("--output only goes with --dry-run", {
      exitCode: ExitCode.usage,
      hint: "a real install writes into the install home (--install-home, default /opt/helk)",
    });
  }
  const { value: config, warnings } = loadConfig({
    ...(opts.config ? { configFile: opts.config } : {}),
    flags: configFlagAssignments(opts),
  });
  for (const w of warnings) printer.err(`warning: ${w}`);
  const result = await install({
    config,
    dryRun: Boolean(opts.dryRun),
    ...(opts.output ? { output: opts.output } : {}),
    sink: opts.json ? silentSink : plainSink(printer),
  });
  if (opts.json) {
    const { planText: _text, ...rest } = result;
    printJson(printer, rest);
    return 0;
  }
  printer.out(result.planText);
  printer.out(
    result.target
      ? `Dry run: files written to ${result.target}; nothing was started. Run without --dry-run to install.`
      : "Dry run: nothing was written or started. Add --output DIR to keep the generated files.",
  );
  if (!result.compose.checked) printer.err(`note: compose.yaml was not checked by Docker Compose: ${result.compose.reason}`);
  return 0;
}
