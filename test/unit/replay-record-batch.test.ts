/**
 * engine/replay/record-batch.ts writes the same bytes as @platformatic/kafka's own encoder (the
 * one its Producer uses, checked against real brokers), for the batch and the Produce request
 * around it, in a flexible version (9) and an older one (7), uncompressed and LZ4-compressed;
 * and the client's reader gets the records back from both.
 */
import { createRecordsBatch, produceV7, produceV9, Reader, readRecordsBatch, Writer } from "@platformatic/kafka";
import { expect, it } from "vitest";
import {
  compressedBatchSize,
  compressRecords,
  encodeProduceRequest,
  encodeRecordBatch,
  produceRequestParts,
  writeCompressedBatch,
} from "../../engine/replay/record-batch.js";

const now = 1_700_000_000_123;
// Keyed and keyless records; lengths either side of a varint's one-byte limit (63 zigzagged).
const records = [
  { key: Buffer.from("WORKSTATION5.theshire.local"), value: Buffer.from('{"EventID":1,"Hostname":"WORKSTATION5.theshire.local"}') },
  { key: null, value: Buffer.alloc(300, 0x41) },
  { key: Buffer.from("a"), value: Buffer.alloc(63, 0x42) },
  { key: Buffer.from("é"), value: Buffer.alloc(70_000, 0x43) },
];
const asLibraryMessages = () =>
  records.map((r) => ({
    topic: "winlogbeat",
    partition: 2,
    key: r.key ?? undefined,
    value: r.value,
    headers: new Map(),
    timestamp: BigInt(now),
  }));
const ids = { producerId: 4242n, producerEpoch: 3 };
const libraryOptions = { ...ids, sequences: { getWithDefault: () => 1234 }, partitionLeaderEpoch: -1 };

it("a record batch: byte for byte what @platformatic/kafka writes", () => {
  const mine = encodeRecordBatch(records, ids, 1234, now);
  const theirs = createRecordsBatch(asLibraryMessages() as never, libraryOptions as never).buffer;
  expect(mine.length).toBe(theirs.length);
  expect(mine.equals(theirs)).toBe(true);
});

it.each([
  [9, produceV9],
  [7, produceV7],
] as const)("the Produce v%i request around it: byte for byte", (version, api) => {
  const batch = encodeRecordBatch(records, ids, 1234, now);
  const parts = produceRequestParts(version, "winlogbeat", 2, batch.length, 30_000);
  const theirs = api.createRequest(-1, 30_000, asLibraryMessages() as never, libraryOptions as never).buffer;
  expect(Buffer.concat([parts.head, batch, parts.tail]).equals(theirs)).toBe(true);
});

it.each([
  [9, produceV9],
  [7, produceV7],
] as const)(
  "the whole Produce v%i request, framed as @platformatic/kafka's connection frames it, written into a reused buffer",
  (version, api) => {
    const id = 77;
    // connection.js: api key, version, correlation id, client id; tagged fields in flexible versions; the size first.
    const header = Writer.create().appendInt16(0).appendInt16(version).appendInt32(id).appendString("helk-replay", false);
    if (version >= 9) header.appendTaggedFields();
    const theirs = header
      .appendFrom(api.createRequest(-1, 30_000, asLibraryMessages() as never, libraryOptions as never))
      .prependLength().buffer;
    const request = {
      version,
      correlationId: id,
      clientId: Buffer.from("helk-replay"),
      topic: "winlogbeat",
      partition: 2,
      timeoutMs: 30_000,
    };
    const room = Buffer.alloc(200_000, 0xee);
    const mine = encodeProduceRequest({ ...request, records, ids, sequence: 1234, now }, room);
    expect(mine.buffer).toBe(room.buffer);
    expect(mine.equals(theirs)).toBe(true);
    // Too small a buffer: a request of its own, the same bytes.
    const own = encodeProduceRequest({ ...request, records, ids, sequence: 1234, now }, Buffer.alloc(100));
    expect(own.equals(theirs)).toBe(true);
  },
);

it("an LZ4-compressed batch: byte for byte what @platformatic/kafka writes with compression lz4", () => {
  const compressed = compressRecords(records);
  expect(compressed.count).toBe(records.length);
  const mine = Buffer.alloc(compressedBatchSize(compressed));
  writeCompressedBatch(compressed, { ids, sequence: 1234, now }, mine, 0);
  const theirs = createRecordsBatch(asLibraryMessages() as never, { ...libraryOptions, compression: "lz4" } as never).buffer;
  expect(mine.equals(theirs)).toBe(true);
  // Smaller than the records as they are (the 70 KB of one byte compress to little).
  expect(mine.length).toBeLessThan(encodeRecordBatch(records, ids, 1234, now).length / 10);
});

it("the client's reader gets every key and value back from a compressed batch, with its numbering and codec", () => {
  const compressed = compressRecords(records);
  const mine = Buffer.alloc(compressedBatchSize(compressed));
  writeCompressedBatch(compressed, { ids, sequence: 1234, now }, mine, 0);
  const batch = readRecordsBatch(Reader.from(mine));
  expect(batch.attributes & 0b111).toBe(3); // LZ4
  expect(batch.firstSequence).toBe(1234);
  expect(batch.producerId).toBe(4242n);
  expect(batch.records.map((r) => [r.key ? r.key.toString("latin1") : null, (r.value as Buffer).toString("latin1")])).toEqual(
    records.map((r) => [r.key ? r.key.toString("latin1") : null, r.value.toString("latin1")]),
  );
});

it("the whole Produce v9 request with a compressed batch: the client's request with compression lz4", () => {
  const compressed = compressRecords(records);
  const request = {
    version: 9,
    correlationId: 5,
    clientId: Buffer.from("helk-replay"),
    topic: "winlogbeat",
    partition: 2,
    timeoutMs: 30_000,
  };
  const mine = encodeProduceRequest({ ...request, records, compressed, ids, sequence: 1234, now }, Buffer.alloc(50_000));
  const header = Writer.create().appendInt16(0).appendInt16(9).appendInt32(5).appendString("helk-replay", false).appendTaggedFields();
  const theirs = header
    .appendFrom(produceV9.createRequest(-1, 30_000, asLibraryMessages() as never, { ...libraryOptions, compression: "lz4" } as never))
    .prependLength().buffer;
  expect(mine.equals(theirs)).toBe(true);
});
