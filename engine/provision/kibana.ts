/**
 * Kibana: HELK's saved objects (images/kibana/saved-objects/*.ndjson, the same files its Kibana
 * image carries: data views for HELK's indices, saved searches and the Sysmon dashboard)
 * imported through the saved objects API. Kibana is not published on the host (nginx fronts
 * it), so the caller passes its address on the project network. Idempotent: objects that all
 * exist and were imported from the same file content are left alone; otherwise the file is
 * imported again with overwrite, which Kibana applies object by object.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface SavedObjectsFile {
  name: string;
  ndjson: string;
  objects: { type: string; id: string }[];
}

export function readSavedObjects(dir: string): SavedObjectsFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ndjson"))
    .sort()
    .map((name) => {
      const ndjson = readFileSync(join(dir, name), "utf8");
      const objects = ndjson
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => {
          const o = JSON.parse(l) as { type: string; id: string };
          return { type: o.type, id: o.id };
        });
      return { name, ndjson, objects };
    });
}

/** The alerting add-on's objects (the helk-alerts data view and the "HELK alerts" search). */
export const ALERTS_OBJECTS = "alerts.ndjson";

/**
 * The files an install imports: the alerts' objects only where ElastAlert runs, so a stack
 * without it has no data view over an index nothing writes.
 */
export function savedObjectsFor(files: SavedObjectsFile[], services: readonly string[]): SavedObjectsFile[] {
  return files.filter((f) => f.name !== ALERTS_OBJECTS || services.includes("elastalert"));
}

export interface KibanaTarget {
  /** http://<container address>:5601 */
  address: string;
  username?: string;
  password?: string;
  /** Where the content hash of the last import is kept (the install home's state folder). */
  stateFile: string;
  timeoutMs?: number;
}

function headers(t: KibanaTarget): Record<string, string> {
  return {
    "kbn-xsrf": "helk",
    ...(t.username && t.password ? { authorization: `Basic ${Buffer.from(`${t.username}:${t.password}`).toString("base64")}` } : {}),
  };
}

async function call(t: KibanaTarget, path: string, init: { method: string; body?: BodyInit; json?: unknown }): Promise<unknown> {
  const res = await fetch(`${t.address}${path}`, {
    method: init.method,
    headers: { ...headers(t), ...(init.json !== undefined ? { "content-type": "application/json" } : {}) },
    body: init.json !== undefined ? JSON.stringify(init.json) : (init.body ?? null),
    signal: AbortSignal.timeout(t.timeoutMs ?? 30_000),
  });
  const body = (await res.json().catch(() => undefined)) as { message?: string } | undefined;
  if (!res.ok) throw new Error(`Kibana answered HTTP ${res.status} to ${init.method} ${path}${body?.message ? `: ${body.message}` : ""}`);
  return body;
}

/** Which of the file's objects Kibana lacks. */
async function missing(t: KibanaTarget, file: SavedObjectsFile): Promise<number> {
  const r = (await call(t, "/api/saved_objects/_bulk_get", { method: "POST", json: file.objects })) as {
    saved_objects?: { error?: unknown }[];
  };
  return (r.saved_objects ?? []).filter((o) => o.error).length + Math.max(0, file.objects.length - (r.saved_objects?.length ?? 0));
}

export async function provisionKibana(t: KibanaTarget, files: SavedObjectsFile[]): Promise<string[]> {
  const done = existsSync(t.stateFile) ? (JSON.parse(readFileSync(t.stateFile, "utf8")) as Record<string, string>) : {};
  const changes: string[] = [];
  for (const file of files) {
    const hash = createHash("sha256").update(file.ndjson).digest("hex");
    if (done[file.name] === hash && (await missing(t, file)) === 0) continue;
    const form = new FormData();
    form.append("file", new Blob([file.ndjson], { type: "application/ndjson" }), file.name);
    const r = (await call(t, "/api/saved_objects/_import?overwrite=true", { method: "POST", body: form })) as {
      success?: boolean;
      successCount?: number;
      errors?: { id: string; type: string; error?: { type?: string; message?: string } }[];
    };
    if (!r.success) {
      const first = r.errors?.[0];
      throw new Error(
        `Kibana refused ${file.name}: ${r.errors?.length ?? "?"} objects failed${first ? `, first ${first.type} ${first.id}: ${first.error?.message ?? first.error?.type ?? "?"}` : ""}`,
      );
    }
    done[file.name] = hash;
    changes.push(`Kibana saved objects from ${file.name}: ${r.successCount ?? file.objects.length} imported`);
  }
  if (changes.length) {
    mkdirSync(dirname(t.stateFile), { recursive: true });
    writeFileSync(t.stateFile, `${JSON.stringify(done, null, 2)}\n`);
  }
  return changes;
}
