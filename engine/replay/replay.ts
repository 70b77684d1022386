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
import { JsonArrayError } from "./json-array.js";
import { brokerError, connectProducer, type EventSink } from "./kafka-producer.js";
import { emptyCounts, type ReplayCounts, type ReplayEvent } from "./lines.js";
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
  sink: ProgressSink;
  /** Progress snapshots (TTY rendering), about four a second. */
  onProgress?: (p: ReplayProgress) => void;
  stdin?: Readable;
  clock?: Clock;
  /** Injected producer (tests); kafkajs otherwise. */
  producer?: (kafka: KafkaAccess, topic: string) => Promise<EventSink>;
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

export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const clock = o.clock ?? systemClock;
  const started = clock.now();
  const plan = await planSources(o.paths, o.stdin);
  for (const s of plan.skipped) o.sink({ kind: "warn", step: "replay", message: `skipped ${s.name}: ${s.reason}` });

  // Refuse a binary or a non-JSON-lines file before anything is sent.
  for (const member of plan.upfront) {
    const { sample, whole } = await readSample(member);
    const verdict = sniff(sample, whole);
    if (!verdict.ok) throw refuse(member.name, verdict.reason, 0);
  }

  const counts = emptyCounts();
  const totalBytes = plan.upfront.reduce((s, m) => s + (m.size ?? 0), 0) || undefined;
  const producer = o.dryRun ? undefined : await (o.producer ?? connectProducer)(o.kafka, o.topic);
  const batchSize = o.batchSize ?? 5000;
  // Kafka refuses a record batch over message.max.bytes (1 MB by default); stay well under it
  // even when every event of a request lands on one partition.
  const batchBytes = 900 * 1024;
  let sent = 0;
  let batch: ReplayEvent[] = [];
  let pendingBytes = 0;
  let lastProgress = 0;

  // One request in flight (the idempotent producer keeps order), while the next batch is
  // read and parsed: reading and sending overlap instead of taking turns.
  let inFlight: Promise<void> = Promise.resolve();
  let queued = 0;
  const settle = async () => {
    await inFlight;
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const outgoing = batch;
    queued += outgoing.length;
    batch = [];
    pendingBytes = 0;
    await settle();
    if (producer) {
      inFlight = producer.send(outgoing).then(
        () => {
          sent += outgoing.length;
        },
        (err) => {
          throw brokerError(o.kafka, o.topic, err, sent);
        },
      );
      // Surface a failure at the next await, not as an unhandled rejection.
      inFlight.catch(() => undefined);
    } else sent += outgoing.length;
    if (o.rate) {
      // Pace by the whole run, not per batch, so short stalls are made up.
      const due = started + (queued / o.rate) * 1000;
      const wait = due - clock.now();
      if (wait > 0) await clock.sleep(wait);
    }
  };

  try {
    outer: for await (const member of plan.members()) {
      counts.members++;
      const stream = await member.open();
      const source = member.reopenable ? (stream as AsyncIterable<Buffer>) : withSniff(member.name, stream, () => sent);
      const before = { events: counts.events, bytes: counts.bytes };
      try {
        for await (const event of memberEvents(member.name, source, counts)) {
          batch.push(event);
          pendingBytes += event.value.length;
          if (o.limit !== undefined && counts.events >= o.limit) {
            await flush();
            stream.destroy();
            break outer;
          }
          const most = o.rate ? Math.max(1, Math.min(batchSize, Math.ceil(o.rate / 10))) : batchSize;
          if (batch.length >= most || pendingBytes >= batchBytes) await flush();
          if (o.onProgress && clock.now() - lastProgress > 250) {
            lastProgress = clock.now();
            o.onProgress({
              events: counts.events,
              bytes: counts.bytes,
              ...(totalBytes ? { totalBytes } : {}),
              seconds: (clock.now() - started) / 1000,
            });
          }
        }
        if (counts.events === before.events && counts.bytes > before.bytes)
          o.sink({ kind: "warn", step: "replay", message: `${member.name}: ${counts.bytes - before.bytes} bytes but no event in it` });
      } catch (err) {
        if (err instanceof HelkError) throw err;
        if (err instanceof JsonArrayError || err instanceof ArrayElementError) {
          stream.destroy();
          throw brokenArray(member.name, err, sent);
        }
        throw new HelkError(`reading ${member.name} failed: ${(err as Error).message} (${sent} events sent before the error)`, {
          exitCode: ExitCode.corruptInput,
          hint: "the archive may be truncated or corrupt: check it with `unzip -t FILE` or `tar tzf FILE`",
          cause: err,
        });
      }
    }
    await flush();
    await settle();
  } finally {
    await producer?.close().catch(() => undefined);
  }
  counts.skippedMembers = plan.skipped.length;
  return {
    ...counts,
    topic: o.topic,
    bootstrap: o.dryRun ? "(dry run)" : describeKafkaAccess(o.kafka),
    dryRun: o.dryRun,
    seconds: Math.round(clock.now() - started) / 1000,
    skipped: plan.skipped,
  };
}
