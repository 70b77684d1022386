/**
 * Status readers for services that cannot run here (Kibana, Logstash, ksqlDB), against
 * responses in the shape their documentation gives (trimmed); Jupyter's and Elasticsearch's
 * probes run against the real services in the engine tier.
 */
import { describe, expect, it } from "vitest";
import { readJupyterStatus, readKibanaStatus, readKsqlInfo, readLogstashPipelines } from "../../engine/probes/http-probes.js";

describe("probe readers", () => {
  it("Kibana /api/status: available, or the summary of what is not", () => {
    const ok = {
      name: "helk-kibana",
      version: { number: "8.19.5", build_flavor: "default" },
      status: { overall: { level: "available", summary: "All services and plugins are available" } },
    };
    expect(readKibanaStatus(ok)).toEqual({ ok: true, detail: "available, Kibana 8.19.5" });
    const degraded = {
      version: { number: "8.19.5" },
      status: { overall: { level: "degraded", summary: "1 service is degraded: elasticsearch" } },
    };
    expect(readKibanaStatus(degraded)).toEqual({ ok: false, detail: "degraded, Kibana 8.19.5: 1 service is degraded: elasticsearch" });
  });

  it("Logstash /_node/pipelines: the pipelines that run", () => {
    const doc = {
      host: "logstash",
      version: "8.19.5",
      status: "green",
      pipelines: { "helk-kafka-to-es": { workers: 2, batch_size: 125 } },
    };
    expect(readLogstashPipelines(doc)).toEqual({ ok: true, detail: "1 pipeline (helk-kafka-to-es), Logstash 8.19.5" });
    expect(readLogstashPipelines({ version: "8.19.5", pipelines: {} })).toEqual({ ok: false, detail: "no pipeline running" });
  });

  it("ksqlDB /info: RUNNING or not", () => {
    const doc = {
      KsqlServerInfo: { version: "0.29.0", kafkaClusterId: "q1Sh-9_ISia_zwGINzRvyQ", ksqlServiceId: "helk_", serverStatus: "RUNNING" },
    };
    expect(readKsqlInfo(doc)).toEqual({ ok: true, detail: "RUNNING, ksqlDB 0.29.0" });
    expect(readKsqlInfo({ KsqlServerInfo: { version: "0.29.0", serverStatus: "ERROR" } }).ok).toBe(false);
  });

  it("Jupyter /api/status: kernels and connections", () => {
    expect(
      readJupyterStatus({ connections: 1, kernels: 2, last_activity: "2026-11-24T22:00:00Z", started: "2026-11-24T21:00:00Z" }),
    ).toEqual({
      ok: true,
      detail: "2 kernels, 1 connection",
    });
    expect(readJupyterStatus({}).ok).toBe(false);
  });
});
