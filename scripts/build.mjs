// Bundle the CLI into dist/ with esbuild: one entry plus lazily loaded chunks per command,
// so `helk --help` parses only commander and the command tree.
import { chmodSync, readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";
import { kafkaClientWithoutSideEffects } from "./esbuild-plugins.mjs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: { helk: "cli/main.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  // Debian 12's and Ubuntu 24.04's own Node.js (18.19+) run the bundle: package.json engines.
  target: "node18.19",
  minify: true,
  sourcemap: "linked",
  chunkNames: "chunks/[name]-[hash]",
  define: { __HELK_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies (kafkajs, yauzl) call require(); give ESM chunks one.
  banner: {
    js: "import { createRequire as __helkCreateRequire } from 'node:module'; const require = __helkCreateRequire(import.meta.url);",
  },
  // @platformatic/kafka's CRC-32C is WebAssembly read from a file beside its module; the
  // bundled variant carries it inline, so dist/ works without node_modules' layout.
  alias: { "@platformatic/wasm-utils": "@platformatic/wasm-utils/bundled" },
  external: ["*.node"],
  plugins: [kafkaClientWithoutSideEffects],
  logLevel: "warning",
});
chmodSync(new URL("../dist/helk.js", import.meta.url), 0o755);
console.log(`built dist/helk.js (helk ${pkg.version})`);
