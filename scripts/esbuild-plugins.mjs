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
