/** `helk replay`: publish Mordor / Winlogbeat data sets (JSON lines or JSON arrays) into Kafka, with exact counts. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { KafkaAccess, KafkaSasl } from "../../compose/kafka-access.js";
import { ExitCode, HelkError } from "../../engine/errors.js";
import { RECORD_FILE, readRecord } from "../../engine/install/install-record.js";
import { installKafkaAccess } from "../../engine/kafka-client.js";
import type { Compression } from "../../engine/replay/kafka-producer.js";
import { nothingReplayed, type ReplayProgress, type ReplayResult, replay } from "../../engine/replay/replay.js";
import { type ConfigFlagValues, locateInstallHome } from "../config-flags.js";
import { positiveInt } from "../flag-values.js";
import { type Printer, printJson, table, withStatusLine } from "../output.js";

export interface ReplayFlags extends ConfigFlagValues {
  topic: string;
  bootstrap?: string;
  rate?: string;
  limit?: string;
  dryRun?: boolean;
  compression?: string;
  json?: boolean;
}

const COMPRESSIONS = ["lz4", "none"] as const;

function compressionFlag(value: string | undefined): Compression {
  const codec = (value ?? "lz4").toLowerCase();
  if (!(COMPRESSIONS as readonly string[]).includes(codec))
    throw new HelkError(`--compression ${value} is not one replay speaks`, {
      exitCode: ExitCode.usage,
      hint: "use --compression lz4 (the default) or --compression none",
    });
  return codec as Compression;
}

/**
 * --bootstrap (with a SASL login from HELK_REPLAY_SASL_* when given), else the Kafka of the
 * install on this machine with its own login, else the default port on loopback.
 */
async function kafkaAccess(opts: ReplayFlags): Promise<KafkaAccess> {
  if (opts.bootstrap) return withEnvSasl({ brokers: opts.bootstrap.split(",") });
  const home = await locateInstallHome(opts);
  if (existsSync(join(home, RECORD_FILE))) return installKafkaAccess(readRecord(home).config);
  return withEnvSasl({ brokers: ["127.0.0.1:9092"] });
}

const MECHANISMS = ["scram-sha-512", "scram-sha-256", "plain"] as const;

/** The password comes from the environment, never from a flag: argv is visible to every user. */
function withEnvSasl(access: KafkaAccess): KafkaAccess {
  const username = process.env.HELK_REPLAY_SASL_USERNAME;
  if (!username) return access;
  const password = process.env.HELK_REPLAY_SASL_PASSWORD ?? "";
  const mechanism = (process.env.HELK_REPLAY_SASL_MECHANISM ?? "scram-sha-512").toLowerCase();
  if (!(MECHANISMS as readonly string[]).includes(mechanism))
    throw new HelkError(`HELK_REPLAY_SASL_MECHANISM=${mechanism} is not one HELK speaks`, {
      exitCode: ExitCode.usage,
      hint: `use one of ${MECHANISMS.join(", ")}`,
    });
  return { ...access, sasl: { mechanism: mechanism as KafkaSasl["mechanism"], username, password } };
}

const fmt = (n: number) => n.toLocaleString("en-US");

function progressLine(p: ReplayProgress): string {
  const rate = p.seconds > 0 ? p.events / p.seconds : 0;
  const mbs = p.seconds > 0 ? p.bytes / 1e6 / p.seconds : 0;
  const eta = p.totalBytes && p.bytes > 0 && p.seconds > 0 ? Math.max(0, ((p.totalBytes - p.bytes) / p.bytes) * p.seconds) : undefined;
  return `replaying: ${fmt(p.events)} events, ${fmt(Math.round(rate))} events/s, ${mbs.toFixed(1)} MB/s${eta !== undefined ? `, ETA ${Math.ceil(eta)} s` : ""}`;
}

export async function runReplay(paths: string[], opts: ReplayFlags, printer: Printer): Promise<number> {
  if (paths.length === 0)
    throw new HelkError("no data set given", {
      exitCode: ExitCode.usage,
      hint: "helk replay PATH... (a Mordor .zip, .json/.jsonl, .tar.gz, a directory, or -)",
    });
  const rate = positiveInt(opts.rate, "--rate");
  const limit = positiveInt(opts.limit, "--limit");
  const compression = compressionFlag(opts.compression);
  const kafka = opts.dryRun ? { brokers: [] } : await kafkaAccess(opts);
  const result = await withStatusLine(printer, opts, (show) =>
    replay({
      paths,
      topic: opts.topic,
      kafka,
      dryRun: Boolean(opts.dryRun),
      compression,
      ...(rate ? { rate } : {}),
      ...(limit ? { limit } : {}),
      sink: (e) => {
        if (e.kind === "warn" && !opts.json) printer.err(`warning: ${e.message}`);
      },
      ...(show ? { onProgress: (p: ReplayProgress) => show(progressLine(p)) } : {}),
    }),
  );
  if (opts.json) {
    const { skipped, ...rest } = result;
    printJson(printer, { ...rest, skippedMemberNames: skipped.map((s) => s.name) });
  } else printSummary(printer, result);
  // The counts are printed first, so the error below is read with what was found instead.
  const empty = nothingReplayed(result);
  if (empty) throw empty;
  return ExitCode.ok;
}

function printSummary(printer: Printer, r: ReplayResult): void {
  const rows = [
    [r.dryRun ? "events read (dry run, nothing sent)" : `events sent to ${r.topic} at ${r.bootstrap}`, fmt(r.events)],
    ["blank lines skipped", fmt(r.blankLines)],
    ["unparsable lines", `${fmt(r.unparsableLines)}${r.unparsableExamples.length ? ` (first: ${r.unparsableExamples.join(", ")})` : ""}`],
    ["JSON values that are not objects", fmt(r.nonObjectValues)],
    ["members read as JSON arrays", fmt(r.jsonArrays)],
    ["members read / skipped", `${fmt(r.members)} / ${fmt(r.skippedMembers)}`],
    ["time", `${r.seconds.toFixed(2)} s (${fmt(Math.round(r.events / Math.max(r.seconds, 0.001)))} events/s)`],
  ];
  printer.out(table(["REPLAY", "COUNT"], rows));
}
