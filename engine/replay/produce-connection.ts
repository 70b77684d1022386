/**
 * Replay's own connection to one broker, for its Produce requests: each request is written whole
 * (size, header, Produce fields, record batch) into a reused buffer and handed to the socket in
 * one write. @platformatic/kafka's connection joins every request's parts into a fresh buffer
 * (connection.js, `writer.buffer`): for bench:replay's 10× input, 254 MB allocated outside V8's
 * heap, which starts full collections, and a second copy of every byte.
 *
 * TLS and the SASL login (PLAIN, SCRAM) are engine/kafka/'s (wire.ts, login.ts), shared with
 * the status probe.
 * Answers are read by the client's Produce parsers and failures are the client's error classes
 * (ProtocolError with Kafka's names, NetworkError for a lost connection), so kafka-producer.ts
 * and pipeline.ts judge them as before. Kafka answers a connection's requests in the order they
 * were sent, which pipeline.ts's numbering relies on (several batches of a partition in flight).
 */
import type { Socket } from "node:net";
import { NetworkError, Reader, TimeoutError } from "@platformatic/kafka";
import type { KafkaAccess } from "../../compose/kafka-access.js";
import { saslLogin } from "../kafka/login.js";
import { connectBroker, frameRequest, type KafkaWire, splitAnswers } from "../kafka/wire.js";
import { encodeProduceRequest, PRODUCE_KEY, type ProduceRequest } from "./record-batch.js";

/** Room for one request: replay's batches stay under 1,000,000 B (batch-sender.ts); a larger request gets a buffer of its own. */
const REQUEST_BYTES = 1024 * 1024 + 64 * 1024;
/** Request buffers kept for reuse once the socket has written them (replay keeps up to 4 batches in flight). */
const SPARE_BUFFERS = 8;

/** Reads a Produce answer's body (the client's parseResponse of the version sent); throws Kafka's errors. */
export type ProduceParser = (correlationId: number, apiKey: number, apiVersion: number, reader: Reader) => unknown;

export interface ProduceConnectionOptions {
  clientId: string;
  connectTimeoutMs: number;
  /** How long an answer may take; past it the connection is dropped and its requests fail (to be resent). */
  requestTimeoutMs: number;
}

interface Waiting {
  answer: (err: Error | null, body?: Buffer) => void;
  /** Flexible versions (9+) put tagged fields after the answer's correlation id. */
  flexible: boolean;
  sentAt: number;
}

/** Skip a flexible answer header's tagged fields: a count, then each tag's number, size and bytes. */
function afterTaggedFields(body: Buffer): Buffer {
  let at = 0;
  const uvarint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = body[at++] ?? 0;
      v |= (b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  for (let n = uvarint(); n > 0; n--) {
    uvarint(); // the tag
    const size = uvarint(); // read before `at` is, since reading moves it
    at += size;
  }
  return body.subarray(at);
}

export class ProduceConnection implements KafkaWire {
  private readonly waiting = new Map<number, Waiting>();
  private readonly spare: Buffer[] = [];
  private readonly clientId: Buffer;
  private readonly watch: NodeJS.Timeout;
  private nextId = 1;
  private pending: Buffer | undefined;
  private failure: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    private readonly o: ProduceConnectionOptions,
  ) {
    this.clientId = Buffer.from(o.clientId);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => this.fail(new NetworkError(`Connection to ${address} failed.`, { cause: err })));
    socket.on("close", () => this.fail(new NetworkError(`Connection to ${address} closed.`)));
    // One timer per connection, not one per request: the oldest request is the first waiting.
    this.watch = setInterval(() => this.checkTimeout(), Math.min(1000, o.requestTimeoutMs)).unref();
  }

  /** Connect (TLS when access says so) and log in (SASL when access says so). */
  static open(host: string, port: number, access: KafkaAccess, o: ProduceConnectionOptions): Promise<ProduceConnection> {
    const address = `${host}:${port}`;
    return new Promise<ProduceConnection>((resolve, reject) => {
      const { socket, ready } = connectBroker(host, port, access);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new NetworkError(`Connection to ${address} timed out.`));
      }, o.connectTimeoutMs);
      const refused = (err: Error) => {
        clearTimeout(timer);
        reject(new NetworkError(`Connection to ${address} failed.`, { cause: err }));
      };
      socket.once("error", refused);
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.off("error", refused);
        resolve(new ProduceConnection(socket, address, o));
      });
    }).then(async (connection) => {
      if (!access.sasl) return connection;
      try {
        await saslLogin(connection, access.sasl);
        return connection;
      } catch (err) {
        connection.close();
        throw err;
      }
    });
  }

  /** Whether the connection was lost: its requests failed, a new one is needed. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** One Produce request; resolves with the parsed answer, rejects with Kafka's error or a lost connection. */
  produce(r: Omit<ProduceRequest, "correlationId" | "clientId">, parse: ProduceParser): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const room = this.spare.pop() ?? Buffer.allocUnsafe(REQUEST_BYTES);
    const request = encodeProduceRequest({ ...r, correlationId: id, clientId: this.clientId }, room);
    const inRoom = request.buffer === room.buffer;
    if (!inRoom) this.keep(room);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, {
        flexible: r.version >= 9,
        sentAt: Date.now(),
        answer: (err, body) => {
          if (err || !body) return reject(err);
          try {
            resolve(parse(id, PRODUCE_KEY, r.version, Reader.from(body)));
          } catch (parseErr) {
            reject(parseErr);
          }
        },
      });
      // The socket reads the bytes from the buffer until it has written them; then it is free again.
      this.socket.write(request, () => {
        if (inRoom) this.keep(room);
      });
    });
  }

  /** A request with a v1 header (the login's SaslHandshake and SaslAuthenticate); resolves with the answer's body. */
  request(apiKey: number, apiVersion: number, body: Buffer): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      this.waiting.set(id, {
        flexible: false,
        sentAt: Date.now(),
        answer: (err, answer) => (err || !answer ? reject(err) : resolve(answer)),
      });
      this.socket.write(frameRequest(apiKey, apiVersion, id, this.o.clientId, body));
    });
  }

  close(): void {
    clearInterval(this.watch);
    this.socket.removeAllListeners("close");
    this.socket.destroy();
    this.fail(new NetworkError(`Connection to ${this.address} closed.`));
  }

  private keep(buffer: Buffer): void {
    if (this.spare.length < SPARE_BUFFERS) this.spare.push(buffer);
  }

  private onData(chunk: Buffer): void {
    const left = splitAnswers(this.pending, chunk, (id, body) => {
      const w = this.waiting.get(id);
      if (!w) {
        this.fail(new NetworkError(`${this.address} answered request ${id}, which was not sent on this connection.`));
        return false;
      }
      this.waiting.delete(id);
      w.answer(null, w.flexible ? afterTaggedFields(body) : body);
      return true;
    });
    if (left instanceof Error) this.fail(new NetworkError(`${this.address} sent ${left.message}.`));
    else this.pending = left;
  }

  private checkTimeout(): void {
    const oldest = this.waiting.values().next().value as Waiting | undefined;
    if (oldest && Date.now() - oldest.sentAt > this.o.requestTimeoutMs)
      this.fail(new TimeoutError(`Kafka at ${this.address} did not answer in ${this.o.requestTimeoutMs / 1000} s.`));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    clearInterval(this.watch);
    this.socket.destroy();
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) w.answer(this.failure);
  }
}
