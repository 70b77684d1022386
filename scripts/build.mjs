// Bundle the CLI into dist/ with esbuild: one entry plus lazily loaded chunks per command,
// so `helk --help` parses only commander and the command tree.
//
// Two steps. esbuild splits code into chunks only for ES modules, so the first step bundles ESM
// chunks into a scratch folder; the second turns each of them, one by one, into a CommonJS file
// in dist/ (dist/package.json says so), imports becoming require() and import() a require()
// when it is called. Each chunk stays one file, shared code stays in one chunk: no module is
// duplicated. Why CommonJS: Node.js 20 runs an ES module entry through its ESM loader (about
// 4 ms more than `node empty.cjs`), and an ES module's `import ... from "node:fs"` builds a
// namespace of every export of the builtin, whose getters load more builtins (fs/promises and
// readline; crypto's webcrypto): `helk status --json --no-probes` took 50.4 ms as ESM and
// 45.1 ms as CommonJS on the same stack (median of 20 each, same run), before anything else.
//
// --esm-out DIR keeps the first step's ES modules in DIR (inside the clone, where node_modules
// resolves): fresh-debian.test.ts loads each of them on Debian's Node.js 18, where a missing
// builtin export fails an ES module's load (in CommonJS it would be undefined until called).
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { commanderLazyChildProcess, kafkaClientWithoutSideEffects } from "./esbuild-plugins.mjs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const dist = new URL("../dist", import.meta.url).pathname;
const esmOutFlag = process.argv.indexOf("--esm-out");
const esmOut = esmOutFlag > 0 ? process.argv[esmOutFlag + 1] : undefined;
if (esmOutFlag > 0 && !esmOut) throw new Error("--esm-out needs a folder: node scripts/build.mjs --esm-out dist-esm");
// The folder is emptied first: only one that is absent or holds an earlier build's output.
if (esmOut && existsSync(esmOut) && !existsSync(join(esmOut, "helk.js")))
  throw new Error(`--esm-out ${esmOut}: not empty and not an earlier build's output; name a new folder`);
const esm = esmOut ?? mkdtempSync(join(tmpdir(), "helk-esm-"));
// Debian 12's and Ubuntu 24.04's own Node.js (18.19+) run the bundle: package.json engines.
const target = "node18.19";
// Bundled CommonJS dependencies (kafkajs, yauzl, commander) call require(); an ES module has none.
const requireBanner =
  "import { createRequire as __helkCreateRequire } from 'node:module'; const require = __helkCreateRequire(import.meta.url);";

rmSync(dist, { recursive: true, force: true });
rmSync(esm, { recursive: true, force: true });
try {
  await bundle();
} finally {
  if (!esmOut) rmSync(esm, { recursive: true, force: true });
}
if (esmOut) writeFileSync(join(esm, "package.json"), `${JSON.stringify({ type: "module" })}\n`);
console.log(`built dist/helk.js (helk ${pkg.version})`);

async function bundle() {
  await build({
    entryPoints: { helk: "cli/main.ts" },
    outdir: esm,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target,
    minify: true,
    sourcemap: "linked",
    chunkNames: "chunks/[name]-[hash]",
    define: { __HELK_VERSION__: JSON.stringify(pkg.version) },
    banner: { js: requireBanner },
    // @platformatic/kafka's CRC-32C is WebAssembly read from a file beside its module; the
    // bundled variant carries it inline, so dist/ works without node_modules' layout.
    alias: { "@platformatic/wasm-utils": "@platformatic/wasm-utils/bundled" },
    external: ["*.node"],
    plugins: [kafkaClientWithoutSideEffects, commanderLazyChildProcess],
    logLevel: "warning",
  });

  /**
   * Each ESM chunk without the require() banner (a CommonJS module has its own require). In its
   * place, on the same line so the source map's lines still match, the chunks that ask for
   * import.meta.url (package-root.ts's and record-batch.ts's) get their own file's URL.
   */
  const moduleUrl = 'var __helkModuleUrl=require("node:url").pathToFileURL(__filename).href;';
  const asCommonJs = {
    name: "as-commonjs",
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, (args) => {
        const code = readFileSync(args.path, "utf8").replace(requireBanner, "");
        return { contents: code.includes("import.meta.url") ? code.replace(/^(#!.*\n)?/, `$1${moduleUrl}`) : code, loader: "js" };
      });
    },
  };
  const chunks = readdirSync(join(esm, "chunks"))
    .filter((f) => f.endsWith(".js"))
    .map((f) => join(esm, "chunks", f));
  await build({
    entryPoints: [join(esm, "helk.js"), ...chunks],
    outbase: esm,
    outdir: dist,
    bundle: false,
    format: "cjs",
    platform: "node",
    target,
    minify: true,
    // esbuild reads each chunk's own source map, so dist/'s maps still point at the TypeScript.
    sourcemap: "linked",
    // import("./chunks/x.js") becomes a require() inside a promise: no ESM loader at run time.
    supported: { "dynamic-import": false },
    define: { "import.meta.url": "__helkModuleUrl" },
    plugins: [asCommonJs],
    logLevel: "warning",
  });
  writeFileSync(join(dist, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
  chmodSync(join(dist, "helk.js"), 0o755);
}
