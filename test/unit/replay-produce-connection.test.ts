/**
 * engine/replay/produce-connection.ts against a broker of the test's own on loopback: what it
 * writes (each request whole, the same bytes whatever buffer it reused), how it reads answers
 * (by correlation id, split anywhere, a flexible header's tagged fields skipped) and how it fails
 * (a broker that never answers, a closed connection, an answer to nothing it sent). Real brokers:
 * replay-kafka.test.ts, kafka-sasl.test.ts (the SASL login), kafka-three-brokers.test.ts (a lost one).
 */
import { createServer, type Server, type Socket } from "node:net";
import { NetworkError, type Reader, TimeoutError } from "@platformatic/kafka";
import { afterEach, describe, expect, it } from "vitest";
import { retriable } from "../../engine/replay/kafka-producer.js";
import { ProduceConnection } from "../../engine/replay/produce-connection.js";
import { encodeProduceRequest } from "../../engine/replay/record-batch.js";

const access = { brokers: [] as string[] };
const options = { clientId: "helk-replay", connectTimeoutMs: 2000, requestTimeoutMs: 60_000 };
const ids = { producerId: 7n, producerEpoch: 0 };
const recordsOf = (n: number, size: number) =>
  Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`host-${i % 3}`), value: Buffer.alloc(size, 0x61 + (i % 26)) }));
const requestFor = (i: number) => ({
  version: 9,
  topic: "winlogbeat",
  partition: i % 3,
  timeoutMs: 30_000,
  // About 900 KB each, as replay's batches are; one does not fit the reused buffer (1.2 MB of values).
  records: recordsOf(i === 4 ? 600 : 450, i === 4 ? 2000 : 1900 + i),
  ids,
  sequence: i * 100,
  now: 1_700_000_000_000 + i,
});

/** The body a parser sees: its first bytes as text. */
const bodyText = (_id: number, _key: number, _version: number, reader: Reader) => reader.buffer.toString().slice(0, 40);

let server: Server | undefined;
afterEach(() => server?.close());

/**
 * A broker that hands each whole request frame to `onRequest`, with the socket to answer on. It
 * reads nothing for its first 300 ms: the client's writes back up, and the socket still holds
 * their buffers after write() returned (a buffer reused before its write completed shows).
 */
function broker(onRequest: (frame: Buffer, socket: Socket) => void): Promise<number> {
  server = createServer((socket) => {
    socket.pause();
    setTimeout(() => socket.resume(), 300);
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        onRequest(pending.subarray(0, 4 + size), socket);
        pending = pending.subarray(4 + size);
      }
    });
  });
  const listening = server;
  return new Promise((resolve) => listening.listen(0, "127.0.0.1", () => resolve((listening.address() as { port: number }).port)));
}

/** An answer frame: size, correlation id, tagged fields (one tag of 3 bytes, as a broker may add), body. */
function answer(correlationId: number, body: string): Buffer {
  const tagged = Buffer.from([1, 5, 3, 0xaa, 0xbb, 0xcc]);
  const head = Buffer.alloc(8);
  head.writeInt32BE(4 + tagged.length + body.length, 0);
  head.writeInt32BE(correlationId, 4);
  return Buffer.concat([head, tagged, Buffer.from(body)]);
}

describe("ProduceConnection", () => {
  it("writes each request whole and reads the answers by correlation id, split anywhere, tagged fields skipped", async () => {
    const received: Buffer[] = [];
    const port = await broker((frame, socket) => {
      received.push(Buffer.from(frame));
      const id = frame.readInt32BE(8);
      // Answered in order but a byte at a time: frames cut at every position.
      for (const byte of answer(id, `answer to ${id}`)) socket.write(Buffer.from([byte]));
    });
    const connection = await ProduceConnection.open("127.0.0.1", port, access, options);
    try {
      // Two waves of 16 requests (14 MB each, more than the sockets' buffers hold): the second
      // reuses the buffers the first was written from.
      const answers: unknown[] = [];
      for (const wave of [0, 16]) {
        const sending = Array.from({ length: 16 }, (_, i) => connection.produce(requestFor(wave + i), bodyText));
        answers.push(...(await Promise.all(sending)));
      }
      expect(answers).toEqual(Array.from({ length: 32 }, (_, i) => `answer to ${i + 1}`));
      // The bytes the broker got are each request as encoded on its own, none overwritten by a later one.
      expect(received).toHaveLength(32);
      received.forEach((frame, i) => {
        const expected = encodeProduceRequest({ ...requestFor(i), correlationId: i + 1, clientId: Buffer.from("helk-replay") });
        expect(frame.equals(expected), `request ${i}`).toBe(true);
      });
    } finally {
      connection.close();
    }
  });

  it("a broker that never answers: the request times out, replay may resend it, the connection is lost", async () => {
    const port = await broker(() => undefined);
    const connection = await ProduceConnection.open("127.0.0.1", port, access, { ...options, requestTimeoutMs: 300 });
    const err = await connection.produce(requestFor(0), bodyText).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(String((err as Error).message)).toMatch(/did not answer in 0.3 s/);
    expect(retriable(err)).toBe(true);
    expect(connection.failed).toBe(true);
    await expect(connection.produce(requestFor(1), bodyText)).rejects.toBe(err);
  });

  it("a connection the broker closes fails every waiting request with a network error replay resends", async () => {
    let seen = 0;
    const port = await broker((_frame, socket) => {
      if (++seen === 2) socket.destroy();
    });
    const connection = await ProduceConnection.open("127.0.0.1", port, access, options);
    const results = await Promise.allSettled([0, 1].map((i) => connection.produce(requestFor(i), bodyText)));
    for (const r of results) {
      expect(r.status).toBe("rejected");
      const reason = (r as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(NetworkError);
      expect(retriable(reason)).toBe(true);
    }
    expect(connection.failed).toBe(true);
  });

  it("an answer to a request it never sent drops the connection rather than guess", async () => {
    const port = await broker((_frame, socket) => socket.write(answer(999, "stray")));
    const connection = await ProduceConnection.open("127.0.0.1", port, access, options);
    await expect(connection.produce(requestFor(0), bodyText)).rejects.toThrow(/answered request 999, which was not sent/);
    expect(connection.failed).toBe(true);
  });

  it("a broker that refuses the connection is a network error replay retries", async () => {
    const port = await broker(() => undefined);
    server?.close();
    await new Promise((r) => setTimeout(r, 50));
    const refused = await ProduceConnection.open("127.0.0.1", port, access, options).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NetworkError);
    expect(retriable(refused)).toBe(true);
    expect(String((refused as Error).message)).toMatch(new RegExp(`Connection to 127.0.0.1:${port} failed`));
  });
});
