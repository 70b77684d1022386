/**
 * Every command of `helk`, as data: name, arguments, options, examples and the module that runs
 * it (imported only when the command runs, so `helk --help` loads nothing else). The table is
 * long because it is the CLI's whole surface, read top down; cli/program.ts registers it.
 */
import type { Printer } from "./output.js";

// biome-ignore lint/suspicious/noExplicitAny: commander hands options over untyped; each command's run function declares its own flags type.
type Opts = any;
/** The declared arguments, in order: a string, or a list for a variadic one. */
type Args = (string | string[])[];

export interface OptionSpec {
  flags: string;
  description: string;
  default?: string;
  /** Repeatable: each use adds to a list. */
  repeatable?: boolean;
  /** Accepted but left out of --help (e.g. a flag for tests). */
  hidden?: boolean;
}

export interface CommandSpec {
  /** "install", or "images save" for a subcommand of a group. */
  name: string;
  description: string;
  args?: [name: string, description: string][];
  options?: OptionSpec[];
  /** Takes --config, --profile, --set and the other configuration flags (cli/config-flags.ts). */
  configFlags?: boolean;
  examples?: string[];
  /** More help after the examples. */
  more?: string;
  /** Subcommands own the flags after them (`helk config validate F --json`). */
  positionalOptions?: boolean;
  /** Runs the command; positional arguments first, as declared. Absent for a group such as `images`. */
  run?: (printer: Printer, opts: Opts, args: Args) => Promise<number> | number;
}

const json = (description = "print JSON"): OptionSpec => ({ flags: "--json", description });

// biome-ignore format: one command per block reads best
export const COMMANDS: CommandSpec[] = [
  {
    name: "profiles",
    description: "list build profiles and add-ons with their services and minimum RAM/disk",
    options: [json("print JSON for scripts")],
    examples: ["helk profiles", "helk profiles --json | jq '.profiles[].name'"],
    run: async (p, o) => (await import("./commands/profiles.js")).runProfiles(o, p),
  },
  {
    name: "config",
    description: "show the effective configuration and where each value comes from",
    options: [
      json("print JSON: {config, sources}"),
      { flags: "--defaults", description: "print the documented defaults as a config file to start from" },
    ],
    configFlags: true,
    positionalOptions: true,
    examples: ["helk config", "HELK_PROFILE=core helk config --json", "helk config --defaults > helk.config.json", "helk config validate helk.config.json"],
    run: async (p, o) => (await import("./commands/config.js")).runConfigShow(o, p),
  },
  {
    name: "config validate",
    description: "check a configuration file and report every problem with its JSON path (exit 2 when invalid)",
    args: [["<file>", "configuration file to check"]],
    options: [json("print JSON: {file, valid, errors, warnings}")],
    examples: ["helk config validate helk.config.json", "helk config validate site.json --json"],
    run: async (p, o, [file]) => (await import("./commands/config.js")).runConfigValidate(file as string, o, p),
  },
  {
    name: "install",
    description: "install the stack: preflight, host tuning, secrets, compose files, start, wait until healthy",
    options: [
      { flags: "--dry-run", description: "show the plan and check the generated files; start nothing" },
      { flags: "-o, --output <dir>", description: "with --dry-run: write compose.yaml, .env, secrets and configs here" },
      { flags: "-y, --yes", description: "accept defaults and consent to host changes (vm.max_map_count)" },
      { flags: "--non-interactive", description: "never prompt; fail with exit 2 when an answer is missing" },
      json("print one JSON result at the end instead of progress lines"),
      {
        flags: "--skip-check <name>",
        description: "skip a preflight check (experts), repeatable: root, engine, memory, disk, ports, max-map-count",
        repeatable: true,
      },
      { flags: "--show-credentials", description: "with --json: include the generated credentials in the result" },
      { flags: "--skip-provision", description: "do not create topics, templates and users now (run `helk provision` later)" },
      { flags: "--images-from <file>", description: "verify and load an archive from `helk images save` first (air-gapped sites)" },
      { flags: "--wizard", description: "force the interactive wizard", hidden: true },
    ],
    configFlags: true,
    examples: [
      "sudo helk install",
      "sudo helk install --non-interactive --config helk.config.json --json",
      "helk install --dry-run --yes --profile notebook-analysis --addon alerting --output ./preview",
      "docker compose -f ./preview/compose.yaml config -q",
    ],
    run: async (p, o) => (await import("./commands/install.js")).runInstall(o, p),
  },
  {
    name: "provision",
    description: "create or update Kafka topics, Elasticsearch templates, retention and users of an install; a second run changes nothing",
    options: [json("print JSON: {changes, notes}")],
    configFlags: true,
    examples: ["helk provision", "helk provision --json"],
    run: async (p, o) => (await import("./commands/provision.js")).runProvision(o, p),
  },
  {
    name: "status",
    description: "show each service's state, health, uptime, image, ports and a one-line detail (exit 0 only when all are healthy)",
    options: [
      json('print JSON: {"project", "healthy", "services": [{"name", "state", "health", "image", "ports", "detail"}], "alerts" (alerting add-on): {"lastHour": {rule: n}, "total", "detail"}}'),
      { flags: "--no-probes", description: "only what Docker reports; skip each service's protocol probe (faster)" },
    ],
    configFlags: true,
    examples: ["helk status", "helk status --json | jq '.services[] | select(.health != \"healthy\")'", "helk status --install-home /srv/helk"],
    run: async (p, o) => (await import("./commands/status.js")).runStatus(o, p),
  },
  {
    name: "reconfigure",
    description: "change settings of a running install (e.g. a new host IP): re-render, remake the TLS certificate, recreate only what changed; data stays",
    options: [json('print JSON: {"hostIp", "changedFiles", "recreated", "unchanged", "logFile"}')],
    configFlags: true,
    examples: [
      "sudo helk reconfigure --host-ip 10.0.0.20",
      "sudo helk reconfigure --set kafka.topics.winlogbeat.partitions=6",
      "sudo helk reconfigure --host-ip auto --json",
    ],
    run: async (p, o) => (await import("./commands/reconfigure.js")).runReconfigure(o, p),
  },
  {
    name: "upgrade",
    description: "move a running install to new image versions: Elasticsearch snapshot first, only changed services recreated, rollback on failure, data kept",
    options: [
      json('print JSON: {"changes": {"service": ["from", "to"]}, "snapshot", "notes"}'),
      { flags: "--no-snapshot", description: "skip the Elasticsearch snapshot (when you have your own backups)" },
    ],
    configFlags: true,
    examples: [
      "sudo helk upgrade --image kafka=apache/kafka:4.1.2",
      "sudo helk upgrade --config site-2026-12.json --json",
      "sudo helk upgrade --image logstash=docker.elastic.co/logstash/logstash:8.19.6 --no-snapshot",
    ],
    run: async (p, o) => (await import("./commands/upgrade.js")).runUpgrade(o, p),
  },
  {
    name: "credentials",
    description: "show the install's users, passwords and tokens (root only: they live in <home>/secrets, mode 0600)",
    options: [json()],
    configFlags: true,
    examples: ["sudo helk credentials", "sudo helk credentials --json | jq -r .elastic.password"],
    run: async (p, o) => (await import("./commands/credentials.js")).runCredentials(o, p),
  },
  {
    name: "doctor",
    description: "find what is wrong with an install (host, engine, containers, known log signatures) and how to fix each",
    options: [
      json('print JSON: {"project", "ok", "findings": [{"id", "severity", "subject", "message", "fix"}]}'),
      { flags: "--bundle <file>", description: "also write a support archive (.tar.gz): findings, versions, compose files, logs; secrets redacted" },
    ],
    configFlags: true,
    examples: ["sudo helk doctor", "helk doctor --json | jq '.findings[] | select(.severity == \"error\")'", "sudo helk doctor --bundle helk-support.tar.gz"],
    more: "\nLooks at: memory pressure, disk space, vm.max_map_count, ports held by other processes, the\nDocker engine, each container (missing, exited, OOM-killed, exit 137, restart loops, unhealthy),\nKafka's advertised address against this host's, and the last 300 log lines of each service\n(Java heap out of memory, disk watermarks, authentication failures, unreachable brokers).\nExit 0 when nothing is an error, 1 otherwise.\n",
    run: async (p, o) => (await import("./commands/doctor.js")).runDoctor(o, p),
  },
  {
    name: "verify",
    description: "self-test the data path: a synthetic Sysmon EID 1 + EID 3 pair through Kafka, Logstash and the join, hop by hop",
    options: [
      { flags: "--timeout <seconds>", description: "how long each hop may take", default: "60" },
      json('print JSON: {"ok", "processGuid", "hops": [{"hop", "path", "outcome", "latencyMs", "detail"}], "failedHop", "leftInElasticsearch", "cleanup"}'),
    ],
    configFlags: true,
    examples: ["sudo helk verify", "helk verify --json | jq .failedHop", "helk verify --timeout 180"],
    more: "\nThe pair is what a real endpoint sends: Winlogbeat 8's shape (winlog.event_id, winlog.event_data.*,\nhost.name helk-verify, tags helk-verify), dated now.\nHops: kafka (publish, acks=all) → normalised (Logstash → logs-endpoint-winevent-sysmon-*) →\njoined (the stream join → sysmon-join). A hop whose services are not in the profile is\nskipped. Afterwards every document of the pair is deleted from Elasticsearch and a count\nproves none is left; its two Kafka messages age out with the topic's retention (anything\nmade from them later has Hostname helk-verify). Exit 0 when every hop that applies passed and\nthe pair is gone, 1 naming the first hop that failed (or the clean-up).\n",
    run: async (p, o) => (await import("./commands/verify.js")).runVerify(o, p),
  },
  {
    name: "logs",
    description: "show service logs, merged with service prefixes",
    args: [["[service...]", "services to show (default: all)"]],
    options: [
      { flags: "-f, --follow", description: "keep following new lines" },
      { flags: "-n, --tail <lines>", description: "lines from the end of each log (default: all)" },
      { flags: "--since <time>", description: "only lines since a time: 2026-01-02T15:04:05 or a duration such as 10m" },
      { flags: "-t, --timestamps", description: "show timestamps" },
    ],
    configFlags: true,
    examples: ["helk logs logstash -f", "helk logs --tail 50 kafka elasticsearch", "helk logs --since 10m --timestamps"],
    run: async (_p, o, [services]) => (await import("./commands/stack.js")).runLogs(services as string[], o),
  },
  ...(
    [
      ["start", "start stopped services (all, or the ones named)"],
      ["stop", "stop services without removing them; data and containers stay"],
      ["restart", "restart services (all, or the ones named)"],
    ] as const
  ).map(
    ([verb, description]): CommandSpec => ({
      name: verb,
      description,
      args: [["[service...]", "services (default: all)"]],
      configFlags: true,
      examples: [`helk ${verb}`, `helk ${verb} logstash kibana`],
      run: async (p, o, [services]) => (await import("./commands/stack.js")).runLifecycle(verb, services as string[], o, p),
    }),
  ),
  {
    name: "down",
    description: "remove the containers and network; data volumes are kept unless --volumes",
    options: [
      { flags: "--volumes", description: "also delete the data volumes (asks you to type the project name)" },
      { flags: "--force", description: "do not ask for confirmation" },
    ],
    configFlags: true,
    examples: ["helk down", "helk down --volumes --force   # deletes all data"],
    run: async (p, o) => (await import("./commands/stack.js")).runDown(o, p),
  },
  {
    name: "uninstall",
    description: "remove the stack and its install home (keeps data volumes, secrets and your Sigma rules unless --purge)",
    options: [
      { flags: "--purge", description: "also delete data volumes and secrets" },
      { flags: "--force", description: "do not ask for confirmation" },
      json(),
    ],
    configFlags: true,
    examples: ["sudo helk uninstall", "sudo helk uninstall --purge --force   # deletes all data"],
    run: async (p, o) => (await import("./commands/stack.js")).runUninstall(o, p),
  },
  {
    name: "images",
    description: "the images a profile runs, and archives of them for air-gapped sites (save on a connected machine, load on the target)",
  },
  {
    name: "images list",
    description: "the configured upstream images and HELK's layers of a profile",
    options: [json()],
    configFlags: true,
    examples: ["helk images list --profile notebook-analysis"],
    run: async (p, o) => (await import("./commands/images.js")).runImagesList(o, p),
  },
  {
    name: "images save",
    description: "write exactly the profile's images into one archive with sha256 checksums",
    args: [["<file>", "archive to write (a .tar)"]],
    options: [json("print the archive's manifest")],
    configFlags: true,
    examples: ["helk images save helk-images.tar --profile analysis", "helk images save /media/usb/helk.tar --config site.json"],
    run: async (p, o, [file]) => (await import("./commands/images.js")).runImagesSave(file as string, o, p),
  },
  {
    name: "images load",
    description: "verify every image of an archive (sha256 and id), then docker load them; a damaged archive loads nothing",
    args: [["<file>", "archive written by `helk images save`"]],
    options: [json()],
    examples: ["sudo helk images load helk-images.tar", "sudo helk install --images-from helk-images.tar"],
    more: "\nExit 9 when the archive is truncated or altered.\n",
    run: async (p, o, [file]) => (await import("./commands/images.js")).runImagesLoad(file as string, o, p),
  },
  {
    name: "rules",
    description: "Sigma detection rules run by ElastAlert (the alerting add-on): add, list, remove, show, disable, enable",
    more: "\nHELK converts each Sigma rule (pySigma, inside HELK's ElastAlert image) into Lucene queries over\nits Sysmon/Windows indices and the joined sysmon-join documents; ElastAlert runs them every\nminute and writes each match into the index helk-alerts (Kibana: the \"HELK alerts\" search).\nHELK ships its own rules (origin helk); yours live in <install home>/rules/sigma/ (origin user).\n",
  },
  {
    name: "rules add",
    description: "copy Sigma rules (a .yml file or a folder of them) into the install and load them; each is reported loaded or refused with why",
    args: [["<path>", "a Sigma rule file (.yml/.yaml) or a folder of them (searched recursively)"]],
    options: [
      { flags: "--replace", description: "overwrite a different file of the same name already added (never done silently)" },
      json('print JSON: {"rules": [{"id", "title", "file", "origin", "state", "reason", "names"}], "ignored", "unchanged", "active", "refused"}'),
    ],
    configFlags: true,
    examples: [
      "sudo helk rules add my-rules/proc_creation_win_regsvr32_scriptlet.yml",
      "git clone --depth 1 https://github.com/SigmaHQ/sigma.git && sudo helk rules add sigma/rules/windows/process_creation",
      "sudo helk rules add ./detections --json | jq '.rules[] | select(.state == \"refused\")'",
    ],
    more: "\nA folder keeps its layout: sigma/rules/windows/process_creation goes to rules/sigma/process_creation/.\nFiles that are not .yml/.yaml in a folder are ignored (and counted). A rule the converter refuses\n(a YAML error, a field HELK does not map, a log source HELK does not collect) is named with the\nreason and kept out of rules/sigma/; the others load. Exit 0 when every rule loaded, 11 when some\nwere refused, 2 for a path that holds no rule, 3 when not root.\nSigmaHQ's rules are under the Detection Rule License (DRL) 1.1: keep their author and licence\nlines when you share them or alerts made from them.\n",
    run: async (p, o, [path]) => (await import("./commands/rules.js")).runRulesAdd(path as string, o, p),
  },
  {
    name: "rules list",
    description: "every rule with its id, origin (helk/user), state (loaded/refused) and alerts so far",
    options: [json('print JSON: {"convertedAt", "rules": [{"id", "title", "file", "origin", "state", "reason", "names", "alerts"}], "countsError"}')],
    configFlags: true,
    examples: ["sudo helk rules list", "sudo helk rules list --json | jq '.rules[] | select(.alerts > 0) | .title'"],
    more: "\nAlerts are counted in helk-alerts by rule name; when Elasticsearch does not answer they show ? and\nthe list still prints.\n",
    run: async (p, o) => (await import("./commands/rules.js")).runRulesList(o, p),
  },
  {
    name: "rules remove",
    description: "remove a rule you added (by Sigma id or file) and stop its alerts; HELK's own rules cannot be removed (disable them)",
    args: [["<id|file>", "the rule's Sigma id (or its first 8 characters), or its file under rules/sigma/ (as helk rules list shows it)"]],
    options: [json('print JSON: {"removed", "rules", "active"}')],
    configFlags: true,
    examples: ["sudo helk rules remove 5f1b3c3e", "sudo helk rules remove process_creation/proc_creation_win_regsvr32_scriptlet.yml"],
    run: async (p, o, [arg]) => (await import("./commands/rules.js")).runRulesRemove(arg as string, o, p),
  },
  {
    name: "rules show",
    description: "one rule: its query on each index it runs on, and its most recent alerts",
    args: [["<id|file>", "the rule's Sigma id (its first 8 characters, as helk rules list shows it, will do), or its file"]],
    options: [{ flags: "-n, --limit <n>", description: "how many recent alerts", default: "10" }, json()],
    configFlags: true,
    examples: ["sudo helk rules show 5f1b3c3e-5b5f-4a62-9a1c-0e7f8f1f2a11", "sudo helk rules show windows/regsvr32_scriptlet_network.yml --limit 3 --json"],
    run: async (p, o, [arg]) => (await import("./commands/rules.js")).runRulesShow(arg as string, o, p),
  },
  ...(
    [
      ["disable", "stop a rule's alerts without removing it (HELK's own rules too); it stays listed as disabled"],
      ["enable", "run a disabled rule again"],
    ] as const
  ).map(
    ([verb, description]): CommandSpec => ({
      name: `rules ${verb}`,
      description,
      args: [["<id|file>", "the rule's Sigma id (or its first 8 characters), or its file"]],
      options: [json('print JSON: {"rules", "active"}')],
      configFlags: true,
      examples: [`sudo helk rules ${verb} 8762a89f`],
      run: async (p, o, [arg]) => (await import("./commands/rules.js")).runRulesDisable(verb, arg as string, o, p),
    }),
  ),
  {
    name: "rules convert",
    description: "convert every rule again (after editing a file in rules/sigma/ by hand); exit 11 when one is refused",
    options: [json()],
    configFlags: true,
    examples: ["sudo helk rules convert"],
    run: async (p, o) => (await import("./commands/rules.js")).runRulesConvert(o, p),
  },
  {
    name: "replay",
    description: "publish Mordor / Security-Datasets or Winlogbeat events (JSON lines or a JSON array) into Kafka, counting every one",
    args: [["[path...]", "a Mordor .zip, a .json/.jsonl/.ndjson file, a .tar.gz, a directory of these, or - for standard input"]],
    options: [
      { flags: "--topic <name>", description: "Kafka topic", default: "winlogbeat" },
      {
        flags: "--bootstrap <host:port,...>",
        description: "Kafka to publish to (default: this machine's HELK install with its SASL login, else 127.0.0.1:9092)",
      },
      { flags: "--rate <n>", description: "at most N events per second" },
      { flags: "--limit <n>", description: "stop after N events" },
      { flags: "--dry-run", description: "read and count everything; send nothing (no broker needed)" },
      {
        flags: "--compression <codec>",
        description: "lz4 (batches about 11x smaller for Sysmon JSON: less for the broker to read and store) or none (for consumers without LZ4)",
        default: "lz4",
      },
      json("print one JSON object: events, blankLines, unparsableLines, nonObjectValues, jsonArrays, skippedMembers, seconds, ..."),
    ],
    configFlags: true,
    examples: [
      "helk replay ../shared/datasets/mordor/empire_launcher_sct_regsvr32.zip",
      "helk replay datasets/ --dry-run --json",
      "zcat events.json.gz | helk replay - --topic winlogbeat --bootstrap 127.0.0.1:9092",
      "helk replay big.zip --rate 500 --limit 10000",
      "helk replay sysmon-12-processcreate.evtx.golden.json   # a JSON array, as Elastic's Winlogbeat samples",
    ],
    more: "\nFormats, in files or inside .zip / .tar.gz members or on standard input, judged by the first\nbyte that is not whitespace:\n  JSON lines   one event (a JSON object) per line; blank lines are skipped and counted\n  JSON array   [ {...}, {...} ] on one line or pretty-printed (Elastic's Winlogbeat golden\n               files, jq -s output); each element is one event, read as it streams (one event in memory at a time)\nA pretty-printed single object is refused: compact it with jq -c.\nEach event's key is its host name (Hostname, host.name or winlog.computer_name), so one\nhost's events keep their order within a partition; the value is the original line, byte for byte\n(an array element: its compact JSON text).\nBatches go LZ4-compressed, Kafka's own codec, which Logstash, Spark and ksqlDB read: the shared\ndata sets shrink about 11 times, so the broker reads and stores a tenth of the bytes.\n--compression none for a consumer without LZ4 (kafkajs has none built in).\nExit codes: 2 missing path, 7 nothing to replay (also: input read but no event in it), 8 not JSON\nlines nor a JSON array, 9 truncated or corrupt archive or JSON array (its position named), 10 Kafka.\nWith --bootstrap, a SASL login comes from the environment (never a flag):\nHELK_REPLAY_SASL_USERNAME, HELK_REPLAY_SASL_PASSWORD, HELK_REPLAY_SASL_MECHANISM (scram-sha-512, scram-sha-256, plain).\n",
    run: async (p, o, [paths]) => (await import("./commands/replay.js")).runReplay(paths as string[], o, p),
  },
];
