/** esbuild's graph of a bundle, as the build makes it, and what an entry loads before anything else runs. */
import { build, type Metafile, type Plugin } from "esbuild";
import { LAZY_BUILTIN_NAMESPACE } from "../../scripts/esbuild-plugins.mjs";

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

/** The modules in the static closure of `entry` (dynamic import() not followed: it loads on demand). */
function staticClosure(meta: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const i of meta.inputs[path]?.imports ?? []) if (i.kind !== "dynamic-import" && !i.external) walk(i.path);
  };
  walk(entry);
  return seen;
}

/** The packages in the static closure of `entry`. */
export function staticPackages(meta: Metafile, entry: string): string[] {
  const pkgs = [...staticClosure(meta, entry)]
    .map((p) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(p)?.[1])
    .filter((p): p is string => Boolean(p));
  return [...new Set(pkgs)].sort();
}

/**
 * The Node.js builtins the static closure of `entry` loads ("fs", not "node:fs"); not those of
 * the build's lazy stand-ins (scripts/esbuild-plugins.mjs), which load theirs on first call.
 */
export function staticBuiltins(meta: Metafile, entry: string): string[] {
  const eager = [...staticClosure(meta, entry)].filter((path) => !path.startsWith(`${LAZY_BUILTIN_NAMESPACE}:`));
  const builtins = eager.flatMap((path) =>
    (meta.inputs[path]?.imports ?? []).filter((i) => i.external && i.kind !== "dynamic-import").map((i) => i.path.replace(/^node:/, "")),
  );
  return [...new Set(builtins)].sort();
}
