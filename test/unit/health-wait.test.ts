/** waitForHealthy with a scripted Docker client and a fake clock. */
import { describe, expect, it } from "vitest";
import { HelkError } from "../../engine/errors.js";
import type { ProgressEvent } from "../../engine/events.js";
import { waitForHealthy } from "../../engine/stack/health-wait.js";
import { container, fakeClock, scriptedDocker } from "../helpers/fakes.js";

describe("waitForHealthy", () => {
  it("reports each service when it becomes healthy, with seconds since the wait began", async () => {
    const clock = fakeClock();
    const events: ProgressEvent[] = [];
    const docker = scriptedDocker([
      [container("kafka", { health: "starting" })],
      [container("kafka"), container("elasticsearch", { health: "starting" })],
      [container("kafka"), container("elasticsearch")],
    ]);
    const r = await waitForHealthy({
      docker,
      project: "p",
      services: ["kafka", "elasticsearch"],
      timeoutSeconds: 60,
      clock,
      sink: (e) => events.push(e),
      pollMs: 2000,
    });
    expect(r).toEqual({ kafka: 2, elasticsearch: 4 });
    expect(events.map((e) => ("message" in e ? e.message : ""))).toEqual(["kafka healthy after 2 s", "elasticsearch healthy after 4 s"]);
  });

  it("gives up on a service after its own timeout, naming it with state, check output and logs", async () => {
    const clock = fakeClock();
    const docker = scriptedDocker(
      [[container("kafka"), container("logstash", { health: "unhealthy", lastHealthOutput: "curl: (7) Failed to connect" })]],
      ["line 1", "line 2"],
    );
    const err = await waitForHealthy({
      docker,
      project: "p",
      services: ["kafka", "logstash"],
      timeoutSeconds: 30,
      clock,
      sink: () => {},
      logFile: "/x.log",
    }).catch((e) => e);
    expect(err).toBeInstanceOf(HelkError);
    expect((err as HelkError).exitCode).toBe(5);
    expect((err as HelkError).message).toBe(
      "not healthy after 32 s: logstash (state running, health unhealthy, last check: curl: (7) Failed to connect)",
    );
    expect((err as HelkError).details).toEqual(["last 2 log lines of logstash:", "  line 1", "  line 2"]);
    expect((err as HelkError).hint).toContain("full log: /x.log");
  });

  it("counts a dependent's deadline from when its container appears", async () => {
    const clock = fakeClock();
    const snapshots = [
      ...Array.from({ length: 10 }, () => [container("elasticsearch", { health: "starting" })]),
      [container("elasticsearch"), container("kibana", { health: "starting" })],
      [container("elasticsearch"), container("kibana")],
    ];
    const r = await waitForHealthy({
      docker: scriptedDocker(snapshots),
      project: "p",
      services: ["elasticsearch", "kibana"],
      timeoutSeconds: 25,
      clock,
      sink: () => {},
    });
    expect(r).toEqual({ elasticsearch: 20, kibana: 22 });
  });

  it("when compose up fails on an unhealthy dependency, names that service", async () => {
    const clock = fakeClock();
    const docker = scriptedDocker([[container("elasticsearch", { health: "unhealthy" })]]);
    const up = Promise.reject(new Error("dependency failed to start: container p-elasticsearch-1 is unhealthy"));
    up.catch(() => {});
    const err = await waitForHealthy({
      docker,
      project: "p",
      services: ["elasticsearch", "kibana"],
      timeoutSeconds: 300,
      clock,
      sink: () => {},
      composeUp: up,
    }).catch((e) => e);
    expect((err as HelkError).message).toMatch(/^not healthy after \d+ s: elasticsearch \(state running, health unhealthy\)$/);
  });

  it("when compose up fails for another reason, passes its error on", async () => {
    const up = Promise.reject(new HelkError("`docker compose up -d` failed (exit 1)"));
    up.catch(() => {});
    const err = await waitForHealthy({
      docker: scriptedDocker([[]]),
      project: "p",
      services: ["kafka"],
      timeoutSeconds: 300,
      clock: fakeClock(),
      sink: () => {},
      composeUp: up,
    }).catch((e) => e);
    expect((err as Error).message).toBe("`docker compose up -d` failed (exit 1)");
  });
});
