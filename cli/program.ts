/**
 * The command tree. Each action lazy-imports its module, so `helk --help` loads commander
 * and nothing else.
 */
import { Command, Option } from "commander";
import { addConfigFlags } from "./config-flags.js";
import type { Printer } from "./output.js";

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;

export function buildProgram(version: string, printer: Printer, setExit: (code: number) => void): Command {
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
      examples([
        "sudo helk install                                   # interactive wizard",
        "helk install --dry-run --profile notebook-analysis --output ./helk-preview",
        "helk profiles",
        "helk config --config helk.config.json",
      ]) +
        "\nConfiguration precedence: flags > HELK_* environment > --config FILE > defaults.\nExit codes: 0 ok, 1 failure, 2 usage or configuration, 3 preflight, 4 Docker engine, 5 unhealthy,\n6 status not healthy, 70 bug in helk, 130 interrupted.\n",
    );

  program
    .command("profiles")
    .description("list build profiles and add-ons with their services and minimum RAM/disk")
    .option("--json", "print JSON for scripts")
    .addHelpText("after", examples(["helk profiles", "helk profiles --json | jq '.profiles[].name'"]))
    .action(async (opts) => {
      const { runProfiles } = await import("./commands/profiles.js");
      setExit(runProfiles(opts, printer));
    });

  const config = addConfigFlags(
    program
      .command("config")
      .description("show the effective configuration and where each value comes from")
      .option("--json", "print JSON: {config, sources}")
      .option("--defaults", "print the documented defaults as a config file to start from")
      .enablePositionalOptions(),
  )
    .addHelpText(
      "after",
      examples([
        "helk config",
        "HELK_PROFILE=core helk config --json",
        "helk config --defaults > helk.config.json",
        "helk config validate helk.config.json",
      ]),
    )
    .action(async (opts) => {
      const { runConfigShow } = await import("./commands/config.js");
      setExit(runConfigShow(opts, printer));
    });

  config
    .command("validate")
    .description("check a configuration file and report every problem with its JSON path (exit 2 when invalid)")
    .argument("<file>", "configuration file to check")
    .option("--json", "print JSON: {file, valid, errors, warnings}")
    .addHelpText("after", examples(["helk config validate helk.config.json", "helk config validate site.json --json"]))
    .action(async (file: string, opts) => {
      const { runConfigValidate } = await import("./commands/config.js");
      setExit(runConfigValidate(file, opts, printer));
    });

  addConfigFlags(
    program
      .command("install")
      .description("install the stack: preflight, host tuning, secrets, compose files, start, health, provisioning")
      .option("--dry-run", "show the plan and check the generated files; start nothing")
      .option("-o, --output <dir>", "with --dry-run: write compose.yaml, .env, secrets and configs here")
      .option("-y, --yes", "accept defaults and consent to host changes (vm.max_map_count)")
      .option("--non-interactive", "never prompt; fail with exit 2 when an answer is missing")
      .option("--json", "print one JSON result at the end instead of progress lines"),
  )
    .addOption(new Option("--wizard", "force the interactive wizard").hideHelp())
    .addHelpText(
      "after",
      examples([
        "sudo helk install",
        "sudo helk install --non-interactive --config helk.config.json --json",
        "helk install --dry-run --yes --profile notebook-analysis --addon alerting --output ./preview",
        "docker compose -f ./preview/compose.yaml config -q",
      ]),
    )
    .action(async (opts) => {
      const { runInstall } = await import("./commands/install.js");
      setExit(await runInstall(opts, printer));
    });

  return program;
}
