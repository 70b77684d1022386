// Bundle the CLI into dist/ with esbuild: one entry plus lazily loaded chunks per command,
// so `helk --help` parses only commander and the command tree.
import { chmodSync, readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: { helk: "cli/main.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  sourcemap: "linked",
  chunkNames: "chunks/[name]-[hash]",
  define: { __HELK_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies (dockerode, kafkajs) call require(); give ESM chunks one.
  banner: {
    js: "import { createRequire as __helkCreateRequire } from 'node:module'; const require = __helkCreateRequire(import.meta.url);",
  },
  // dockerode (and ssh2 under it) stays in node_modules: it reads files beside its own sources.
  external: ["dockerode", "cpu-features", "*.node"],
  logLevel: "warning",
});
chmodSync(new URL("../dist/helk.js", import.meta.url), 0o755);
console.log(`built dist/helk.js (helk ${pkg.version})`);
