/**
 * Every notebook the image ships, run headless in an install's jupyter container, each with its
 * HELK-RESULT checked against the figures test/helpers/hunt-figures.ts computes from the events
 * the notebooks read there. The list comes from the image's folder: a notebook without a check
 * below fails the run before anything executes, so none can ship unexecuted.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@elastic/elasticsearch";
import { execa } from "execa";
import { expect } from "vitest";
import { graphFigures, logonFigures, mlFigures, playbookFigures, sqlFigures, sysmonRows } from "./hunt-figures.js";
import { runNotebook, SHIPPED } from "./notebooks.js";

const NOTEBOOKS = join(import.meta.dirname, "../../images/jupyter/notebooks");

export interface NotebookData {
  /** Where the Sysmon and Security notebooks must say they read: "kafka" or "elasticsearch". */
  source: "kafka" | "elasticsearch";
  /** The Spark master 01-sysmon-sql must report (`local[*]`, or the cluster's URL). */
  sparkMaster: string;
  /** The events as the notebooks read them (Kafka's lines, or Elasticsearch's documents). */
  events: Record<string, unknown>[];
  /** Elasticsearch as `elastic`: the join's index is polled before 03-stream-join-status runs. */
  es: Client;
  /** How many documents the stream join must index from what was replayed into Kafka. */
  joined: number;
}

interface Check {
  name: string;
  check: (result: Record<string, unknown>, data: NotebookData) => void;
  /** What must hold in the install before the notebook runs. */
  before?: (data: NotebookData) => Promise<void>;
}

/** Polls sysmon-join until the streaming job has written `n` documents (or the deadline). */
async function awaitJoin(es: Client, n: number, deadlineMs = 300_000): Promise<void> {
  const started = Date.now();
  const joined = async () =>
    (await es.count({ index: "sysmon-join", ignore_unavailable: true, allow_no_indices: true }).catch(() => ({ count: 0 }))).count;
  while ((await joined()) < n && Date.now() < started + deadlineMs) await new Promise((res) => setTimeout(res, 2000));
  console.log(`stream join: ${n} documents waited for ${((Date.now() - started) / 1000).toFixed(0)} s after the other notebooks`);
}

/** In the order they run: the join's status last, so the job has had the longest to catch up. */
const CHECKS: Check[] = [
  {
    name: "01-sysmon-sql.ipynb",
    check: (r, d) => expect(r).toMatchObject({ source: d.source, spark_master: d.sparkMaster, ...sqlFigures(sysmonRows(d.events), "10.") }),
  },
  {
    name: "02-process-graph.ipynb",
    check: (r, d) => {
      expect(r).toMatchObject({ source: d.source, engine: "dataframes", ...graphFigures(sysmonRows(d.events)) });
      expect(r.motif_chains).toContain("powershell.exe > regsvr32.exe > powershell.exe");
    },
  },
  {
    name: "04-logon-graph.ipynb",
    check: (r, d) => {
      expect(r).toMatchObject({ source: d.source, ...logonFigures(d.events) });
      expect(r.logons).toBeGreaterThan(0);
    },
  },
  {
    name: "05-ml-rare-processes.ipynb",
    check: (r, d) => {
      expect(r).toMatchObject({ source: d.source, ...mlFigures(sysmonRows(d.events)) });
      expect(r.regsvr32_rank).toBeGreaterThanOrEqual(1);
      expect(r.regsvr32_rank).toBeLessThanOrEqual(r.distinct_command_lines as number);
      expect((r.top5 as string[]).length).toBe(5);
    },
  },
  {
    name: "06-playbook-regsvr32-scriptlet.ipynb",
    check: (r, d) => {
      expect(r).toEqual({ notebook: "playbook-regsvr32-scriptlet", source: d.source, ...playbookFigures(sysmonRows(d.events)) });
      expect(r.launches).toBe(1);
    },
  },
  {
    name: "03-stream-join-status.ipynb",
    before: (d) => awaitJoin(d.es, d.joined),
    check: (r, d) =>
      expect(r).toEqual({
        notebook: "stream-join-status",
        active: true,
        index: "sysmon-join",
        joined_documents: d.joined,
        source_topic: "winlogbeat",
      }),
  },
];

/** The notebooks runShippedNotebooks knows how to check (the unit tier holds the image's folder to it). */
export const CHECKED: readonly string[] = CHECKS.map((c) => c.name);

/** The Spark application a shipped notebook starts (its `helk_hunt.session("...")`), if any. */
export function sparkApp(notebook: string): string | undefined {
  const nb = JSON.parse(readFileSync(join(NOTEBOOKS, notebook), "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
  const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => [c.source].flat().join(""));
  return /helk_hunt\.session\("([^"]+)"\)/.exec(code.join("\n"))?.[1];
}

/**
 * Runs every notebook of the image's SHIPPED folder in `container` and checks each; returns the
 * results by notebook. Before 03-stream-join-status, waits for the join to index `data.joined`.
 */
export async function runShippedNotebooks(container: string, data: NotebookData): Promise<Record<string, Record<string, unknown>>> {
  const listed = await execa("docker", ["exec", container, "ls", SHIPPED]);
  const shipped = listed.stdout.split("\n").filter((n) => n.endsWith(".ipynb"));
  expect(shipped.sort(), "every shipped notebook has a check in test/helpers/notebook-checks.ts").toEqual([...CHECKED].sort());
  const results: Record<string, Record<string, unknown>> = {};
  for (const { name, check, before } of CHECKS) {
    await before?.(data);
    const { result, seconds } = await runNotebook(container, name);
    console.log(`${name}: ${seconds.toFixed(0)} s`);
    check(result, data);
    results[name] = result;
  }
  return results;
}
