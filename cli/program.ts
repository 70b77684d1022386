/**
 * The command tree. Each action lazy-imports its module, so `helk --help` loads commander
 * and nothing else.
 */
import { Command, Option } from "commander";
import { exitCodeHelp } from "../engine/errors.js";
import { COMMANDS, type CommandSpec } from "./command-table.js";
import { addConfigFlags, collect } from "./config-flags.js";
import type { Printer } from "./output.js";

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;

/**
 * The specs a command line needs: when its first word names a command, that command and its
 * subcommands only (building the whole tree is a few milliseconds of every start, and `status`
 * is meant to answer as fast as `docker compose ps`); else, for help, a flag or a word that
 * names no command (commander suggests the nearest), all of them.
 */
export function specsFor(argv: readonly string[]): CommandSpec[] {
  const first = argv[2];
  const group = (spec: CommandSpec) => spec.name.split(" ")[0];
  const named = first === undefined ? [] : COMMANDS.filter((spec) => group(spec) === first);
  return named.length > 0 ? named : COMMANDS;
}

export function buildProgram(
  version: string,
  printer: Printer,
  setExit: (code: number) => void,
  specs: readonly CommandSpec[] = COMMANDS,
): Command {
  const program = new Command("helk")
    .description(
      "HELK, the Hunting ELK: install and run a threat-hunting stack (Kafka, Logstash, Elasticsearch, Kibana, ksqlDB, Jupyter/Spark) on one machine with Docker Compose.",
    )
    .version(version, "-V, --version", "print helk's version")
    .showHelpAfterError("(run with --help for usage)")
    // A subcommand owns the flags after it: `helk config validate F --json` is validate's --json.
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => printer.out(s), writeErr: (s) => printer.err(s) })
    .addHelpText(
      "after",
      `${examples([
        "sudo helk install                                   # interactive wizard",
        "helk install --dry-run --profile notebook-analysis --output ./helk-preview",
        "helk profiles",
        "helk config --config helk.config.json",
      ])}\nConfiguration precedence: flags > HELK_* environment > --config FILE > defaults.\nExit codes: ${exitCodeHelp()}.\n`,
    );

  for (const spec of specs) register(program, spec, printer, setExit);
  return program;
}

/** One command of the table onto the tree: a "group sub" name goes under its group. */
function register(program: Command, spec: CommandSpec, printer: Printer, setExit: (code: number) => void): void {
  const [group, sub] = spec.name.split(" ") as [string, string | undefined];
  const parent = sub ? program.commands.find((c) => c.name() === group) : program;
  if (!parent) throw new Error(`command table: ${spec.name} comes before its group ${group}`);
  const cmd = parent.command(sub ?? group).description(spec.description);
  for (const [name, description] of spec.args ?? []) cmd.argument(name, description);
  for (const o of spec.options ?? []) {
    const option = new Option(o.flags, o.description);
    if (o.default !== undefined) option.default(o.default);
    if (o.repeatable) option.argParser(collect);
    if (o.hidden) option.hideHelp();
    cmd.addOption(option);
  }
  if (spec.configFlags) addConfigFlags(cmd);
  if (spec.positionalOptions) cmd.enablePositionalOptions();
  if (spec.examples) cmd.addHelpText("after", examples(spec.examples));
  if (spec.more) cmd.addHelpText("after", spec.more);
  const run = spec.run;
  if (run)
    cmd.action(async (...received: unknown[]) => {
      // commander passes the declared arguments, then the options, then the command itself.
      const n = spec.args?.length ?? 0;
      setExit(await run(printer, received[n], received.slice(0, n) as (string | string[])[]));
    });
}
