/** `helk doctor`'s rules as a table: facts in, findings (with their fixes) out. */
import { describe, expect, it } from "vitest";
import type { ContainerSummary } from "../../engine/docker/docker-client.js";
import { type DoctorFacts, diagnose } from "../../engine/doctor/rules.js";
import { container } from "../helpers/fakes.js";

const running = (service: string, extra: Partial<ContainerSummary> = {}): ContainerSummary => container(service, { image: "x", ...extra });

function facts(patch: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    project: "helk",
    services: ["kafka", "elasticsearch", "logstash"],
    hostIp: "10.0.0.5",
    kafkaPort: 9092,
    host: { memTotalMiB: 16000, memAvailableMiB: 8000, disks: [{ path: "/opt/helk", freeGiB: 100, totalGiB: 200 }], maxMapCount: 262144 },
    takenPorts: [],
    engine: { ok: true },
    containers: [running("kafka"), running("elasticsearch"), running("logstash")],
    logs: {},
    kafkaAdvertised: "INTERNAL://kafka:19092,EXTERNAL://10.0.0.5:9092",
    ...patch,
  };
}
const ids = (f: DoctorFacts) => diagnose(f).map((x) => `${x.severity} ${x.id} ${x.subject}`);

describe("doctor rules", () => {
  it("a healthy install: no findings", () => {
    expect(diagnose(facts())).toEqual([]);
  });

  it.each([
    ["memory pressure", { host: { ...facts().host, memAvailableMiB: 900 } }, ["warning host.memory-pressure host"]],
    [
      "disk below 5%",
      { host: { ...facts().host, disks: [{ path: "/var/lib/docker", freeGiB: 0.5, totalGiB: 50 }] } },
      ["error host.disk-low host"],
    ],
    ["vm.max_map_count", { host: { ...facts().host, maxMapCount: 65530 } }, ["error host.max-map-count host"]],
    [
      "a port held by another process",
      { takenPorts: [{ port: 9200, host: "127.0.0.1", what: "elasticsearch", owner: "pid 42 (python3)" }] },
      ["error host.port-taken elasticsearch"],
    ],
    ["a missing container", { containers: [running("kafka"), running("elasticsearch")] }, ["error container.missing logstash"]],
    [
      "OOM-killed and restarting",
      {
        containers: [
          running("kafka"),
          running("elasticsearch"),
          running("logstash", { state: "restarting", oomKilled: true, restartCount: 5, exitCode: 137 }),
        ],
      },
      ["error container.oom-killed logstash", "error container.restart-loop logstash"],
    ],
    [
      "exit 137 without the OOM flag",
      { containers: [running("kafka"), running("elasticsearch"), running("logstash", { state: "exited", exitCode: 137 })] },
      ["error container.killed logstash"],
    ],
    [
      "exited",
      { containers: [running("kafka"), running("elasticsearch"), running("logstash", { state: "exited", exitCode: 1 })] },
      ["error container.exited logstash"],
    ],
    [
      "created, never started",
      { containers: [running("kafka"), running("elasticsearch"), running("logstash", { state: "created" })] },
      ["error container.not-started logstash"],
    ],
    [
      "unhealthy",
      {
        containers: [
          running("kafka"),
          running("elasticsearch"),
          running("logstash", { health: "unhealthy", lastHealthOutput: "curl: (7)" }),
        ],
      },
      ["warning container.unhealthy logstash"],
    ],
    ["a changed host IP", { hostIp: "10.0.0.9" }, ["error kafka.advertised-listener kafka"]],
    ["Java heap", { logs: { logstash: ["[FATAL] java.lang.OutOfMemoryError: Java heap space"] } }, ["error log.java-heap logstash"]],
    [
      "disk watermark",
      { logs: { elasticsearch: ["flood stage disk watermark [95%] exceeded on [helk-1]"] } },
      ["error log.disk-watermark elasticsearch"],
    ],
    [
      "authentication",
      { logs: { logstash: ['Got response code \'401\' contacting Elasticsearch ... "type":"security_exception"'] } },
      ["error log.auth-failure logstash"],
    ],
    [
      "broker unreachable",
      { logs: { logstash: ["Connection to node 1 (/10.0.0.5:9092) could not be established. Broker may not be available."] } },
      ["error log.kafka-unreachable logstash"],
    ],
  ] as const)("%s", (_name, patch, expected) => {
    expect(ids(facts(patch as Partial<DoctorFacts>))).toEqual(expected);
  });

  it("each finding says what fixes it", () => {
    const oom = diagnose(
      facts({
        containers: [running("kafka"), running("elasticsearch", { oomKilled: true, state: "exited", exitCode: 137 }), running("logstash")],
      }),
    );
    expect(oom[0]?.fix).toContain("memory.elasticsearchHeap");
    const moved = diagnose(facts({ hostIp: "10.0.0.9" }))[0];
    expect(moved?.message).toBe(
      "Kafka advertises 10.0.0.5:9092 to clients, but this host is now reached at 10.0.0.9:9092: Winlogbeat connects, then fails to produce",
    );
    expect(moved?.fix).toMatch(/^sudo helk install --host-ip 10\.0\.0\.9 /);
  });

  it("an unreachable engine: that one finding, nothing guessed about containers", () => {
    expect(ids(facts({ engine: { ok: false, error: "Docker engine not reachable at /var/run/docker.sock" }, containers: [] }))).toEqual([
      "error engine.unreachable engine",
    ]);
  });
});
