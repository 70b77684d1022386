/**
 * What `helk status` loads before it answers: start-up is most of its time, so its static
 * import graph (what runs before the first line of the command) holds no npm package beyond
 * commander, and the protocol probes other than Kafka's none at all (plain GETs). Read from
 * esbuild's own graph of the bundle, the same resolver the build uses.
 */
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

async function graph(entries: string[]): Promise<Metafile> {
  const r = await build({
    entryPoints: entries,
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    outdir: "out",
    splitting: true,
    logLevel: "silent",
  });
  return r.metafile;
}

/** The packages in the static closure of `entry` (dynamic import() not followed: it loads on demand). */
function staticPackages(meta: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const walk = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const i of meta.inputs[path]?.imports ?? []) if (i.kind !== "dynamic-import" && !i.external) walk(i.path);
  };
  walk(entry);
  const pkgs = [...seen].map((p) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(p)?.[1]).filter((p): p is string => Boolean(p));
  return [...new Set(pkgs)].sort();
}

describe("helk status' imports", () => {
  const entries = {
    main: "cli/main.ts",
    status: "cli/commands/status.ts",
    es: "engine/probes/elasticsearch-probe.ts",
    join: "engine/probes/stream-join-probe.ts",
    http: "engine/probes/http-probes.ts",
  };

  it("loads commander and nothing else from npm before the probes, and no client library for the HTTP probes", async () => {
    const meta = await graph(Object.values(entries));
    expect(staticPackages(meta, entries.main)).toEqual(["commander"]);
    expect(staticPackages(meta, entries.status)).toEqual([]);
    for (const probe of [entries.es, entries.join, entries.http]) expect(staticPackages(meta, probe)).toEqual([]);
  });
});
