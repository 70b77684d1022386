/**
 * A Kafka record batch (magic v2, uncompressed) and the Produce request that carries it, written
 * straight into one buffer. @platformatic/kafka's encoder builds a writer and a list of buffers
 * per record and copies them together: 1.5 s for the 10× bench input (136k events, 254 MB) on
 * the 2-core machine, more than reading and parsing it. This one writes each record's few header
 * bytes and copies its key and value once.
 *
 * Layout (Kafka's protocol guide, "Record Batch"): baseOffset, batchLength, partitionLeaderEpoch,
 * magic, crc (CRC-32C of everything after it), attributes, lastOffsetDelta, baseTimestamp,
 * maxTimestamp, producerId, producerEpoch, baseSequence, records count, then each record:
 * length, attributes, timestampDelta, offsetDelta, key, value, headers (zigzag varints).
 */
import { createRequire } from "node:module";
import { crc32c as clientCrc32c } from "@platformatic/kafka";
import { lz4Compress } from "@platformatic/wasm-utils";

/**
 * CRC-32C of the batch. @node-rs/crc32 (native, an optional dependency of the Kafka client and of
 * helk) is called on the batch itself: the client's wrapper of it copies its input first. For
 * bench:replay's 10× input in 256 KiB batches: 52-56 ms direct, 180-214 ms through the wrapper
 * (3 runs each). Without the native module, the client's own (WebAssembly).
 */
const crc32c: (bytes: Uint8Array) => number = (() => {
  try {
    return (createRequire(import.meta.url)("@node-rs/crc32") as { crc32c: (bytes: Uint8Array) => number }).crc32c;
  } catch {
    return clientCrc32c;
  }
})();

export interface BatchRecord {
  key: Buffer | null;
  value: Buffer;
}

export interface ProducerIds {
  producerId: bigint;
  producerEpoch: number;
}

/** Bytes of the batch header, from baseOffset to the records count. */
const HEADER = 61;
/** Where the CRC-32C's input starts (attributes). */
const CRC_FROM = 21;

/** Bytes a zigzag varint of v takes (v a 32-bit integer). */
function varintSize(v: number): number {
  let u = ((v << 1) ^ (v >> 31)) >>> 0;
  let n = 1;
  while (u >= 0x80) {
    u >>>= 7;
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, at: number, v: number): number {
  let u = ((v << 1) ^ (v >> 31)) >>> 0;
  while (u >= 0x80) {
    buf[at++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[at++] = u;
  return at;
}

/** The body of one record after its length: attributes, deltas, key, value, no headers. */
function recordBodySize(r: BatchRecord, index: number): number {
  const key = r.key ? varintSize(r.key.length) + r.key.length : 1;
  return 1 + 1 + varintSize(index) + key + varintSize(r.value.length) + r.value.length + 1;
}

/** A batch's size and each record's body size (written before the body, so worked out first). */
export interface BatchLayout {
  size: number;
  bodies: number[];
}

export function measureRecordBatch(records: BatchRecord[]): BatchLayout {
  let size = HEADER;
  const bodies = new Array<number>(records.length);
  for (let i = 0; i < records.length; i++) {
    const body = recordBodySize(records[i] as BatchRecord, i);
    bodies[i] = body;
    size += varintSize(body) + body;
  }
  return { size, bodies };
}

/** Kafka's batch attributes: no compression, or LZ4 (bits 0-2; CreateTime, not transactional). */
const NONE = 0;
const LZ4 = 3;

/** How a batch is numbered and stamped: the producer, its first record's sequence number, the time of every record (ms). */
export interface BatchStamp {
  ids: ProducerIds;
  sequence: number;
  now: number;
}

/** A batch's header (baseOffset to the records count) for `count` records; `batch` is the whole batch. */
function writeBatchHeader(batch: Buffer, attributes: number, count: number, { ids, sequence, now }: BatchStamp): void {
  batch.writeBigInt64BE(0n, 0); // baseOffset: the broker assigns offsets
  batch.writeInt32BE(batch.length - 12, 8); // batchLength: after baseOffset and itself
  batch.writeInt32BE(-1, 12); // partitionLeaderEpoch: set by the broker
  batch.writeInt8(2, 16); // magic
  batch.writeInt16BE(attributes, CRC_FROM);
  batch.writeInt32BE(count - 1, 23); // lastOffsetDelta
  batch.writeBigInt64BE(BigInt(now), 27); // baseTimestamp
  batch.writeBigInt64BE(BigInt(now), 35); // maxTimestamp
  batch.writeBigInt64BE(ids.producerId, 43);
  batch.writeInt16BE(ids.producerEpoch, 51);
  batch.writeInt32BE(sequence, 53);
  batch.writeInt32BE(count, 57);
}

/** The records after a batch's header, as written uncompressed, into `buf` from `at`. */
function writeRecords(records: BatchRecord[], layout: BatchLayout, buf: Buffer, at: number): void {
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as BatchRecord;
    at = writeVarint(buf, at, layout.bodies[i] as number);
    buf[at++] = 0; // record attributes
    buf[at++] = 0; // timestampDelta: every record has the batch's time
    at = writeVarint(buf, at, i); // offsetDelta
    if (r.key) {
      at = writeVarint(buf, at, r.key.length);
      at += r.key.copy(buf, at);
    } else at = writeVarint(buf, at, -1);
    at = writeVarint(buf, at, r.value.length);
    at += r.value.copy(buf, at);
    buf[at++] = 0; // no headers
  }
}

/** A batch of `size` bytes into `buf` from `from`: its header, the records (`records` writes them after the header), its CRC. */
function writeBatch(
  buf: Buffer,
  from: number,
  size: number,
  attributes: number,
  count: number,
  stamp: BatchStamp,
  records: (batch: Buffer) => void,
) {
  const batch = buf.subarray(from, from + size);
  writeBatchHeader(batch, attributes, count, stamp);
  records(batch);
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_FROM)) >>> 0, 17);
}

/**
 * One partition's records as an idempotent batch, numbered and stamped as `stamp` says, written
 * into `buf` from `from` (layout.size bytes). Each value is copied once, straight where the
 * broker will read it.
 */
export function writeRecordBatch(records: BatchRecord[], layout: BatchLayout, stamp: BatchStamp, buf: Buffer, from: number): void {
  writeBatch(buf, from, layout.size, NONE, records.length, stamp, (batch) => writeRecords(records, layout, batch, HEADER));
}

/** Records compressed as a batch carries them: one LZ4 frame of the records as written uncompressed. */
export interface CompressedRecords {
  count: number;
  frame: Buffer;
}

/** Where records are written before they are compressed: kept, since a batch of each size recurs. */
let scratch = Buffer.alloc(0);

/** The records of a batch, compressed with LZ4 (Kafka's codec 3: the LZ4 frame format). */
export function compressRecords(records: BatchRecord[]): CompressedRecords {
  const layout = measureRecordBatch(records);
  const size = layout.size - HEADER;
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, 2 * scratch.length));
  writeRecords(records, layout, scratch, 0);
  const frame = lz4Compress(scratch.subarray(0, size));
  return { count: records.length, frame };
}

/**
 * One partition's records for one request, as the pipeline hands them to the transport, with
 * their compressed form when replay compresses (kafka-producer.ts compresses each batch once;
 * a resend sends the same frame).
 */
export type OutgoingRecords = BatchRecord[] & { compressed?: CompressedRecords };

/** The bytes of a batch carrying `compressed`. */
export const compressedBatchSize = (compressed: CompressedRecords) => HEADER + compressed.frame.length;

/** A batch of compressed records into `buf` from `from` (compressedBatchSize bytes), numbered and stamped as `stamp` says. */
export function writeCompressedBatch(compressed: CompressedRecords, stamp: BatchStamp, buf: Buffer, from: number): void {
  writeBatch(buf, from, compressedBatchSize(compressed), LZ4, compressed.count, stamp, (batch) => compressed.frame.copy(batch, HEADER));
}

/** The batch alone, in a buffer of its own (tests compare it with the client's encoder). */
export function encodeRecordBatch(records: BatchRecord[], ids: ProducerIds, sequence: number, now: number): Buffer {
  const layout = measureRecordBatch(records);
  const buf = Buffer.allocUnsafe(layout.size);
  writeRecordBatch(records, layout, { ids, sequence, now }, buf, 0);
  return buf;
}

function unsignedVarint(v: number): Buffer {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

/**
 * A Produce request's body for one topic and partition, before and after the batch (so the
 * batch is not copied again). Versions 9+ are "flexible" (compact lengths, tagged fields).
 */
export function produceRequestParts(version: number, topic: string, partition: number, batchLength: number, timeoutMs: number) {
  const name = Buffer.from(topic);
  const int16 = (v: number) => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
  const int32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return b;
  };
  const acksAll = int16(-1);
  if (version < 9) {
    // transactional_id null, acks, timeout, [topic: name, [partition: index, records]]
    const head = [int16(-1), acksAll, int32(timeoutMs), int32(1), int16(name.length), name, int32(1), int32(partition), int32(batchLength)];
    return { head: Buffer.concat(head), tail: Buffer.alloc(0) };
  }
  const head = [
    unsignedVarint(0), // transactional_id: null
    acksAll,
    int32(timeoutMs),
    unsignedVarint(2), // one topic
    unsignedVarint(name.length + 1),
    name,
    unsignedVarint(2), // one partition
    int32(partition),
    unsignedVarint(batchLength + 1),
  ];
  // Tagged fields (none) after the partition, the topic and the request.
  return { head: Buffer.concat(head), tail: Buffer.from([0, 0, 0]) };
}

/** Kafka's API key of Produce. */
export const PRODUCE_KEY = 0;

export interface ProduceRequest extends BatchStamp {
  version: number;
  correlationId: number;
  /** The client id's UTF-8 bytes (request header). */
  clientId: Buffer;
  topic: string;
  partition: number;
  timeoutMs: number;
  records: BatchRecord[];
  /** The records compressed (compressRecords): the batch carries these instead. */
  compressed?: CompressedRecords;
}

/**
 * A whole Produce request as it goes on the wire: its size, the request header (api key,
 * version, correlation id, client id; then empty tagged fields in the flexible versions 9+), the
 * Produce fields and the batch. Written into `into` when it fits (a view of it is returned), else
 * into a buffer of its own.
 */
export function encodeProduceRequest(r: ProduceRequest, into?: Buffer): Buffer {
  const layout = r.compressed ? undefined : measureRecordBatch(r.records);
  const batchSize = r.compressed ? compressedBatchSize(r.compressed) : (layout as BatchLayout).size;
  const { head, tail } = produceRequestParts(r.version, r.topic, r.partition, batchSize, r.timeoutMs);
  const flexible = r.version >= 9;
  const header = 2 + 2 + 4 + 2 + r.clientId.length + (flexible ? 1 : 0);
  const size = 4 + header + head.length + batchSize + tail.length;
  const buf = into && into.length >= size ? into.subarray(0, size) : Buffer.allocUnsafe(size);
  let at = buf.writeInt32BE(size - 4, 0);
  at = buf.writeInt16BE(PRODUCE_KEY, at);
  at = buf.writeInt16BE(r.version, at);
  at = buf.writeInt32BE(r.correlationId, at);
  at = buf.writeInt16BE(r.clientId.length, at);
  at += r.clientId.copy(buf, at);
  if (flexible) buf[at++] = 0;
  at += head.copy(buf, at);
  if (r.compressed) writeCompressedBatch(r.compressed, r, buf, at);
  else writeRecordBatch(r.records, layout as BatchLayout, r, buf, at);
  tail.copy(buf, at + batchSize);
  return buf;
}
