/** The install log: timestamps and redaction. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InstallLog } from "../../engine/install/install-log.js";

describe("InstallLog", () => {
  it("timestamps lines and redacts every registered secret, longest first", () => {
    const dir = mkdtempSync(join(tmpdir(), "helk-log-"));
    const log = new InstallLog(join(dir, "sub", "install.log"), () => new Date("2026-01-02T03:04:05.000Z"));
    log.addSecrets(["Secret123", "Secret123456789", "abc"]);
    log.write("user elastic password Secret123456789 and Secret123");
    log.command(["docker", "compose", "up"], { exitCode: 0, output: "env ELASTIC_PASSWORD=Secret123\nok", durationMs: 1500 });
    expect(readFileSync(join(dir, "sub", "install.log"), "utf8")).toBe(
      [
        "2026-01-02T03:04:05.000Z user elastic password [redacted] and [redacted]",
        "2026-01-02T03:04:05.000Z $ docker compose up  (exit 0, 1.5 s)",
        "2026-01-02T03:04:05.000Z   | env ELASTIC_PASSWORD=[redacted]",
        "2026-01-02T03:04:05.000Z   | ok",
        "",
      ].join("\n"),
    );
  });
});
