/**
 * One GET of a JSON document with node:http/https, for the probes. `fetch` and the
 * Elasticsearch client load undici and the client's transport on first use (about 100 ms
 * and 400 ms of a probed `helk status` on the 2-core build machine); a status check makes
 * a handful of small GETs and needs neither.
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface GetOptions {
  headers?: Record<string, string>;
  /** Whole request, connect to last byte; 5 s unless given. */
  timeoutMs?: number;
  /** PEM file of the CA that signed the server's certificate (https only). */
  caFile?: string;
  /** Statuses answered as `undefined` instead of an error (404 for "no such document"). */
  ignore?: number[];
}

/** The URL as it may be shown: a Jupyter token in the query string is masked. */
const shown = (url: string) => url.replace(/token=[^&]+/, "token=...");

/** GET `url` and parse its JSON body; throws with the status on a non-2xx answer not in `ignore`. */
export function getJson(url: string, o: GetOptions = {}): Promise<unknown> {
  const u = new URL(url);
  const request = u.protocol === "https:" ? httpsRequest : httpRequest;
  const timeoutMs = o.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      { method: "GET", headers: { accept: "application/json", ...o.headers }, ...(o.caFile ? { ca: readFileSync(o.caFile, "utf8") } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          if (o.ignore?.includes(status)) return resolve(undefined);
          if (status < 200 || status >= 300) return reject(new Error(`HTTP ${status} from ${shown(url)}`));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
          } catch (err) {
            reject(new Error(`not JSON from ${shown(url)}: ${(err as Error).message}`));
          }
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer from ${shown(url)} in ${timeoutMs / 1000} s`)), timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("error", reject);
    req.end();
  });
}
