/**
 * Probes for the HTTP services, as pure readers of each service's own status document
 * (tested against recorded real responses) plus one plain GET.
 */
import { getJson } from "./http-get.js";
import { failed, type Probe, type ProbeResult } from "./probe.js";

/** Kibana `GET /api/status` (8.x/9.x shape). */
export function readKibanaStatus(doc: unknown): ProbeResult {
  const d = doc as { version?: { number?: string }; status?: { overall?: { level?: string; summary?: string } } };
  const level = d.status?.overall?.level ?? "unknown";
  return {
    ok: level === "available",
    detail: `${level}${d.version?.number ? `, Kibana ${d.version.number}` : ""}${level !== "available" && d.status?.overall?.summary ? `: ${d.status.overall.summary}` : ""}`,
  };
}

/** Logstash `GET /_node/pipelines`. */
export function readLogstashPipelines(doc: unknown): ProbeResult {
  const d = doc as { version?: string; pipelines?: Record<string, unknown> };
  const names = Object.keys(d.pipelines ?? {});
  return {
    ok: names.length > 0,
    detail: names.length
      ? `${names.length} pipeline${names.length === 1 ? "" : "s"} (${names.join(", ")})${d.version ? `, Logstash ${d.version}` : ""}`
      : "no pipeline running",
  };
}

/** ksqlDB `GET /info`. */
export function readKsqlInfo(doc: unknown): ProbeResult {
  const info = (doc as { KsqlServerInfo?: { version?: string; serverStatus?: string; kafkaClusterId?: string } }).KsqlServerInfo;
  const status = info?.serverStatus ?? "unknown";
  return { ok: status === "RUNNING", detail: `${status}${info?.version ? `, ksqlDB ${info.version}` : ""}` };
}

/** Jupyter Server `GET /api/status`. */
export function readJupyterStatus(doc: unknown): ProbeResult {
  const d = doc as { kernels?: number; connections?: number; started?: string };
  return {
    ok: typeof d.started === "string",
    detail: `${d.kernels ?? 0} kernel${d.kernels === 1 ? "" : "s"}, ${d.connections ?? 0} connection${d.connections === 1 ? "" : "s"}`,
  };
}

const httpProbe =
  (path: string, read: (doc: unknown) => ProbeResult): Probe =>
  async (t) => {
    try {
      const url = `${t.address}${path}${t.token ? `?token=${encodeURIComponent(t.token)}` : ""}`;
      return read(await getJson(url, t.timeoutMs ? { timeoutMs: t.timeoutMs } : {}));
    } catch (err) {
      return failed(err);
    }
  };

export const kibanaProbe = httpProbe("/api/status", readKibanaStatus);
export const logstashProbe = httpProbe("/_node/pipelines", readLogstashPipelines);
export const ksqldbProbe = httpProbe("/info", readKsqlInfo);
export const jupyterProbe = httpProbe("/jupyter/api/status", readJupyterStatus);
