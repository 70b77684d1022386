// esbuild plugins of the build (scripts/build.mjs); plain JavaScript so the build runs on Node
// alone. Tested by test/unit/replay-imports.test.ts.

const KAFKA_CLIENT = /node_modules[\\/]@platformatic[\\/]kafka[\\/]dist[\\/]/;

/**
 * @platformatic/kafka's modules declare no `sideEffects`, so a bundle keeps every module its
 * index re-exports, and loading replay's Kafka chunk compiled the JSON schemas (ajv, at module
 * load) of its admin and consumer clients, which replay never uses. Its modules only define
 * things, so esbuild may leave out those nothing imports.
 */
export const kafkaClientWithoutSideEffects = {
  name: "kafka-client-without-side-effects",
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      // Only imports of or inside the client; the nested resolve() below comes back here, marked.
      if (args.pluginData === "resolving" || !/@platformatic[\\/]kafka/.test(`${args.importer} ${args.path}`)) return undefined;
      const found = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: "resolving",
      });
      if (found.errors.length > 0 || !KAFKA_CLIENT.test(found.path)) return undefined;
      return { path: found.path, sideEffects: false };
    });
  },
};

/**
 * commander requires node:child_process when it loads, for executable subcommands (`git-style`
 * `helk-<name>` files), which helk has none of. Loading it is 1.5-2 ms of every command's start
 * (node:child_process and its internals) on the 2-core build machine; commander calls only its
 * spawn(), so it gets a spawn() that loads the builtin on first call.
 */
/** The namespace of the modules that load a builtin on first call, not when they load. */
export const LAZY_BUILTIN_NAMESPACE = "helk-lazy-builtin";

export const commanderLazyChildProcess = {
  name: "commander-lazy-child-process",
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: "child_process", namespace: LAZY_BUILTIN_NAMESPACE } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: LAZY_BUILTIN_NAMESPACE }, () => ({
      contents: 'module.exports = { spawn: (...args) => require("node:child_process").spawn(...args) };',
      loader: "js",
    }));
  },
};
