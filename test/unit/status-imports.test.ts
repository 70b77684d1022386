/**
 * What `helk status` loads before it answers: start-up is most of its time, so its static
 * import graph (what runs before the first line of the command) holds no npm package beyond
 * commander, and the protocol probes other than Kafka's none at all (plain GETs). Read from
 * esbuild's own graph of the bundle, the same resolver the build uses.
 */
import { describe, expect, it } from "vitest";
import { bundleGraph, staticPackages } from "../helpers/bundle-graph.js";

describe("helk status' imports", () => {
  const entries = {
    main: "cli/main.ts",
    status: "cli/commands/status.ts",
    es: "engine/probes/elasticsearch-probe.ts",
    join: "engine/probes/stream-join-probe.ts",
    http: "engine/probes/http-probes.ts",
  };

  it("loads commander and nothing else from npm before the probes, and no client library for the HTTP probes", async () => {
    const meta = await bundleGraph(Object.values(entries));
    expect(staticPackages(meta, entries.main)).toEqual(["commander"]);
    expect(staticPackages(meta, entries.status)).toEqual([]);
    for (const probe of [entries.es, entries.join, entries.http]) expect(staticPackages(meta, probe)).toEqual([]);
  });
});
