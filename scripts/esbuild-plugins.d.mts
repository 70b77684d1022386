import type { Plugin } from "esbuild";
export declare const kafkaClientWithoutSideEffects: Plugin;
export declare const commanderLazyChildProcess: Plugin;
export declare const LAZY_BUILTIN_NAMESPACE: string;
