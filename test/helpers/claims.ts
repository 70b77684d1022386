/**
 * Claims that engine-tier processes respect across each other (two test files run at once,
 * each in a process of its own): a claim is a file `<key>.<pid>` in CLAIMS_DIR, held while that
 * pid lives. Used for loopback port blocks (port-block.ts) and the heavy lane (heavy-lane.ts).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const CLAIMS_DIR = "/tmp/helk-test-ports";

/** Whether process `pid` is alive (EPERM: it is, under another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The live pids other than `pid` claiming `key` in `dir`; claims of processes that are gone are removed on the way. */
function others(dir: string, key: string, pid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(dir)) {
    const dot = name.lastIndexOf(".");
    const p = Number(name.slice(dot + 1));
    if (name.slice(0, dot) !== key || p === pid || !p) continue;
    if (alive(p)) pids.push(p);
    else rmSync(join(dir, name), { force: true });
  }
  return pids;
}

/**
 * Claim `key` for `pid`, then look for another live process's claim on it: one made earlier
 * holds it, and two made at once see each other and both back off.
 */
export function claim(dir: string, key: string, pid: number): boolean {
  mkdirSync(dir, { recursive: true });
  const mine = join(dir, `${key}.${pid}`);
  writeFileSync(mine, "");
  if (others(dir, key, pid).length === 0) return true;
  rmSync(mine, { force: true });
  return false;
}

export function release(dir: string, key: string, pid: number): void {
  rmSync(join(dir, `${key}.${pid}`), { force: true });
}

/** The pid holding `key` other than `pid`, if any live one does. */
export const holder = (dir: string, key: string, pid: number): number | undefined => others(dir, key, pid)[0];
