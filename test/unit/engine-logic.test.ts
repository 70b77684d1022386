/** Engine logic with only the clock, the Docker observations or the file system replaced. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../compose/config/schema.js";
import type { Clock } from "../../engine/clock.js";
import { type ContainerSummary, type DockerClient, demuxLogs } from "../../engine/docker-client.js";
import { HelkError } from "../../engine/errors.js";
import type { ProgressEvent } from "../../engine/events.js";
import { waitForHealthy } from "../../engine/health-wait.js";
import { InstallLog } from "../../engine/install-log.js";
import { runPreflight } from "../../engine/preflight.js";

function fakeClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

const container = (service: string, patch: Partial<ContainerSummary> = {}): ContainerSummary => ({
  id: `id-${service}`,
  name: `p-${service}-1`,
  service,
  image: "img",
  state: "running",
  health: "healthy",
  oomKilled: false,
  restartCount: 0,
  ports: [],
  ...patch,
});

/** A Docker client whose container list follows a script of snapshots, one per poll. */
function scriptedDocker(snapshots: ContainerSummary[][], logs: string[] = []): DockerClient {
  let i = 0;
  return {
    ping: async () => ({ apiVersion: "1.43", version: "24.0.0" }),
    info: async () => ({ dockerRootDir: "/var/lib/docker" }),
    containers: {
      list: async () => snapshots[Math.min(i++, snapshots.length - 1)] ?? [],
      logsTail: async () => logs,
      envVar: async () => undefined,
    },
    images: { exists: async () => true },
    volumes: { list: async () => [] },
  };
}

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

describe("InstallLog", () => {
  it("timestamps lines and redacts every registered secret, longest first", () => {
    const dir = mkdtempSync(join(tmpdir(), "helk-log-"));
    const log = new InstallLog(join(dir, "sub", "install.log"), () => new Date("2026-01-02T03:04:05.000Z"));
    log.addSecrets(["Secret123", "Secret123456789", "abc"]);
    log.write("user elastic password Secret123456789 and Secret123");
    log.command(["docker", "compose", "up"], { exitCode: 0, output: "env ELASTIC_PASSWORD=Secret123\nok", durationMs: 1500 });
    expect(readFileSync(join(dir, "sub", "install.log"), "utf8")).toBe(
      [
        "2026-01-02T03:04:05.000Z user elastic password [redacted] and [redacted]",
        "2026-01-02T03:04:05.000Z $ docker compose up  (exit 0, 1.5 s)",
        "2026-01-02T03:04:05.000Z   | env ELASTIC_PASSWORD=[redacted]",
        "2026-01-02T03:04:05.000Z   | ok",
        "",
      ].join("\n"),
    );
  });
});

describe("preflight: vm.max_map_count", () => {
  it("reports a low value as fixable, and the fix raises and persists it", async () => {
    const root = mkdtempSync(join(tmpdir(), "helk-proc-"));
    mkdirSync(join(root, "sys", "vm"), { recursive: true });
    writeFileSync(join(root, "sys", "vm", "max_map_count"), "65530\n");
    const sysctlFile = join(root, "99-helk.conf");
    const config = { ...defaultConfig(), hostIp: "127.0.0.1", installHome: root };
    const { outcomes } = await runPreflight(
      {
        config,
        host: { memoryMiB: 16384, cpus: 2 },
        docker: scriptedDocker([[]]),
        ownPorts: new Set(),
        isRoot: true,
        procRoot: root,
        sysctlFile,
      },
      new Set(["ports", "disk", "engine", "memory", "root"]),
    );
    const check = outcomes.find((o) => o.name === "max-map-count");
    expect(check).toMatchObject({ ok: false, message: "vm.max_map_count is 65530; Elasticsearch needs at least 262144" });
    expect(check?.fix?.apply()).toBe(`vm.max_map_count=262144 (persisted in ${sysctlFile})`);
    expect(readFileSync(join(root, "sys", "vm", "max_map_count"), "utf8")).toBe("262144");
    expect(readFileSync(sysctlFile, "utf8")).toContain("vm.max_map_count=262144\n");
  });

  it("refuses too little memory for the profile, naming both figures", async () => {
    const config = { ...defaultConfig(), profile: "notebook-analysis" as const, hostIp: "127.0.0.1" };
    const { outcomes } = await runPreflight(
      { config, host: { memoryMiB: 6 * 1024, cpus: 2 }, docker: scriptedDocker([[]]), ownPorts: new Set(), isRoot: true },
      new Set(["ports", "disk", "engine", "max-map-count", "root"]),
    );
    expect(outcomes.find((o) => o.name === "memory")).toMatchObject({
      ok: false,
      exitCode: 3,
      message: "6.0 GiB memory is below the 12 GiB that profile notebook-analysis needs",
    });
  });

  it("asks 1.5 GiB more per extra broker of the three-broker layout", async () => {
    const config = { ...defaultConfig(), profile: "analysis" as const, hostIp: "127.0.0.1" };
    config.kafka = { ...config.kafka, brokers: 3 };
    const { outcomes } = await runPreflight(
      { config, host: { memoryMiB: 8 * 1024, cpus: 2 }, docker: scriptedDocker([[]]), ownPorts: new Set(), isRoot: true },
      new Set(["ports", "disk", "engine", "max-map-count", "root"]),
    );
    expect(outcomes.find((o) => o.name === "memory")).toMatchObject({
      ok: false,
      message: "8.0 GiB memory is below the 10 GiB that profile analysis needs",
    });
  });
});

describe("demuxLogs", () => {
  it("strips Docker's stream headers", () => {
    const frame = (type: number, text: string) => Buffer.concat([Buffer.from([type, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);
    expect(demuxLogs(Buffer.concat([frame(1, "out\n"), frame(2, "err\n")]))).toBe("out\nerr\n");
  });
});

describe("stream join: has the job read the topic to its end?", () => {
  it("compares every partition of the report with the topic's end offsets", async () => {
    const { caughtUpTo } = await import("../../engine/probes/stream-join-probe.js");
    const status = (offsets: unknown) => ({
      "@timestamp": "2026-01-01T00:00:00Z",
      active: true,
      source_end_offsets: JSON.stringify(offsets),
    });
    const ends = { "0": 10, "1": 5, "2": 0 };
    expect(caughtUpTo(status({ winlogbeat: { "0": 10, "1": 5, "2": 0 } }), "winlogbeat", ends)).toBe(true);
    expect(caughtUpTo(status({ winlogbeat: { "0": 10, "1": 4 } }), "winlogbeat", ends)).toBe(false);
    expect(caughtUpTo(undefined, "winlogbeat", ends)).toBe(false);
    expect(caughtUpTo({ "@timestamp": "x", active: true, source_end_offsets: "{broken" }, "winlogbeat", ends)).toBe(false);
  });
});

describe("KRaft cluster ids", () => {
  it("are 22 base64url characters and never start with '-', which kafka-storage would read as an option", async () => {
    const { generateClusterId } = await import("../../engine/secrets.js");
    const ids = Array.from({ length: 5000 }, () => generateClusterId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
