/**
 * What `helk status` loads before it answers: start-up is most of its time, so its static
 * import graph (what runs before the first line of the command) holds no npm package beyond
 * commander, and the protocol probes other than Kafka's none at all (plain GETs). Node.js builtins
 * cost too (node:http with node:https and node:tls, node:crypto, node:child_process: 1.5-3 ms each
 * on the 2-core build machine), so `status --no-probes` loads only what reading the install
 * record and asking the Docker socket need. Read from esbuild's own graph of the bundle, the
 * same resolver and plugins the build uses.
 */
import { describe, expect, it } from "vitest";
import { commanderLazyChildProcess } from "../../scripts/esbuild-plugins.mjs";
import { bundleGraph, staticBuiltins, staticPackages } from "../helpers/bundle-graph.js";

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

  it("loads no builtin beyond fs, path and net before it knows it must probe", async () => {
    const meta = await bundleGraph([entries.main, entries.status], [commanderLazyChildProcess]);
    // commander's own: events, fs, path, process; child_process only on the first spawn().
    expect(staticBuiltins(meta, entries.main)).toEqual(["events", "fs", "path", "process"]);
    expect(staticBuiltins(meta, entries.status)).toEqual(["fs", "net", "path"]);
  });

  it("would load node:child_process with commander without the build's plugin (what the plugin is for)", async () => {
    const meta = await bundleGraph([entries.main]);
    expect(staticBuiltins(meta, entries.main)).toContain("child_process");
  });
});
