/** Who listens on a TCP port: /proc/net/tcp{,6} inode → the process holding that socket. */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";

/** Try to bind: the only check that agrees with what Docker will do a moment later. */
export function canBind(host: string, port: number): Promise<{ ok: true } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => resolve({ ok: false, code: err.code ?? "EUNKNOWN" }));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve({ ok: true })));
  });
}

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.trim().split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1] ?? "";
      const state = cols[3];
      if (state === "0A" && Number.parseInt(local.split(":")[1] ?? "", 16) === port) inodes.add(cols[9] ?? "");
    }
  }
  return inodes;
}

/** "pid 1234 (python3)" when visible, else undefined (another namespace, or not root). */
export function portOwner(port: number): string | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1] as string)) {
          const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
          return `pid ${pid} (${comm})`;
        }
      } catch {
        // The process or fd went away while we looked.
      }
    }
  }
  return undefined;
}
