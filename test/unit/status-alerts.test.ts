/**
 * `helk status` with the alerting add-on: alerts in the last hour per rule, beside the services.
 * Elasticsearch is a small HTTP server answering the one search (or a closed port); the services
 * are a scripted Docker client. Without the add-on the field is absent; unreachable, it is unknown
 * and status still answers, its health verdict untouched.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertsLine } from "../../cli/commands/status.js";
import { addRules } from "../../engine/rules/add.js";
import { setDisabled } from "../../engine/rules/disable.js";
import { status } from "../../engine/stack/status.js";
import { fakeRunner } from "../helpers/fake-sigma-converter.js";
import { container, scriptedDocker } from "../helpers/fakes.js";
import { rulesHome, SIGMA, sigmaFolder } from "../helpers/rules-home.js";

let server: Server;
let port: number;
let lastQuery = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? "");
    if (!url.startsWith("/helk-alerts/_search")) {
      res.statusCode = 404;
      res.end("{}");
      return;
    }
    lastQuery = url;
    res.end(JSON.stringify({ aggregations: { rules: { buckets: [{ key: "Bitsadmin download", doc_count: 3 }] } } }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

async function statusOf(o: { alerting: boolean; esPort?: number; probes?: boolean }) {
  const { home, record } = rulesHome({ alerting: o.alerting, ...(o.esPort ? { esPort: o.esPort } : {}) });
  if (o.alerting) await addRules({ home, record, runner: fakeRunner() }, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
  // The services' own probes are beside the point here (and reach nothing): only the alerts' search runs.
  const docker = scriptedDocker([record.services.map((s) => container(s, { state: o.probes === false ? "running" : "created" }))]);
  return status({ record, docker }, { probes: o.probes ?? true });
}

describe("helk status: alerts in the last hour", () => {
  it("every loaded rule with its count (0 included), their total, and one line for the table", async () => {
    const s = await statusOf({ alerting: true, esPort: port });
    expect(s.alerts).toEqual({
      lastHour: { "Regsvr32 loads a scriptlet (HELK)": 0, "Bitsadmin download": 3 },
      total: 3,
      detail: "3 alerts in the last hour",
    });
    expect(lastQuery).toContain('"range":{"alert_time":{"gte":"now-60m"}}');
    expect(alertsLine(s.alerts as NonNullable<typeof s.alerts>)).toBe("alerts: 3 alerts in the last hour (Bitsadmin download 3)");
  });

  it("a disabled rule with no alert is left out: it can no longer fire", async () => {
    const { home, record } = rulesHome({ alerting: true, esPort: port });
    const ctx = { home, record, runner: fakeRunner() };
    await addRules(ctx, sigmaFolder({ "a.yml": SIGMA.bitsadmin }));
    await setDisabled(ctx, "7a1c9e2e", true);
    const s = await status({ record, docker: scriptedDocker([[]]) }, { probes: true });
    expect(s.alerts?.lastHour).toEqual({ "Bitsadmin download": 3 });
  });

  it("Elasticsearch unreachable: unknown, with why, and status still answers", async () => {
    const s = await statusOf({ alerting: true });
    expect(s.alerts).toMatchObject({ lastHour: null, total: null });
    expect(s.alerts?.detail).toMatch(/^unknown: Elasticsearch did not answer .*ECONNREFUSED/);
    expect(s.services.map((x) => x.name)).toContain("elastalert");
  });

  it("--no-probes asks nothing; without the add-on there is no alerts field", async () => {
    expect((await statusOf({ alerting: true, esPort: port, probes: false })).alerts?.detail).toBe("not asked (--no-probes)");
    expect(await statusOf({ alerting: false, esPort: port })).not.toHaveProperty("alerts");
  });
});
