/** Run the built CLI (dist/helk.js) as a user would, capturing output and exit code. */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

export const HELK_BIN = fileURLToPath(new URL("../../dist/helk.js", import.meta.url));

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function helk(args: string[], options: { env?: Record<string, string>; input?: string; cwd?: string } = {}): Promise<CliRun> {
  if (!existsSync(HELK_BIN)) throw new Error(`${HELK_BIN} is missing: run \`npm run build\` first`);
  // A clean environment: no HELK_* from the caller leaks into what is being tested.
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...options.env };
  const r = await execa(process.execPath, [HELK_BIN, ...args], {
    env,
    extendEnv: false,
    reject: false,
    ...(options.input !== undefined ? { input: options.input } : { stdin: "ignore" }),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
