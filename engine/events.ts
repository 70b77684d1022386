/**
 * Progress events from engine verbs to whatever renders them (listr2 on a TTY, plain
 * timestamped lines, or nothing for --json). The engine never prints.
 */
export type ProgressEvent =
  | { kind: "step-start"; step: string; title: string }
  | { kind: "step-done"; step: string; detail?: string }
  | { kind: "step-skip"; step: string; reason: string }
  | { kind: "step-fail"; step: string; error: string }
  | { kind: "info"; step?: string; message: string }
  | { kind: "warn"; step?: string; message: string };

export type ProgressSink = (event: ProgressEvent) => void;

export const silentSink: ProgressSink = () => {};

/** Run one step, reporting its start, end or failure. */
export async function step<T>(
  sink: ProgressSink,
  id: string,
  title: string,
  work: () => Promise<T> | T,
  detail?: (value: T) => string | undefined,
): Promise<T> {
  sink({ kind: "step-start", step: id, title });
  try {
    const value = await work();
    const text = detail?.(value);
    sink(text === undefined ? { kind: "step-done", step: id } : { kind: "step-done", step: id, detail: text });
    return value;
  } catch (err) {
    sink({ kind: "step-fail", step: id, error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}
