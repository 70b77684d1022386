/** helk's version, injected by the bundler (scripts/build.mjs); "dev" when run from source. */
declare const __HELK_VERSION__: string | undefined;
export const VERSION: string = typeof __HELK_VERSION__ === "string" ? __HELK_VERSION__ : "0.1.0-dev";
