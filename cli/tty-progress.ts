/**
 * listr2 progress for a terminal. The engine reports steps as events; each known step is a
 * listr2 task that settles when its step ends, so the engine never depends on listr2.
 */
import { Listr } from "listr2";
import type { ProgressEvent, ProgressSink } from "../engine/events.js";

interface Deferred {
  promise: Promise<string | undefined>;
  resolve: (detail?: string) => void;
  reject: (err: Error) => void;
  output?: (line: string) => void;
}

function deferred(): Deferred {
  let resolve!: Deferred["resolve"];
  let reject!: Deferred["reject"];
  const promise = new Promise<string | undefined>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** A step the list shows: the id its progress events carry, and its title. */
export interface ListedStep {
  id: string;
  title: string;
}

/** Run `work` with a sink that drives a listr2 list of `steps`. */
export async function withListr<T>(steps: readonly ListedStep[], work: (sink: ProgressSink) => Promise<T>): Promise<T> {
  const pending = new Map(steps.map(({ id }) => [id, deferred()]));
  const sink: ProgressSink = (e: ProgressEvent) => {
    const d = "step" in e && e.step ? pending.get(e.step) : undefined;
    if (!d) return;
    if (e.kind === "step-done") d.resolve(e.detail);
    else if (e.kind === "step-skip") d.resolve(`skipped: ${e.reason}`);
    else if (e.kind === "step-fail") d.reject(new Error(e.error));
    else if (e.kind === "info" || e.kind === "warn") d.output?.(e.message);
  };
  const list = new Listr(
    steps.map(({ id, title }) => ({
      title,
      task: async (_ctx: unknown, task: { title: string; output: string }) => {
        const d = pending.get(id) as Deferred;
        d.output = (line) => {
          task.output = line;
        };
        const detail = await d.promise;
        if (detail) task.title = `${title}: ${detail}`;
      },
      rendererOptions: { bottomBar: 3, persistentOutput: false },
    })),
    {
      concurrent: false,
      exitOnError: true,
      registerSignalListeners: false,
      rendererOptions: { collapseErrors: false },
      // A terminal that reports no width (some serial consoles, bare ptys) gets plain lines.
      fallbackRendererCondition: () => !process.stdout.columns,
    },
  );
  const ui = list.run().catch(() => undefined);
  try {
    const result = await work(sink);
    // Steps the engine skipped without an event (a dry run) finish quietly.
    for (const d of pending.values()) d.resolve();
    await ui;
    return result;
  } catch (err) {
    for (const d of pending.values()) d.reject(err instanceof Error ? err : new Error(String(err)));
    await ui;
    throw err;
  }
}
