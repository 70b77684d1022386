/**
 * Kibana provisioning logic: the import request (multipart NDJSON, kbn-xsrf, basic auth), what
 * a second run does, and how a refusal surfaces. No Kibana can be obtained here, so the peer is
 * a loopback HTTP server answering in the shapes Kibana's saved objects API documents for
 * _bulk_get and _import; it proves HELK's side only (images-content.test.ts checks the file).
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { provisionKibana, readSavedObjects, savedObjectsFor } from "../../engine/provision/kibana.js";

const ALL_FILES = readSavedObjects(new URL("../../images/kibana/saved-objects/", import.meta.url).pathname);
/** An install without the alerting add-on. */
const FILES = savedObjectsFor(ALL_FILES, ["elasticsearch", "kibana"]);
let server: Server | undefined;
let dir: string | undefined;
afterEach(() => {
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function kibanaPeer(refuse = false) {
  const stored = new Set<string>();
  const requests: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const path = req.url ?? "";
      requests.push({ path, headers: req.headers, body });
      res.setHeader("content-type", "application/json");
      if (path === "/api/saved_objects/_bulk_get") {
        const wanted = JSON.parse(body) as { type: string; id: string }[];
        res.end(
          JSON.stringify({
            saved_objects: wanted.map((o) =>
              stored.has(`${o.type}:${o.id}`) ? { ...o, attributes: {} } : { ...o, error: { statusCode: 404, error: "Not Found" } },
            ),
          }),
        );
        return;
      }
      const lines = body.split(/\r?\n/).filter((l) => l.startsWith("{"));
      const objects = lines.map((l) => JSON.parse(l) as { type: string; id: string });
      if (refuse) {
        res.end(
          JSON.stringify({
            success: false,
            successCount: 0,
            errors: [{ id: "helk-sysmon", type: "index-pattern", error: { type: "conflict" } }],
          }),
        );
        return;
      }
      for (const o of objects) stored.add(`${o.type}:${o.id}`);
      res.end(JSON.stringify({ success: true, successCount: objects.length }));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  dir = mkdtempSync(join(tmpdir(), "helk-kibana-"));
  return {
    address: `http://127.0.0.1:${((server as Server).address() as AddressInfo).port}`,
    requests,
    stored,
    stateFile: join(dir, "state", "kibana.json"),
  };
}

describe("which saved objects an install imports", () => {
  it("the alerts' data view and search only where ElastAlert runs", () => {
    expect(FILES.map((f) => f.name)).toEqual(["helk.ndjson"]);
    const withAlerting = savedObjectsFor(ALL_FILES, ["elasticsearch", "kibana", "elastalert"]);
    expect(withAlerting.map((f) => f.name)).toEqual(["alerts.ndjson", "helk.ndjson"]);
    expect(withAlerting[0]?.objects).toEqual([
      { type: "index-pattern", id: "helk-alerts" },
      { type: "search", id: "helk-alerts-all" },
    ]);
  });
});

describe("Kibana provisioning", () => {
  it("imports the NDJSON as a multipart file with kbn-xsrf and basic auth; a second run imports nothing", async () => {
    const peer = await kibanaPeer();
    const target = { address: peer.address, username: "elastic", password: "s3cret-pass", stateFile: peer.stateFile };
    expect(await provisionKibana(target, FILES)).toEqual(["Kibana saved objects from helk.ndjson: 7 imported"]);
    const imp = peer.requests.find((r) => r.path.startsWith("/api/saved_objects/_import"));
    expect(imp?.path).toBe("/api/saved_objects/_import?overwrite=true");
    expect(imp?.headers["kbn-xsrf"]).toBe("helk");
    expect(imp?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(imp?.headers.authorization).toBe(`Basic ${Buffer.from("elastic:s3cret-pass").toString("base64")}`);
    expect(imp?.body).toContain('filename="helk.ndjson"');
    expect(peer.stored.size).toBe(7);
    expect(Object.keys(JSON.parse(readFileSync(peer.stateFile, "utf8")) as object)).toEqual(["helk.ndjson"]);

    const before = peer.requests.length;
    expect(await provisionKibana(target, FILES)).toEqual([]);
    expect(peer.requests.slice(before).map((r) => r.path)).toEqual(["/api/saved_objects/_bulk_get"]);
  });

  it("imports again when an object was deleted in Kibana", async () => {
    const peer = await kibanaPeer();
    const target = { address: peer.address, stateFile: peer.stateFile };
    await provisionKibana(target, FILES);
    peer.stored.delete("dashboard:helk-sysmon-process-network");
    expect(await provisionKibana(target, FILES)).toEqual(["Kibana saved objects from helk.ndjson: 7 imported"]);
  });

  it("a refused import names the first failed object", async () => {
    const peer = await kibanaPeer(true);
    await expect(provisionKibana({ address: peer.address, stateFile: peer.stateFile }, FILES)).rejects.toThrow(
      "Kibana refused helk.ndjson: 1 objects failed, first index-pattern helk-sysmon: conflict",
    );
  });
});
