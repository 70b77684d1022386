/**
 * The replay verb: plan the inputs, refuse what is not JSON (lines or an array) before sending
 * anything, then stream every member event by event into Kafka in ordered batches, counting
 * exactly. A non-empty input that yields no event is an error (nothingReplayed), never a success.
 */
import type { Readable } from "node:stream";
import { describeKafkaAccess, type KafkaAccess } from "../../compose/kafka-access.js";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import { ExitCode, HelkError } from "../errors.js";
import type { ProgressSink } from "../events.js";
import { BatchSender } from "./batch-sender.js";
import { JsonArrayError } from "./json-array.js";
import type { Compression, EventSink } from "./kafka-producer.js";
import { emptyCounts, type ReplayCounts } from "./lines.js";
import { ArrayElementError, memberEvents } from "./member-events.js";
import { SAMPLE_BYTES, sniff } from "./sniff.js";
import { type Member, planSources } from "./sources.js";

export interface ReplayOptions {
  paths: string[];
  topic: string;
  /** Where to publish (and the SCRAM login when the listener requires one). */
  kafka: KafkaAccess;
  /** Events per second at most. */
  rate?: number;
  /** Stop after this many events. */
  limit?: number;
  dryRun: boolean;
  /** Events per Kafka request. */
  batchSize?: number;
  /** How batches go to Kafka: LZ4-compressed unless "none". */
  compression?: Compression;
  sink: ProgressSink;
  /** Progress snapshots (TTY rendering), about four a second. */
  onProgress?: (p: ReplayProgress) => void;
  stdin?: Readable;
  clock?: Clock;
  /** Injected producer (tests, bench); kafka-producer.ts's otherwise. */
  producer?: (kafka: KafkaAccess, topic: string, compression: Compression) => Promise<EventSink>;
}

export interface ReplayProgress {
  events: number;
  bytes: number;
  totalBytes?: number;
  seconds: number;
}

export interface ReplayResult extends ReplayCounts {
  topic: string;
  bootstrap: string;
  dryRun: boolean;
  seconds: number;
  skipped: { name: string; reason: string }[];
}

/** Read chunks until a sniff sample is full or the stream ends; the iterator can go on. */
async function readHead(it: AsyncIterator<Buffer | string>): Promise<{ head: Buffer[]; done: boolean }> {
  const head: Buffer[] = [];
  let size = 0;
  while (size < SAMPLE_BYTES) {
    const next = await it.next();
    if (next.done) return { head, done: true };
    const buf = typeof next.value === "string" ? Buffer.from(next.value) : next.value;
    head.push(buf);
    size += buf.length;
  }
  return { head, done: false };
}

async function readSample(member: Member): Promise<{ sample: Buffer; whole: boolean }> {
  const stream = await member.open();
  const { head, done } = await readHead(stream[Symbol.asyncIterator]());
  stream.destroy();
  return { sample: Buffer.concat(head).subarray(0, SAMPLE_BYTES), whole: done };
}

/** What replay reads, for hints. */
export const ACCEPTED_FORMATS =
  "replay takes JSON events: one per line (Mordor/Security-Datasets .zip files, Winlogbeat .json/.jsonl output) or a JSON array of them (one line or pretty-printed)";

function refuse(name: string, reason: string, sent: number): HelkError {
  return new HelkError(`${name} is not JSON lines: ${reason} (${sent} events sent before it)`, {
    exitCode: ExitCode.notJsonLines,
    hint: ACCEPTED_FORMATS,
  });
}

function brokenArray(name: string, err: JsonArrayError | ArrayElementError, sent: number): HelkError {
  return new HelkError(`${name} is a broken JSON array: ${err.message} (${sent} events sent before the error)`, {
    exitCode: ExitCode.corruptInput,
    hint: "the file may be truncated or hand-edited: `jq length FILE` shows where it breaks; fix or export it again, then replay it again",
    cause: err,
  });
}

/**
 * A non-empty input that yields no event is not a replay: say what was found instead and what
 * to do. Undefined when events were read, or when the input was empty.
 */
export function nothingReplayed(r: ReplayResult): HelkError | undefined {
  if (r.events > 0 || r.bytes === 0) return undefined;
  const found = [
    r.blankLines ? `${r.blankLines} blank line${r.blankLines === 1 ? "" : "s"}` : "",
    r.unparsableLines
      ? `${r.unparsableLines} unparsable line${r.unparsableLines === 1 ? "" : "s"} (first: ${r.unparsableExamples.join(", ")})`
      : "",
    r.nonObjectValues
      ? `${r.nonObjectValues} JSON value${r.nonObjectValues === 1 ? "" : "s"} that ${r.nonObjectValues === 1 ? "is" : "are"} not an object`
      : "",
  ].filter(Boolean);
  const hint = r.nonObjectValues
    ? "each event must be a JSON object, one per line or as the elements of one array; for arrays nested in an array, flatten them first, e.g. jq -c '.[][]' FILE | helk replay -"
    : r.unparsableLines
      ? "each line must be one whole JSON object; a pretty-printed object must be compacted first, e.g. jq -c . FILE | helk replay -"
      : ACCEPTED_FORMATS;
  return new HelkError(
    `no events in ${r.members} member${r.members === 1 ? "" : "s"} (${r.bytes} bytes read): ${found.join(", ") || "nothing but whitespace"}`,
    {
      exitCode: ExitCode.noInput,
      hint,
    },
  );
}

/** Peek at the first bytes of a one-shot stream and give back a stream that still has them. */
async function* withSniff(name: string, stream: Readable, sent: () => number): AsyncGenerator<Buffer> {
  const it = stream[Symbol.asyncIterator]();
  const { head, done } = await readHead(it);
  const verdict = sniff(Buffer.concat(head).subarray(0, SAMPLE_BYTES), done);
  if (!verdict.ok) {
    stream.destroy();
    throw refuse(name, verdict.reason, sent());
  }
  yield* head;
  if (!done) for (let next = await it.next(); !next.done; next = await it.next()) yield next.value as Buffer;
}

/** Refuse a binary or a non-JSON-lines file before anything is sent. */
async function refuseUpfront(members: Member[]): Promise<void> {
  for (const member of members) {
    const { sample, whole } = await readSample(member);
    const verdict = sniff(sample, whole);
    if (!verdict.ok) throw refuse(member.name, verdict.reason, 0);
  }
}

/** A member that failed while being read, as the error replay reports (what was sent before it). */
function readFailure(name: string, err: unknown, sent: number): HelkError {
  if (err instanceof HelkError) return err;
  if (err instanceof JsonArrayError || err instanceof ArrayElementError) return brokenArray(name, err, sent);
  return new HelkError(`reading ${name} failed: ${(err as Error).message} (${sent} events sent before the error)`, {
    exitCode: ExitCode.corruptInput,
    hint: "the archive may be truncated or corrupt: check it with `unzip -t FILE` or `tar tzf FILE`",
    cause: err,
  });
}

/** What one replay run reads and counts while its members stream through. */
interface ReplayRun {
  o: ReplayOptions;
  clock: Clock;
  started: number;
  counts: ReplayCounts;
  sender: BatchSender;
  totalBytes: number | undefined;
  lastProgress: number;
}

/** A progress snapshot, about four a second. */
function tick(run: ReplayRun): void {
  const { o, clock, counts } = run;
  if (!o.onProgress || clock.now() - run.lastProgress <= 250) return;
  run.lastProgress = clock.now();
  o.onProgress({
    events: counts.events,
    bytes: counts.bytes,
    ...(run.totalBytes ? { totalBytes: run.totalBytes } : {}),
    seconds: (clock.now() - run.started) / 1000,
  });
}

/** One member's events into the sender; false once --limit is reached (the run stops there). */
async function replayMember(run: ReplayRun, member: Member): Promise<boolean> {
  const { o, counts, sender } = run;
  counts.members++;
  const stream = await member.open();
  const source = member.reopenable ? (stream as AsyncIterable<Buffer>) : withSniff(member.name, stream, () => sender.sent);
  const before = { events: counts.events, bytes: counts.bytes };
  const limit = o.limit === undefined ? Number.POSITIVE_INFINITY : o.limit - counts.events;
  try {
    for await (const events of memberEvents(member.name, source, counts, limit)) {
      for (const event of events) {
        const ready = sender.add(event);
        if (ready) await sender.send(ready);
      }
      if (o.limit !== undefined && counts.events >= o.limit) {
        await sender.flush();
        stream.destroy();
        return false;
      }
      tick(run);
    }
  } catch (err) {
    if (err instanceof JsonArrayError || err instanceof ArrayElementError) stream.destroy();
    throw readFailure(member.name, err, sender.sent);
  }
  if (counts.events === before.events && counts.bytes > before.bytes)
    o.sink({ kind: "warn", step: "replay", message: `${member.name}: ${counts.bytes - before.bytes} bytes but no event in it` });
  return true;
}

export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const clock = o.clock ?? systemClock;
  const started = clock.now();
  const plan = await planSources(o.paths, o.stdin);
  for (const s of plan.skipped) o.sink({ kind: "warn", step: "replay", message: `skipped ${s.name}: ${s.reason}` });
  await refuseUpfront(plan.upfront);

  // The Kafka clients load only when something is sent: loading them compiles their option
  // schemas, which a dry run would wait for and never use.
  const kafka = o.dryRun ? undefined : await import("./kafka-producer.js");
  const producer = kafka && (await (o.producer ?? kafka.connectProducer)(o.kafka, o.topic, o.compression ?? "lz4"));
  const run: ReplayRun = {
    o,
    clock,
    started,
    counts: emptyCounts(),
    sender: new BatchSender(o, producer, clock, started, (err, sent) => (kafka ? kafka.brokerError(o.kafka, o.topic, err, sent) : err)),
    totalBytes: plan.upfront.reduce((s, m) => s + (m.size ?? 0), 0) || undefined,
    lastProgress: 0,
  };
  try {
    for await (const member of plan.members()) if (!(await replayMember(run, member))) break;
    await run.sender.flush();
    await run.sender.settle();
  } finally {
    await producer?.close().catch(() => undefined);
  }
  run.counts.skippedMembers = plan.skipped.length;
  return {
    ...run.counts,
    topic: o.topic,
    bootstrap: o.dryRun ? "(dry run)" : describeKafkaAccess(o.kafka),
    dryRun: o.dryRun,
    seconds: Math.round(clock.now() - started) / 1000,
    skipped: plan.skipped,
  };
}
