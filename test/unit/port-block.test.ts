import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freePortBlock, listeningPorts } from "../helpers/port-block.js";

const HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

describe("test stacks' port blocks", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "helk-ports-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads listening ports from the kernel's table layout, and only those in LISTEN", () => {
    const tcp = [
      HEADER,
      "   0: 0100007F:59D8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",
      "   1: 0100007F:59DB 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2 1",
    ].join("\n");
    const tcp6 = [HEADER, "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 0 0 0 0 0 3 1"].join("\n");
    expect([...listeningPorts([tcp, tcp6])].sort()).toEqual([23000, 8080]);
  });

  it("skips a block any of whose ports is listening, and never hands a block out twice", () => {
    const pid = 20; // starts its search at 23000
    const a = freePortBlock(8, new Set([23003]), pid, dir);
    expect(a).toBe(23010);
    expect(freePortBlock(8, new Set(), pid, dir)).toBe(23000);
    expect(freePortBlock(8, new Set(), pid, dir)).toBe(23020);
  });

  it("skips a block another live process claimed, and takes over the claim of one that is gone", () => {
    // The engine tier's two files at once are two processes; this one stands for the other.
    const pid = 150; // starts its search at 21000
    writeFileSync(join(dir, `21000.${process.pid}`), "");
    writeFileSync(join(dir, "21010.999999999"), ""); // no such process
    expect(freePortBlock(8, new Set(), pid, dir)).toBe(21010);
    expect(readdirSync(dir).sort()).toEqual([`21000.${process.pid}`, "21010.150"]);
  });

  it("sees a port this process listens on", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      expect(listeningPorts().has(port)).toBe(true);
    } finally {
      server.close();
    }
  });
});
