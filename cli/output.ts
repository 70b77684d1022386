/** Where commands print: stdout for results, stderr for progress and diagnostics. Injected so tests capture it. */
import { type ProgressSink, silentSink } from "../engine/events.js";

export interface Printer {
  out(text: string): void;
  err(text: string): void;
  /** One status line on stderr, rewritten in place (a terminal only); "" clears it. */
  status(line: string): void;
  isTTY: boolean;
}

const guarded = new Set<NodeJS.WriteStream>();

/**
 * process.stdout or process.stderr, touched only when written to: Node.js builds each stream on
 * first use (a millisecond or two of a start that `status --no-probes` spends otherwise on a
 * stderr it never writes). A closed pipe (`helk status | head`) is the reader's choice, not an
 * error: it ends helk quietly, with the exit code so far.
 */
export function stdStream(name: "stdout" | "stderr"): NodeJS.WriteStream {
  const stream = process[name];
  if (!guarded.has(stream)) {
    guarded.add(stream);
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  return stream;
}

const line = (text: string) => (text.endsWith("\n") ? text : `${text}\n`);

export const processPrinter: Printer = {
  out: (text) => stdStream("stdout").write(line(text)),
  err: (text) => stdStream("stderr").write(line(text)),
  status: (text) => stdStream("stderr").write(`\r\x1b[2K${text}`),
  get isTTY() {
    return Boolean(process.stdout.isTTY && process.stderr.isTTY);
  },
};

export function printJson(printer: Printer, value: unknown): void {
  printer.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Left-aligned columns; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

/** Plain progress lines with a timestamp, on stderr; for pipes, CI logs and `--json` runs (which pass none). */
export function plainSink(printer: Printer, now: () => Date = () => new Date()): ProgressSink {
  const stamp = () =>
    now()
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, "Z");
  return (e) => {
    switch (e.kind) {
      case "step-start":
        printer.err(`${stamp()} ${e.title} ...`);
        break;
      case "step-done":
        printer.err(`${stamp()} ${e.step}: done${e.detail ? ` (${e.detail})` : ""}`);
        break;
      case "step-skip":
        printer.err(`${stamp()} ${e.step}: skipped (${e.reason})`);
        break;
      case "step-fail":
        printer.err(`${stamp()} ${e.step}: FAILED: ${e.error}`);
        break;
      case "info":
        printer.err(`${stamp()} ${e.message}`);
        break;
      case "warn":
        printer.err(`${stamp()} warning: ${e.message}`);
        break;
    }
  };
}

/**
 * The one place a command's progress rendering is chosen: nothing for `--json` (stdout is the
 * result), listr2 on a terminal when the command has a fixed list of steps, else timestamped
 * plain lines on stderr (pipes, CI logs).
 */
export async function withProgress<T>(
  printer: Printer,
  o: { json?: boolean | undefined; steps?: readonly { id: string; title: string }[] | undefined },
  work: (sink: ProgressSink) => Promise<T>,
): Promise<T> {
  if (o.json) return work(silentSink);
  if (printer.isTTY && o.steps) return (await import("./tty-progress.js")).withListr(o.steps, work);
  return work(plainSink(printer));
}

/**
 * A live status line (e.g. replay's events/s) only on a terminal and never with `--json`: `work`
 * gets the function that shows one, or nothing; the line is cleared when the work ends, so what
 * is printed next starts on a clean line.
 */
export async function withStatusLine<T>(
  printer: Printer,
  o: { json?: boolean | undefined },
  work: (show: ((line: string) => void) | undefined) => Promise<T>,
): Promise<T> {
  if (o.json || !printer.isTTY) return work(undefined);
  try {
    return await work((line) => printer.status(line));
  } finally {
    printer.status("");
  }
}
