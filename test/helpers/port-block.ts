/**
 * Loopback port blocks for test stacks. A block derived from the process id alone collided in
 * CI: another stack's docker-proxy still held two of its ports, and install's preflight
 * refused them (as it should). So a block is taken only when none of its ports is listening.
 * The engine tier runs two files at once (vitest.config.ts), each in a process of its own, and a
 * stack's ports listen only once its install starts: a block is also claimed with a file named
 * after it and the claiming pid, which another process respects while that pid lives.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const FIRST = 21000;
const LAST = 25990;
const STEP = 10;
const handedOut = new Set<number>();
/** Where blocks are claimed across processes (one file per block's first port). */
export const CLAIMS_DIR = "/tmp/helk-test-ports";

/** TCP ports in LISTEN state on this host, from the kernel's tables (sync, no tools needed). */
export function listeningPorts(tables: string[] = readTables()): Set<number> {
  const ports = new Set<number>();
  for (const table of tables)
    for (const line of table.split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      // State 0A is LISTEN; the local address ends in the port, in hex.
      if (state === "0A" && local) ports.add(Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16));
    }
  return ports;
}

function readTables(): string[] {
  return ["/proc/net/tcp", "/proc/net/tcp6"].map((file) => {
    try {
      return readFileSync(file, "utf8");
    } catch {
      return "";
    }
  });
}

/** Whether process `pid` is alive (EPERM: it is, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Claim `base` for `pid` with a file `<base>.<pid>`, then look for another live process's claim
 * on it: one made earlier holds it, and two made at once see each other and both move on.
 * Claims of processes that are gone are removed on the way.
 */
function claim(dir: string, base: number, pid: number): boolean {
  const mine = `${base}.${pid}`;
  writeFileSync(join(dir, mine), "");
  for (const name of readdirSync(dir)) {
    const [b, p] = name.split(".").map(Number);
    if (b !== base || p === pid || !p) continue;
    if (!alive(p)) rmSync(join(dir, name), { force: true });
    else {
      rmSync(join(dir, mine), { force: true });
      return false;
    }
  }
  return true;
}

/**
 * The first port of a free block of `size` consecutive ports, searched from a start that
 * differs per process (so test files rarely even look at the same blocks).
 */
export function freePortBlock(size: number, listening: Set<number> = listeningPorts(), pid = process.pid, dir = CLAIMS_DIR): number {
  mkdirSync(dir, { recursive: true });
  const blocks = (LAST - FIRST) / STEP + 1;
  const start = (pid % 50) * (100 / STEP);
  for (let i = 0; i < blocks; i++) {
    const base = FIRST + ((start + i) % blocks) * STEP;
    const ports = Array.from({ length: size }, (_, k) => base + k);
    if (handedOut.has(base) || ports.some((p) => listening.has(p)) || !claim(dir, base, pid)) continue;
    handedOut.add(base);
    return base;
  }
  throw new Error(`no free block of ${size} loopback ports between ${FIRST} and ${LAST + STEP - 1}`);
}
