/**
 * A `docker` for the CLI tests of `helk rules`: put first on PATH (via a two-line shell wrapper,
 * see installFakeDocker), it answers only the converter's `docker run` of the contract and checks
 * its shape on the way (the image's uid, the user's rules read-only), mapping the container paths
 * back through the -v mounts to run the fake converter. Anything else exits 125, as docker does
 * for a run it cannot do, so a test notices a command it did not expect.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fakeConvert } from "./fake-sigma-converter.js";

function main(argv: string[]): number {
  if (argv[0] !== "run" || argv[argv.indexOf("--entrypoint") + 1] !== "helk-sigma" || !argv.includes("convert")) {
    process.stderr.write(`fake docker: not handled: ${argv.join(" ")}\n`);
    return 125;
  }
  const mounts = new Map<string, { host: string; ro: boolean }>();
  argv.forEach((a, i) => {
    if (a !== "-v") return;
    const [host, container, mode] = (argv[i + 1] ?? "").split(":");
    mounts.set(container as string, { host: host as string, ro: mode === "ro" });
  });
  const user = argv[argv.indexOf("--user") + 1];
  const userRules = mounts.get("/opt/helk/sigma/user");
  if (user !== "1000" || !userRules?.ro) {
    process.stderr.write("fake docker: the contract runs as uid 1000 with the user's rules mounted read-only\n");
    return 125;
  }
  const opt = (flag: string) => argv[argv.lastIndexOf(flag) + 1] as string;
  const host = (path: string) => {
    for (const [container, m] of mounts) if (path.startsWith(container)) return m.host + path.slice(container.length);
    throw new Error(`fake docker: ${path} is not under a mount`);
  };
  return fakeConvert({ userRules: userRules.host, out: host(opt("--out")), reportFile: host(opt("--report")) });
}

/** Writes `docker` into `dir` (put it first on PATH); it runs this file with tsx. */
export function installFakeDocker(dir: string): void {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const script = join(dir, "docker");
  writeFileSync(script, `#!/bin/sh\nexec "${join(root, "node_modules/.bin/tsx")}" "${fileURLToPath(import.meta.url)}" "$@"\n`);
  chmodSync(script, 0o755);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
