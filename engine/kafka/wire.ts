/**
 * Just enough of Kafka's wire protocol for the status probe and replay's producer: one
 * connection (TCP or TLS), requests framed with a v1 header, answers matched by correlation id,
 * and the encoding of the few types those requests use (Kafka's protocol guide, "Protocol
 * Primitive Types").
 * The probe used kafkajs: loading it took 40-46 ms and its first metadata answer 21-41 ms
 * more, most of `helk status`'s time beyond Node.js's own start (README, "Status speed").
 */
import { readFileSync } from "node:fs";
import { isIP, type Socket, connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { KafkaAccess } from "../../compose/kafka-access.js";

/** The broker closed the connection before it answered (a listener that wants a login does). */
export class KafkaConnectionClosed extends Error {
  constructor(address: string) {
    super(`Kafka at ${address} closed the connection`);
    this.name = "KafkaConnectionClosed";
  }
}

/** Big-endian fields into one buffer, in order. */
export class KafkaWriter {
  private parts: Buffer[] = [];
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.push(b);
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.push(b);
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.push(b);
  }
  /** STRING, or NULLABLE_STRING when null: int16 length, then UTF-8. */
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const bytes = Buffer.from(v, "utf8");
    return this.int16(bytes.length).push(bytes);
  }
  /** BYTES: int32 length, then the bytes. */
  bytes(v: Buffer): this {
    return this.int32(v.length).push(v);
  }
  buffer(): Buffer {
    return Buffer.concat(this.parts);
  }
  private push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
}

/** Big-endian fields out of an answer, in order; reading past its end throws. */
export class KafkaReader {
  private at = 0;
  constructor(private readonly b: Buffer) {}
  int8(): number {
    return this.take(1).readInt8();
  }
  int16(): number {
    return this.take(2).readInt16BE();
  }
  int32(): number {
    return this.take(4).readInt32BE();
  }
  string(): string | null {
    const n = this.int16();
    return n < 0 ? null : this.take(n).toString("utf8");
  }
  bytes(): Buffer | null {
    const n = this.int32();
    return n < 0 ? null : this.take(n);
  }
  /** ARRAY: int32 count (-1 for null, read as none), then each element. */
  array<T>(element: (r: KafkaReader) => T): T[] {
    const n = this.int32();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(element(this));
    return out;
  }
  private take(n: number): Buffer {
    if (this.at + n > this.b.length) throw new Error("Kafka's answer ended early (a protocol version this broker does not speak?)");
    const part = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return part;
  }
}

export interface KafkaWire {
  /** Send one request; resolves with the answer's body (after its correlation id). */
  request(apiKey: number, apiVersion: number, body: Buffer): Promise<Buffer>;
  close(): void;
}

const CLIENT_ID = "helk-probe";

/** One request as it goes on the wire: its size, a v1 header (api key, version, correlation id, client id), the body. */
export function frameRequest(apiKey: number, apiVersion: number, correlationId: number, clientId: string, body: Buffer): Buffer {
  const header = new KafkaWriter().int16(apiKey).int16(apiVersion).int32(correlationId).string(clientId).buffer();
  return Buffer.concat([new KafkaWriter().int32(header.length + body.length).buffer(), header, body]);
}

/**
 * The whole answers in what a connection has read. Each is a 4-byte size, the correlation id of
 * the request it answers, then the body; `pending` is what the last chunk left of one. Calls
 * `answer` for each, in order, while it returns true, and returns what is left for the next
 * chunk (undefined: nothing), or an Error for a size too small to hold a correlation id, after
 * which the stream cannot be split any more.
 */
export function splitAnswers(
  pending: Buffer | undefined,
  chunk: Buffer,
  answer: (correlationId: number, body: Buffer) => boolean,
): Buffer | undefined | Error {
  let data = pending ? Buffer.concat([pending, chunk]) : chunk;
  while (data.length >= 4) {
    const size = data.readInt32BE(0);
    if (size < 4) return new Error(`an answer of ${size} bytes, too short for its correlation id`);
    if (data.length < 4 + size) break;
    const more = answer(data.readInt32BE(4), data.subarray(8, 4 + size));
    data = data.subarray(4 + size);
    if (!more) return undefined;
  }
  return data.length ? data : undefined;
}

/**
 * A socket to a broker, TLS when `access.tls` says so (the CA file read, the host name checked
 * unless it is an address); `ready` names the event that says the connection is usable.
 */
export function connectBroker(host: string, port: number, access: KafkaAccess): { socket: Socket; ready: "connect" | "secureConnect" } {
  if (!access.tls) return { socket: tcpConnect({ host, port }), ready: "connect" };
  const socket = tlsConnect({
    host,
    port,
    ...(isIP(host) ? {} : { servername: host }),
    ...(access.tls.caFile ? { ca: readFileSync(access.tls.caFile, "utf8") } : {}),
  });
  return { socket, ready: "secureConnect" };
}

/**
 * A connection to one broker ("host:port"), TLS when `access.tls` says so, bounded by
 * `timeoutMs` from now: past it, the connection is destroyed and every open request fails.
 */
export function openKafkaWire(address: string, access: KafkaAccess, timeoutMs: number): Promise<KafkaWire> {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon).replace(/^\[|\]$/g, "");
  const port = Number(address.slice(colon + 1));
  if (colon < 1 || !Number.isInteger(port) || port < 1 || port > 65535)
    return Promise.reject(new Error(`"${address}" is not a Kafka broker address (host:port)`));
  return new Promise((resolve, reject) => {
    const { socket, ready } = connectBroker(host, port, access);
    const waiting = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
    let failure: Error | undefined;
    let connected = false;
    let pending: Buffer | undefined;
    let nextId = 1;
    const fail = (err: Error) => {
      failure ??= err;
      socket.destroy();
      for (const w of waiting.values()) w.reject(failure);
      waiting.clear();
      if (!connected) reject(failure);
    };
    const timer = setTimeout(() => fail(new Error(`Kafka at ${address} did not answer in ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    socket.setNoDelay(true);
    socket.on("error", (err) => fail(err));
    socket.on("close", () => {
      clearTimeout(timer);
      fail(new KafkaConnectionClosed(address));
    });
    socket.on("data", (chunk: Buffer) => {
      const left = splitAnswers(pending, chunk, (id, body) => {
        waiting.get(id)?.resolve(body);
        waiting.delete(id);
        return true;
      });
      if (left instanceof Error) fail(new Error(`Kafka at ${address} sent ${left.message}`));
      else pending = left;
    });
    socket.once(ready, () => {
      connected = true;
      resolve({
        request(apiKey, apiVersion, body) {
          if (failure) return Promise.reject(failure);
          const id = nextId++;
          return new Promise<Buffer>((res, rej) => {
            waiting.set(id, { resolve: res, reject: rej });
            socket.write(frameRequest(apiKey, apiVersion, id, CLIENT_ID, body));
          });
        },
        close() {
          clearTimeout(timer);
          socket.removeAllListeners("close");
          socket.destroy();
        },
      });
    });
  });
}
