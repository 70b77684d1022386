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
import { releaseEvents } from "./chunk-pool.js";
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
  /** Injected producer (tests, bench); kafka-producer.ts's otherwise. */
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

// Kafka refuses a record batch over message.max.bytes (1 MB by default): a batch stays under 768
// KiB, record framing and keys counted, even when all its events go to one partition. Larger
// batches cost the broker less CPU per event: on bench:replay's 10× input, 768 KiB against 256
// KiB gave 0.61 against 0.55 of kcat's rate, and 1.54 s against 2.31 s of the broker's CPU
// (README, "Replay throughput").
const BATCH_BYTES = 768 * 1024;
/** A record's framing in a batch, at most (lengths, deltas, attributes, header count: varints). */
const RECORD_OVERHEAD = 32;
/** A record's bytes in a batch, at most: a key's UTF-16 unit is at most 3 bytes of UTF-8. */
const recordBytes = (e: ReplayEvent) => e.value.length + (e.key === null ? 0 : e.key.length * 3) + RECORD_OVERHEAD;

/**
 * Batches sent and not yet acknowledged, at most (each is at most one request per partition, under
 * Kafka's five). On bench:replay's 10× input, with 256 KiB batches: 4 in flight, 3.3–5.8 s and 111–113 MB peak RSS;
 * 2, 5.8–5.9 s and 110–112 MB (the same loaded machine, alternating).
 */
const SENDS_IN_FLIGHT = 4;

/**
 * Sends the events in ordered batches, several in flight (the producer numbers them in order,
 * pipeline.ts) while the next batch is read and parsed: reading and sending overlap, and the
 * broker's answers do not hold the reading up. Paced by --rate over the whole run; `sent`
 * counts what Kafka acknowledged.
 */
class BatchSender {
  sent = 0;
  private batch: ReplayEvent[] = [];
  private pendingBytes = 0;
  private queued = 0;
  private inFlight: Promise<void>[] = [];
  /** The first send that failed: replay stops with its error (no later send makes up for the lost events). */
  private failed: unknown;
  private readonly most: number;

  constructor(
    private readonly o: ReplayOptions,
    private readonly producer: EventSink | undefined,
    private readonly clock: Clock,
    private readonly started: number,
  ) {
    const batchSize = o.batchSize ?? 5000;
    this.most = o.rate ? Math.max(1, Math.min(batchSize, Math.ceil(o.rate / 10))) : batchSize;
  }

  /** Whether `event` still fits in the batch under BATCH_BYTES (an event alone always does). */
  fits(event: ReplayEvent): boolean {
    return this.batch.length === 0 || this.pendingBytes + recordBytes(event) <= BATCH_BYTES;
  }

  add(event: ReplayEvent): void {
    this.batch.push(event);
    this.pendingBytes += recordBytes(event);
  }

  /** A batch is full by count (smaller under --rate, so pacing is smooth). */
  full(): boolean {
    return this.batch.length >= this.most;
  }

  async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.batch.length === 0) return;
    const outgoing = this.batch;
    this.queued += outgoing.length;
    this.batch = [];
    this.pendingBytes = 0;
    while (this.inFlight.length >= SENDS_IN_FLIGHT) await this.inFlight[0];
    if (this.producer) {
      const sending = this.producer.send(outgoing).then(
        () => {
          this.sent += outgoing.length;
          // Acknowledged: no resend will need these bytes, so their read buffers may be reused.
          releaseEvents(outgoing);
        },
        (err) => {
          throw brokerError(this.o.kafka, this.o.topic, err, this.sent);
        },
      );
      this.inFlight.push(sending);
      const done = () => this.inFlight.splice(this.inFlight.indexOf(sending), 1);
      // Kept, and thrown by the next flush or by settle: a send may fail after it left the list
      // of those awaited (another partition's send finished first), and must still fail the replay.
      sending.then(done, (err: unknown) => {
        this.failed ??= err;
        done();
      });
    } else {
      this.sent += outgoing.length;
      releaseEvents(outgoing);
    }
    if (this.o.rate) {
      // Pace by the whole run, not per batch, so short stalls are made up.
      const wait = this.started + (this.queued / this.o.rate) * 1000 - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
    }
  }

  async settle(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    if (this.failed) throw this.failed;
  }
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
        if (!sender.fits(event)) await sender.flush();
        sender.add(event);
        if (sender.full()) await sender.flush();
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

  const producer = o.dryRun ? undefined : await (o.producer ?? connectProducer)(o.kafka, o.topic);
  const run: ReplayRun = {
    o,
    clock,
    started,
    counts: emptyCounts(),
    sender: new BatchSender(o, producer, clock, started),
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
