/**
 * Loopback port blocks for test stacks. A block derived from the process id alone collided in
 * CI: another stack's docker-proxy still held two of its ports, and install's preflight
 * refused them (as it should). So a block is taken only when none of its ports is listening.
 * The engine tier runs two files at once (vitest.config.ts), each in a process of its own, and a
 * stack's ports listen only once its install starts: a block is also claimed (claims.ts), keyed
 * by its first port, which another process respects while the claiming pid lives.
 */
import { readFileSync } from "node:fs";
import { CLAIMS_DIR, claim } from "./claims.js";

const FIRST = 21000;
const LAST = 25990;
const STEP = 10;
const handedOut = new Set<number>();

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

/**
 * The first port of a free block of `size` consecutive ports, searched from a start that
 * differs per process (so test files rarely even look at the same blocks).
 */
export function freePortBlock(size: number, listening: Set<number> = listeningPorts(), pid = process.pid, dir = CLAIMS_DIR): number {
  const blocks = (LAST - FIRST) / STEP + 1;
  const start = (pid % 50) * (100 / STEP);
  for (let i = 0; i < blocks; i++) {
    const base = FIRST + ((start + i) % blocks) * STEP;
    const ports = Array.from({ length: size }, (_, k) => base + k);
    if (handedOut.has(base) || ports.some((p) => listening.has(p)) || !claim(dir, String(base), pid)) continue;
    handedOut.add(base);
    return base;
  }
  throw new Error(`no free block of ${size} loopback ports between ${FIRST} and ${LAST + STEP - 1}`);
}
