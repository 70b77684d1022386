/** The probes' plain GET (engine/probes/http-get.ts) and the Elasticsearch reads on it, against a local server. */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { elasticsearchProbe, esGet } from "../../engine/probes/elasticsearch-probe.js";
import { getJson } from "../../engine/probes/http-get.js";

let server: Server;
let base = "";
const seen: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.url === "/_cluster/health") return json(200, { status: "yellow", number_of_nodes: 1, active_shards: 3 });
    if (req.url?.startsWith("/_nodes/_local")) return json(200, { nodes: { x: { version: "8.19.5" } } });
    if (req.url === "/missing") return json(404, { found: false });
    if (req.url === "/slow") return setTimeout(() => json(200, {}), 500);
    return json(500, { error: "boom" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

describe("getJson", () => {
  it("answers an ignored status with undefined and fails on another, the token masked", async () => {
    expect(await getJson(`${base}/missing`, { ignore: [404] })).toBeUndefined();
    await expect(getJson(`${base}/other?token=s3cret`)).rejects.toThrow(`HTTP 500 from ${base}/other?token=...`);
  });

  it("gives up after its timeout", async () => {
    await expect(getJson(`${base}/slow`, { timeoutMs: 100 })).rejects.toThrow(/no answer .* in 0.1 s/);
  });
});

describe("Elasticsearch over plain GETs", () => {
  it("sends the user's login, skips a node that refuses the connection, and reads health and version", async () => {
    const login = { nodes: ["http://127.0.0.1:1", base], username: "elastic", password: "pw" };
    expect(await esGet(login, "/_cluster/health")).toMatchObject({ status: "yellow" });
    expect(seen.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from("elastic:pw").toString("base64")}`);
    expect(await elasticsearchProbe({ address: base, elasticsearch: { ...login, external: false } })).toEqual({
      ok: true,
      detail: "yellow, 1 node, 3 shards, Elasticsearch 8.19.5",
    });
  });

  it("sends an API key as such", async () => {
    await esGet({ nodes: [base], apiKey: "k3y" }, "/_cluster/health");
    expect(seen.at(-1)?.headers.authorization).toBe("ApiKey k3y");
  });
});
