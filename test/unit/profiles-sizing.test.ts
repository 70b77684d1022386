import { describe, expect, it } from "vitest";
import type { AddonName } from "../../compose/config/schema.js";
import { defaultConfig } from "../../compose/config/schema.js";
import {
  firstDataService,
  KAFKA_BROKERS,
  MEMORY_SLACK,
  PROFILES,
  recommendProfile,
  requirements,
  type ServiceName,
  selectServices,
} from "../../compose/profiles.js";
import { budgetMiB, floorMiB, sizeServices } from "../../compose/sizing.js";

describe("profile catalogue", () => {
  it.each([
    ["core", [], ["kafka", "elasticsearch", "logstash", "kibana", "nginx"]],
    ["analysis", [], ["kafka", "elasticsearch", "logstash", "kibana", "nginx", "ksqldb-server", "ksqldb-cli"]],
    [
      "notebook-analysis",
      ["alerting"],
      [
        "kafka",
        "elasticsearch",
        "logstash",
        "kibana",
        "nginx",
        "ksqldb-server",
        "ksqldb-cli",
        "jupyter",
        "spark-master",
        "spark-worker",
        "stream-join",
        "elastalert",
      ],
    ],
    ["core", ["alerting"], ["kafka", "elasticsearch", "logstash", "kibana", "nginx", "elastalert"]],
  ] as const)("%s + %j", (profile, addons, services) => {
    expect(selectServices(profile, addons)).toEqual(services);
  });

  it.each([
    [5, undefined],
    [5.5, "core"],
    [7, "analysis"],
    [11.9, "analysis"],
    [12, "notebook-analysis"],
    [64, "notebook-analysis"],
  ])("recommends for %d GiB: %s", (gib, name) => {
    expect(recommendProfile(gib)?.name).toBe(name);
  });

  it("adds the add-on's memory to the profile's minimum", () => {
    expect(requirements("analysis", [])).toEqual({ ramGiB: 7, diskGiB: 20 });
    expect(requirements("analysis", ["alerting"])).toEqual({ ramGiB: 7.5, diskGiB: 20 });
    expect(requirements("analysis", [], 3)).toEqual({ ramGiB: 10, diskGiB: 20 });
  });
});

describe("memory sizing", () => {
  const memory = defaultConfig().memory;
  const combos = PROFILES.flatMap((p) =>
    [[], ["alerting"]].flatMap((addons) => [1, 3].map((brokers) => ({ profile: p.name, addons: addons as AddonName[], brokers }))),
  );
  const servicesOf = (c: (typeof combos)[number]) =>
    selectServices(c.profile, c.addons).flatMap((s) => (s === "kafka" ? KAFKA_BROKERS.slice(0, c.brokers) : [s]));
  const totalOf = (sized: Record<string, { limitMiB: number }>) => Object.values(sized).reduce((s, m) => s + m.limitMiB, 0);

  // Every host size preflight accepts, from the profile's minimum less the slack up to 256 GiB,
  // in 64 MiB steps to 32 GiB and 1 GiB steps beyond.
  it.each(combos)("$profile + $addons, $brokers broker(s): within the budget at every host size preflight accepts", (c) => {
    const services = servicesOf(c);
    const lowest = Math.ceil(requirements(c.profile, c.addons, c.brokers).ramGiB * MEMORY_SLACK * 1024);
    const hosts: number[] = [];
    for (let h = lowest; h <= 32 * 1024; h += 64) hosts.push(h);
    for (let g = 33; g <= 256; g++) hosts.push(g * 1024);
    for (const host of hosts) {
      const sized = sizeServices(host, services, memory);
      expect(Object.keys(sized).sort()).toEqual([...services].sort());
      expect(totalOf(sized), `${host} MiB host`).toBeLessThanOrEqual(budgetMiB(host));
      for (const [name, m] of Object.entries(sized)) {
        expect(m.limitMiB, `${name} on ${host} MiB`).toBeGreaterThanOrEqual(floorMiB(name as ServiceName));
        if (m.heapMiB !== undefined) {
          // A sane JVM: at least 512 MB of heap, and at least a quarter of the limit off heap.
          expect(m.heapMiB, `${name} heap on ${host} MiB`).toBeGreaterThanOrEqual(512);
          expect(m.heapMiB, `${name} heap on ${host} MiB`).toBeLessThanOrEqual(m.limitMiB * 0.67);
        }
      }
      expect(sized.elasticsearch!.heapMiB).toBeLessThanOrEqual(31 * 1024);
    }
  });

  it.each([
    ["notebook-analysis + alerting on 8 GiB (issue 19)", "notebook-analysis", ["alerting"], 8],
    ["analysis on 5 GiB (issue 19)", "analysis", [], 5],
  ] as const)("the old minimums are now refused: %s", (_label, profile, addons, gib) => {
    // What used to be accepted could not hold the floors: preflight now asks for more.
    expect(requirements(profile, addons).ramGiB * MEMORY_SLACK).toBeGreaterThan(gib);
    const floors = selectServices(profile, addons).reduce((s, n) => s + floorMiB(n), 0);
    expect(floors).toBeGreaterThan(budgetMiB(gib * 1024));
  });

  it("grows above the floors with the host: Elasticsearch gets most of a large host", () => {
    const small = sizeServices(12 * 1024, selectServices("notebook-analysis", []), memory);
    const large = sizeServices(64 * 1024, selectServices("notebook-analysis", []), memory);
    expect(large.elasticsearch!.limitMiB).toBeGreaterThan(4 * small.elasticsearch!.limitMiB);
    expect(totalOf(large)).toBeGreaterThan(budgetMiB(64 * 1024) - 64 * 12);
  });

  it("honours an explicit heap and grows the limit around it", () => {
    const sized = sizeServices(8 * 1024, ["elasticsearch", "kafka"], { ...memory, elasticsearchHeap: "6g" });
    expect(sized.elasticsearch).toEqual({ heapMiB: 6144, limitMiB: 12288 });
  });

  it("gives Elasticsearch the largest share", () => {
    const sized = sizeServices(16 * 1024, selectServices("analysis", []), memory);
    const biggest = Object.entries(sized).sort((a, b) => b[1].limitMiB - a[1].limitMiB)[0]?.[0];
    expect(biggest).toBe("elasticsearch");
  });
});

describe("the install summary's `helk logs` hint", () => {
  it.each([
    ["lab", [], "stream-join"],
    ["core", [], "logstash"],
    ["analysis", [], "logstash"],
    ["notebook-analysis", ["alerting"], "logstash"],
    ["lab", ["alerting"], "stream-join"],
  ] as const)("%s + %j: helk logs %s", (profile, addons, service) => {
    const services = selectServices(profile, addons);
    expect(firstDataService(services)).toBe(service);
    // Never a service the profile lacks (issue 19: lab was told to follow logstash).
    expect(services).toContain(firstDataService(services));
  });

  it("a service set without Logstash, the join or ksqlDB still gets one of its own services", () => {
    expect(firstDataService(["elasticsearch", "kibana"])).toBe("elasticsearch");
  });
});
