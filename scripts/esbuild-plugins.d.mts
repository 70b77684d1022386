import type { Plugin } from "esbuild";
export declare const kafkaClientWithoutSideEffects: Plugin;
