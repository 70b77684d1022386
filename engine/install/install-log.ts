/**
 * The install log (default /var/log/helk-install.log): every step and every command with
 * its output, timestamped, appended across runs. Every known secret value is replaced
 * before a line is written, so the log can be attached to a bug report as it is.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { ExitCode, HelkError } from "../errors.js";
import type { ProgressEvent, ProgressSink } from "../events.js";

export const REDACTED = "[redacted]";

export class InstallLog {
  private secrets: string[] = [];

  constructor(
    readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      appendFileSync(path, "", { mode: 0o640 });
    } catch (cause) {
      throw new HelkError(`cannot write the install log ${path}`, {
        exitCode: ExitCode.preflight,
        hint: "run as root, or choose another file with --log-file",
        cause,
      });
    }
  }

  /** Values to keep out of the log from now on (longest first, so overlaps redact whole). */
  addSecrets(values: string[]): void {
    this.secrets = [...new Set([...this.secrets, ...values.filter((v) => v.length >= 6)])].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join(REDACTED);
    return out;
  }

  write(text: string): void {
    const stamp = this.now().toISOString();
    const body = this.redact(text)
      .split("\n")
      .map((l) => `${stamp} ${l}`)
      .join("\n");
    appendFileSync(this.path, `${body}\n`);
  }

  command(argv: string[], result: { exitCode?: number | undefined; output?: string | undefined; durationMs: number }): void {
    this.write(`$ ${argv.join(" ")}  (exit ${result.exitCode ?? "?"}, ${(result.durationMs / 1000).toFixed(1)} s)`);
    const output = result.output?.trimEnd();
    if (output) this.write(output.replace(/^/gm, "  | "));
  }

  /** A sink that logs every progress event, then passes it on. */
  tee(next: ProgressSink): ProgressSink {
    return (e: ProgressEvent) => {
      this.write(describe(e));
      next(e);
    };
  }
}

function describe(e: ProgressEvent): string {
  switch (e.kind) {
    case "step-start":
      return `[${e.step}] start: ${e.title}`;
    case "step-done":
      return `[${e.step}] done${e.detail ? `: ${e.detail}` : ""}`;
    case "step-skip":
      return `[${e.step}] skipped: ${e.reason}`;
    case "step-fail":
      return `[${e.step}] FAILED: ${e.error}`;
    case "info":
      return `${e.step ? `[${e.step}] ` : ""}${e.message}`;
    case "warn":
      return `${e.step ? `[${e.step}] ` : ""}warning: ${e.message}`;
  }
}
