/**
 * The replay verb: plan the inputs, refuse what is not JSON lines before sending anything,
 * then stream every member line by line into Kafka in ordered batches, counting exactly.
 */
import type { Readable } from "node:stream";
import { describeKafkaAccess, type KafkaAccess } from "../../compose/kafka-access.js";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import { ExitCode, HelkError } from "../errors.js";
import type { ProgressSink } from "../events.js";
import { brokerError, connectProducer, type EventSink } from "./kafka-producer.js";
import { classifyLine, emptyCounts, type ReplayCounts, type ReplayEvent, splitLines } from "./lines.js";
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

function refuse(name: string, reason: string, sent: number): HelkError {
  return new HelkError(`${name} is not JSON lines: ${reason} (${sent} events sent before it)`, {
    exitCode: ExitCode.notJsonLines,
    hint: "replay takes one JSON event per line: Mordor/Security-Datasets .zip files, Winlogbeat .json/.jsonl output",
  });
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
      let lineNo = 0;
      const source = member.reopenable ? (stream as AsyncIterable<Buffer>) : withSniff(member.name, stream, () => sent);
      try {
        for await (const line of splitLines(source)) {
          lineNo++;
          const event = classifyLine(line, () => `${member.name}:${lineNo}`, counts);
          if (event) {
            batch.push(event);
            pendingBytes += event.value.length;
            if (o.limit !== undefined && counts.events >= o.limit) {
              await flush();
              stream.destroy();
              break outer;
            }
            const most = o.rate ? Math.max(1, Math.min(batchSize, Math.ceil(o.rate / 10))) : batchSize;
            if (batch.length >= most || pendingBytes >= batchBytes) await flush();
          }
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
      } catch (err) {
        if (err instanceof HelkError) throw err;
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
