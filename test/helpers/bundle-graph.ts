/** esbuild's graph of a bundle, as the build makes it, and what an entry loads before anything else runs. */
import { build, type Metafile, type Plugin } from "esbuild";

export async function bundleGraph(entries: string[], plugins: Plugin[] = []): Promise<Metafile> {
  const r = await build({
    entryPoints: entries,
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    outdir: "out",
    splitting: true,
    external: ["*.node"],
    plugins,
    logLevel: "silent",
  });
  return r.metafile;
}

/** The packages in the static closure of `entry` (dynamic import() not followed: it loads on demand). */
export function staticPackages(meta: Metafile, entry: string): string[] {
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
