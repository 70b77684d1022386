import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../compose/config/schema.js";
import { recommendProfile, requirements, selectServices } from "../../compose/profiles.js";
import { reserveMiB, sizeServices } from "../../compose/sizing.js";

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
    [3.5, undefined],
    [4, "core"],
    [6, "analysis"],
    [7.9, "analysis"],
    [8, "notebook-analysis"],
    [64, "notebook-analysis"],
  ])("recommends for %d GiB: %s", (gib, name) => {
    expect(recommendProfile(gib)?.name).toBe(name);
  });

  it("adds the add-on's memory to the profile's minimum", () => {
    expect(requirements("analysis", [])).toEqual({ ramGiB: 5, diskGiB: 20 });
    expect(requirements("analysis", ["alerting"])).toEqual({ ramGiB: 5.5, diskGiB: 20 });
  });
});

describe("memory sizing", () => {
  const memory = defaultConfig().memory;
  for (const gib of [5, 8, 16, 24, 64, 256]) {
    it(`fits the notebook stack into ${gib} GiB less the reserve, heaps inside limits`, () => {
      const host = gib * 1024;
      const services = selectServices("notebook-analysis", ["alerting"]);
      const sized = sizeServices(host, services, memory);
      expect(Object.keys(sized).sort()).toEqual([...services].sort());
      for (const [name, m] of Object.entries(sized)) {
        if (m.heapMiB !== undefined) {
          expect(m.heapMiB, name).toBeLessThan(m.limitMiB);
          expect(m.heapMiB, name).toBeGreaterThanOrEqual(512);
        }
      }
      const total = Object.values(sized).reduce((s, m) => s + m.limitMiB, 0);
      if (gib >= 16) expect(total).toBeLessThanOrEqual(host - reserveMiB(host));
      expect(sized.elasticsearch!.heapMiB).toBeLessThanOrEqual(31 * 1024);
    });
  }

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
