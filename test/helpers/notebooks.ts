/**
 * Runs one of HELK's shipped notebooks headless inside an install's real jupyter container, with
 * the container's own environment (the notebook login, SPARK_MASTER, Kafka's address), and reads
 * the `HELK-RESULT {json}` line each notebook ends with from the executed notebook's outputs.
 * nbconvert's --execute (nbclient) is in upstream's image and in the fixture; nothing is installed.
 */
import { execa } from "execa";

/** Where the image ships them (images/jupyter/Dockerfile). */
export const SHIPPED = "/home/jovyan/helk-notebooks";

export interface NotebookRun {
  /** The figures of the HELK-RESULT line. */
  result: Record<string, unknown>;
  /** Every text output of the executed notebook, in order (for failure messages). */
  text: string;
  seconds: number;
}

interface Output {
  output_type: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}

const joined = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join("") : (t ?? ""));

/** The executed notebook's text outputs and errors, joined. */
export function outputsText(nb: { cells: { outputs?: Output[] }[] }): string {
  return nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => (o.output_type === "error" ? `${o.ename}: ${o.evalue}` : joined(o.text) || joined(o.data?.["text/plain"])))
    .join("\n");
}

/** The one HELK-RESULT line's figures; throws (with the outputs) when there is not exactly one. */
export function helkResult(text: string): Record<string, unknown> {
  const lines = text.split("\n").filter((l) => l.startsWith("HELK-RESULT "));
  if (lines.length !== 1) throw new Error(`expected one HELK-RESULT line, found ${lines.length}; outputs:\n${text.slice(-4000)}`);
  return JSON.parse((lines[0] as string).slice("HELK-RESULT ".length)) as Record<string, unknown>;
}

/**
 * Executes `name` (a file of SHIPPED) in the container, as the notebook user, with `env` added to
 * the container's own, and returns its result. A failing cell fails the run with its error.
 */
export async function runNotebook(container: string, name: string, env: Record<string, string> = {}): Promise<NotebookRun> {
  const started = Date.now();
  const exec = await execa(
    "docker",
    [
      "exec",
      ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
      container,
      "jupyter",
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.timeout=900",
      // The executed notebook on stdout (nbconvert's own log goes to stderr).
      "--stdout",
      `${SHIPPED}/${name}`,
    ],
    { reject: false, timeout: 1_000_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (exec.exitCode !== 0) throw new Error(`${name} failed (exit ${exec.exitCode}):\n${exec.stderr.split("\n").slice(-40).join("\n")}`);
  const text = outputsText(JSON.parse(exec.stdout) as { cells: { outputs?: Output[] }[] });
  return { result: helkResult(text), text, seconds: (Date.now() - started) / 1000 };
}
