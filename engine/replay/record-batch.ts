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

/**
 * One partition's records as an idempotent batch numbered from `sequence`, all stamped `now`
 * (ms). Written into `into` when it is large enough (a view of it is returned): the caller reuses
 * one buffer for every batch it hands on at once, instead of a fresh one per batch whose memory
 * lingers until the next garbage collection (peak RSS, bench:replay).
 */
export function encodeRecordBatch(records: BatchRecord[], ids: ProducerIds, sequence: number, now: number, into?: Buffer): Buffer {
  let size = HEADER;
  const bodies = new Array<number>(records.length);
  for (let i = 0; i < records.length; i++) {
    const body = recordBodySize(records[i] as BatchRecord, i);
    bodies[i] = body;
    size += varintSize(body) + body;
  }
  const buf = into && into.length >= size ? into.subarray(0, size) : Buffer.allocUnsafe(size);
  buf.writeBigInt64BE(0n, 0); // baseOffset: the broker assigns offsets
  buf.writeInt32BE(size - 12, 8); // batchLength: after baseOffset and itself
  buf.writeInt32BE(-1, 12); // partitionLeaderEpoch: set by the broker
  buf.writeInt8(2, 16); // magic
  buf.writeInt16BE(0, CRC_FROM); // attributes: no compression, CreateTime, not transactional
  buf.writeInt32BE(records.length - 1, 23); // lastOffsetDelta
  buf.writeBigInt64BE(BigInt(now), 27); // baseTimestamp
  buf.writeBigInt64BE(BigInt(now), 35); // maxTimestamp
  buf.writeBigInt64BE(ids.producerId, 43);
  buf.writeInt16BE(ids.producerEpoch, 51);
  buf.writeInt32BE(sequence, 53);
  buf.writeInt32BE(records.length, 57);
  let at = HEADER;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as BatchRecord;
    at = writeVarint(buf, at, bodies[i] as number);
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
  buf.writeUInt32BE(crc32c(buf.subarray(CRC_FROM)) >>> 0, 17);
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
