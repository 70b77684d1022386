/**
 * The shared Mordor data sets (../shared/datasets/mordor, README.md there) as parsed events, read
 * through the same archive reader `helk replay` uses (engine/replay/sources.ts), and the
 * README's table of expected counts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { planSources } from "../../engine/replay/sources.js";
import type { FlatEvent } from "./winlogbeat8.js";

export const MORDOR_DIR = new URL("../../../shared/datasets/mordor/", import.meta.url).pathname;

/** The four shared data sets (the zips of MORDOR_DIR), in name order. */
export const SHARED_SETS = [
  "cmd_bitsadmin_download_psh_script.zip",
  "covenant_dcom_executeexcel4macro_allowed.zip",
  "empire_launcher_sct_regsvr32.zip",
  "schtask_modification.zip",
] as const;

export interface MordorSet {
  /** The zip's file name. */
  file: string;
  /** Its JSON-lines text (blank lines kept). */
  text: string;
  events: FlatEvent[];
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks).toString("utf8");
}

/** One data set (a zip of one JSON-lines member). */
export async function readMordorSet(file: string): Promise<MordorSet> {
  const plan = await planSources([join(MORDOR_DIR, file)]);
  let text = "";
  for await (const m of plan.members()) text += await readAll(await m.open());
  const events = text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as FlatEvent);
  return { file, text, events };
}

export interface MordorCounts {
  file: string;
  objects: number;
  blankLines: number;
  eid1Guids: number;
  eid3Events: number;
  joinableEid3: number;
}

/** The README's table, as written there (the figures of an independent script). */
export function readmeCounts(): MordorCounts[] {
  return readFileSync(join(MORDOR_DIR, "README.md"), "utf8")
    .split("\n")
    .filter((l) => /^\| \S+\.zip \|/.test(l))
    .map((l) => {
      const [file, ...n] = l
        .split("|")
        .map((c) => c.trim())
        .filter(Boolean);
      const [objects, blankLines, eid1Guids, eid3Events, joinableEid3] = n.map(Number) as number[];
      return { file: file as string, objects, blankLines, eid1Guids, eid3Events, joinableEid3 } as MordorCounts;
    });
}

/** Sysmon as the README defines it: the provider, or the Sysmon channel (flat layout). */
export const isSysmonFlat = (e: FlatEvent) =>
  e.SourceName === "Microsoft-Windows-Sysmon" || e.Channel === "Microsoft-Windows-Sysmon/Operational";
