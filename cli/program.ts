/**
 * The command tree. Each action lazy-imports its module, so `helk --help` loads commander
 * and nothing else.
 */
import { Command, Option } from "commander";
import { addConfigFlags, collect } from "./config-flags.js";
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
      .description("install the stack: preflight, host tuning, secrets, compose files, start, wait until healthy")
      .option("--dry-run", "show the plan and check the generated files; start nothing")
      .option("-o, --output <dir>", "with --dry-run: write compose.yaml, .env, secrets and configs here")
      .option("-y, --yes", "accept defaults and consent to host changes (vm.max_map_count)")
      .option("--non-interactive", "never prompt; fail with exit 2 when an answer is missing")
      .option("--json", "print one JSON result at the end instead of progress lines")
      .option(
        "--skip-check <name>",
        "skip a preflight check (experts), repeatable: root, engine, memory, disk, ports, max-map-count",
        collect,
      )
      .option("--show-credentials", "with --json: include the generated credentials in the result")
      .option("--skip-provision", "do not create topics, templates and users now (run `helk provision` later)")
      .option("--images-from <file>", "verify and load an archive from `helk images save` first (air-gapped sites)"),
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

  addConfigFlags(
    program
      .command("provision")
      .description(
        "create or update Kafka topics, Elasticsearch templates, retention and users of an install; a second run changes nothing",
      )
      .option("--json", "print JSON: {changes, notes}"),
  )
    .addHelpText("after", examples(["helk provision", "helk provision --json"]))
    .action(async (opts) => {
      const { runProvision } = await import("./commands/provision.js");
      setExit(await runProvision(opts, printer));
    });

  const stackCommand = (name: string, description: string, lines: string[]) =>
    addConfigFlags(program.command(name).description(description)).addHelpText("after", examples(lines));

  stackCommand(
    "status",
    "show each service's state, health, uptime, image, ports and a one-line detail (exit 0 only when all are healthy)",
    ["helk status", "helk status --json | jq '.services[] | select(.health != \"healthy\")'", "helk status --install-home /srv/helk"],
  )
    .option("--json", 'print JSON: {"project", "healthy", "services": [{"name", "state", "health", "image", "ports", "detail"}]}')
    .option("--no-probes", "only what Docker reports; skip each service's protocol probe (faster)")
    .action(async (opts) => {
      const { runStatus } = await import("./commands/status.js");
      setExit(await runStatus(opts, printer));
    });

  stackCommand(
    "reconfigure",
    "change settings of a running install (e.g. a new host IP): re-render, remake the TLS certificate, recreate only what changed; data stays",
    [
      "sudo helk reconfigure --host-ip 10.0.0.20",
      "sudo helk reconfigure --set kafka.topics.winlogbeat.partitions=6",
      "sudo helk reconfigure --host-ip auto --json",
    ],
  )
    .option("--json", 'print JSON: {"hostIp", "changedFiles", "recreated", "unchanged", "logFile"}')
    .action(async (opts) => {
      const { runReconfigure } = await import("./commands/reconfigure.js");
      setExit(await runReconfigure(opts, printer));
    });

  stackCommand(
    "upgrade",
    "move a running install to new image versions: Elasticsearch snapshot first, only changed services recreated, rollback on failure, data kept",
    [
      "sudo helk upgrade --image kafka=apache/kafka:4.1.2",
      "sudo helk upgrade --config site-2026-12.json --json",
      "sudo helk upgrade --image logstash=docker.elastic.co/logstash/logstash:8.19.6 --no-snapshot",
    ],
  )
    .option("--json", 'print JSON: {"changes": {"service": ["from", "to"]}, "snapshot", "notes"}')
    .option("--no-snapshot", "skip the Elasticsearch snapshot (when you have your own backups)")
    .action(async (opts) => {
      const { runUpgrade } = await import("./commands/upgrade.js");
      setExit(await runUpgrade(opts, printer));
    });

  stackCommand("credentials", "show the install's users, passwords and tokens (root only: they live in <home>/secrets, mode 0600)", [
    "sudo helk credentials",
    "sudo helk credentials --json | jq -r .elastic.password",
  ])
    .option("--json", "print JSON")
    .action(async (opts) => {
      const { runCredentials } = await import("./commands/credentials.js");
      setExit(await runCredentials(opts, printer));
    });

  stackCommand("doctor", "find what is wrong with an install (host, engine, containers, known log signatures) and how to fix each", [
    "sudo helk doctor",
    "helk doctor --json | jq '.findings[] | select(.severity == \"error\")'",
    "sudo helk doctor --bundle helk-support.tar.gz",
  ])
    .option("--json", 'print JSON: {"project", "ok", "findings": [{"id", "severity", "subject", "message", "fix"}]}')
    .option("--bundle <file>", "also write a support archive (.tar.gz): findings, versions, compose files, logs; secrets redacted")
    .addHelpText(
      "after",
      "\nLooks at: memory pressure, disk space, vm.max_map_count, ports held by other processes, the\nDocker engine, each container (missing, exited, OOM-killed, exit 137, restart loops, unhealthy),\nKafka's advertised address against this host's, and the last 300 log lines of each service\n(Java heap out of memory, disk watermarks, authentication failures, unreachable brokers).\nExit 0 when nothing is an error, 1 otherwise.\n",
    )
    .action(async (opts) => {
      const { runDoctor } = await import("./commands/doctor.js");
      setExit(await runDoctor(opts, printer));
    });

  stackCommand(
    "verify",
    "self-test the data path: a synthetic Sysmon EID 1 + EID 3 pair through Kafka, Logstash and the join, hop by hop",
    ["sudo helk verify", "helk verify --json | jq .failedHop", "helk verify --timeout 180"],
  )
    .option("--timeout <seconds>", "how long each hop may take", "60")
    .option(
      "--json",
      'print JSON: {"ok", "processGuid", "hops": [{"hop", "path", "outcome", "latencyMs", "detail"}], "failedHop", "leftInElasticsearch", "cleanup"}',
    )
    .addHelpText(
      "after",
      "\nThe pair is what a real endpoint sends: Winlogbeat 8's shape (winlog.event_id, winlog.event_data.*,\nhost.name helk-verify, tags helk-verify), dated now.\nHops: kafka (publish, acks=all) → normalised (Logstash → logs-endpoint-winevent-sysmon-*) →\njoined (the stream join → sysmon-join). A hop whose services are not in the profile is\nskipped. Afterwards every document of the pair is deleted from Elasticsearch and a count\nproves none is left; its two Kafka messages age out with the topic's retention (anything\nmade from them later has Hostname helk-verify). Exit 0 when every hop that applies passed and\nthe pair is gone, 1 naming the first hop that failed (or the clean-up).\n",
    )
    .action(async (opts) => {
      const { runVerify } = await import("./commands/verify.js");
      setExit(await runVerify(opts, printer));
    });

  stackCommand("logs", "show service logs, merged with service prefixes", [
    "helk logs logstash -f",
    "helk logs --tail 50 kafka elasticsearch",
    "helk logs --since 10m --timestamps",
  ])
    .argument("[service...]", "services to show (default: all)")
    .option("-f, --follow", "keep following new lines")
    .option("-n, --tail <lines>", "lines from the end of each log (default: all)")
    .option("--since <time>", "only lines since a time: 2026-01-02T15:04:05 or a duration such as 10m")
    .option("-t, --timestamps", "show timestamps")
    .action(async (services: string[], opts) => {
      const { runLogs } = await import("./commands/stack.js");
      setExit(await runLogs(services, opts));
    });

  for (const [verb, what] of [
    ["start", "start stopped services (all, or the ones named)"],
    ["stop", "stop services without removing them; data and containers stay"],
    ["restart", "restart services (all, or the ones named)"],
  ] as const) {
    stackCommand(verb, what, [`helk ${verb}`, `helk ${verb} logstash kibana`])
      .argument("[service...]", "services (default: all)")
      .action(async (services: string[], opts) => {
        const { runLifecycle } = await import("./commands/stack.js");
        setExit(await runLifecycle(verb, services, opts, printer));
      });
  }

  stackCommand("down", "remove the containers and network; data volumes are kept unless --volumes", [
    "helk down",
    "helk down --volumes --force   # deletes all data",
  ])
    .option("--volumes", "also delete the data volumes (asks you to type the project name)")
    .option("--force", "do not ask for confirmation")
    .action(async (opts) => {
      const { runDown } = await import("./commands/stack.js");
      setExit(await runDown(opts, printer));
    });

  stackCommand("uninstall", "remove the stack and its install home (keeps data volumes and secrets unless --purge)", [
    "sudo helk uninstall",
    "sudo helk uninstall --purge --force   # deletes all data",
  ])
    .option("--purge", "also delete data volumes and secrets")
    .option("--force", "do not ask for confirmation")
    .option("--json", "print JSON")
    .action(async (opts) => {
      const { runUninstall } = await import("./commands/stack.js");
      setExit(await runUninstall(opts, printer));
    });

  const images = program
    .command("images")
    .description("the images a profile runs, and archives of them for air-gapped sites (save on a connected machine, load on the target)");
  addConfigFlags(
    images.command("list").description("the configured upstream images and HELK's layers of a profile").option("--json", "print JSON"),
  )
    .addHelpText("after", examples(["helk images list --profile notebook-analysis"]))
    .action(async (opts) => {
      const { runImagesList } = await import("./commands/images.js");
      setExit(await runImagesList(opts, printer));
    });
  addConfigFlags(
    images
      .command("save")
      .description("write exactly the profile's images into one archive with sha256 checksums")
      .argument("<file>", "archive to write (a .tar)")
      .option("--json", "print the archive's manifest"),
  )
    .addHelpText(
      "after",
      examples(["helk images save helk-images.tar --profile analysis", "helk images save /media/usb/helk.tar --config site.json"]),
    )
    .action(async (file: string, opts) => {
      const { runImagesSave } = await import("./commands/images.js");
      setExit(await runImagesSave(file, opts, printer));
    });
  images
    .command("load")
    .description("verify every image of an archive (sha256 and id), then docker load them; a damaged archive loads nothing")
    .argument("<file>", "archive written by `helk images save`")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      examples(["sudo helk images load helk-images.tar", "sudo helk install --images-from helk-images.tar"]) +
        "\nExit 9 when the archive is truncated or altered.\n",
    )
    .action(async (file: string, opts) => {
      const { runImagesLoad } = await import("./commands/images.js");
      setExit(await runImagesLoad(file, opts, printer));
    });

  addConfigFlags(
    program
      .command("replay")
      .description("publish Mordor / Security-Datasets or Winlogbeat events (JSON lines or a JSON array) into Kafka, counting every one")
      .argument("[path...]", "a Mordor .zip, a .json/.jsonl/.ndjson file, a .tar.gz, a directory of these, or - for standard input")
      .option("--topic <name>", "Kafka topic", "winlogbeat")
      .option(
        "--bootstrap <host:port,...>",
        "Kafka to publish to (default: this machine's HELK install with its SASL login, else 127.0.0.1:9092)",
      )
      .option("--rate <n>", "at most N events per second")
      .option("--limit <n>", "stop after N events")
      .option("--dry-run", "read and count everything; send nothing (no broker needed)")
      .option(
        "--json",
        "print one JSON object: events, blankLines, unparsableLines, nonObjectValues, jsonArrays, skippedMembers, seconds, ...",
      ),
  )
    .addHelpText(
      "after",
      examples([
        "helk replay ../shared/datasets/mordor/empire_launcher_sct_regsvr32.zip",
        "helk replay datasets/ --dry-run --json",
        "zcat events.json.gz | helk replay - --topic winlogbeat --bootstrap 127.0.0.1:9092",
        "helk replay big.zip --rate 500 --limit 10000",
        "helk replay sysmon-12-processcreate.evtx.golden.json   # a JSON array, as Elastic's Winlogbeat samples",
      ]) +
        "\nFormats, in files or inside .zip / .tar.gz members or on standard input, judged by the first\nbyte that is not whitespace:\n  JSON lines   one event (a JSON object) per line; blank lines are skipped and counted\n  JSON array   [ {...}, {...} ] on one line or pretty-printed (Elastic's Winlogbeat golden\n               files, jq -s output); each element is one event, read as it streams (one event in memory at a time)\nA pretty-printed single object is refused: compact it with jq -c.\nEach event's key is its host name (Hostname, host.name or winlog.computer_name), so one\nhost's events keep their order within a partition; the value is the original line, byte for byte\n(an array element: its compact JSON text).\nExit codes: 2 missing path, 7 nothing to replay (also: input read but no event in it), 8 not JSON\nlines nor a JSON array, 9 truncated or corrupt archive or JSON array (its position named), 10 Kafka.\nWith --bootstrap, a SASL login comes from the environment (never a flag):\nHELK_REPLAY_SASL_USERNAME, HELK_REPLAY_SASL_PASSWORD, HELK_REPLAY_SASL_MECHANISM (scram-sha-512, scram-sha-256, plain).\n",
    )
    .action(async (paths: string[], opts) => {
      const { runReplay } = await import("./commands/replay.js");
      setExit(await runReplay(paths, opts, printer));
    });

  return program;
}
