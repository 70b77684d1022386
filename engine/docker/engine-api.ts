/**
 * GET requests to the Docker Engine API over its unix socket. HELK only reads the engine's
 * state through the API (docker-cli.ts does the writes), and `helk status` is one list and a
 * few inspects, so its start-up is most of its time. Measured on the 2-core build machine:
 * dockerode and docker-modem were 243 kB of bundled code parsed on every command, and
 * node:http's first request costs about 20 ms more than these few lines over node:net.
 * An HTTP/1.0 request makes the engine answer without chunked encoding and close the
 * connection after the body, so the body is everything after the headers.
 */
import { connect } from "node:net";

/** A non-2xx answer of the engine; `statusCode` 404 means "no such object". */
export class EngineApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Engine requests that take longer than this have hung (the engine answers reads in milliseconds). */
const TIMEOUT_MS = 30_000;

/** Status code and body of a whole HTTP/1.0 response. */
export function parseResponse(raw: Buffer): { status: number; body: Buffer } {
  const end = raw.indexOf("\r\n\r\n");
  const statusLine = raw.subarray(0, raw.indexOf("\r\n")).toString("latin1");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (end < 0 || !status) throw new Error(`Docker engine: not an HTTP answer: ${JSON.stringify(statusLine.slice(0, 80))}`);
  return { status, body: raw.subarray(end + 4) };
}

/** The raw body of `GET path` (path includes the query string); rejects with the socket's errno error. */
export function engineGet(socketPath: string, path: string): Promise<Buffer> {
  const what = `GET ${path.split("?")[0]}`;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(socketPath);
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`Docker engine: ${what} did not answer in ${TIMEOUT_MS / 1000} s`)));
    // write, not end: the engine (Go's net/http) reads a half-closed connection as the client
    // gone and cancels the request, which empties slow answers (stats, long logs).
    socket.on("connect", () => socket.write(`GET ${path} HTTP/1.0\r\nHost: docker\r\n\r\n`));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("end", () => {
      socket.destroy();
      try {
        const { status, body } = parseResponse(Buffer.concat(chunks));
        if (status >= 200 && status < 300) return resolve(body);
        let message = body.toString("utf8").trim();
        try {
          message = (JSON.parse(message) as { message?: string }).message ?? message;
        } catch {
          // not JSON: keep the text as it came
        }
        reject(new EngineApiError(status, `Docker engine: ${what} answered ${status}: ${message}`));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** `GET path` parsed as JSON. */
export async function engineGetJson<T>(socketPath: string, path: string, query?: Record<string, string>): Promise<T> {
  const qs = query ? `?${new URLSearchParams(query).toString()}` : "";
  return JSON.parse((await engineGet(socketPath, `${path}${qs}`)).toString("utf8")) as T;
}
