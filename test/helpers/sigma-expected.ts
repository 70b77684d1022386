/**
 * How many alerts each of HELK's Sigma rules (images/elastalert/sigma/helk/) must raise on each
 * shared data set, counted here from the data sets' own lines with each rule's technique written
 * directly in TypeScript (not by running the Sigma query: pySigma's output is what is under test).
 * Sigma's string matches ignore case, so these do too. Targets as helk-sigma makes them: the Sysmon
 * index (one alert per matching EID 1 event), the Windows index (per matching event) and the
 * sysmon-join documents (one per network connection, EID 3, of a process whose EID 1 is in the
 * same set: what the join writes, sysmon_join.py document()).
 */
import { readFileSync } from "node:fs";
import { isSysmonFlat, type MordorSet } from "./mordor.js";
import type { FlatEvent } from "./winlogbeat8.js";

export const EXPECTED_FILE = new URL("../../images/elastalert/sigma/EXPECTED.md", import.meta.url).pathname;
export type TargetKey = "sysmon" | "winevent" | "join";

const low = (v: unknown) => (v === undefined || v === null ? "" : String(v).toLowerCase());
const endsWith = (v: unknown, s: string) => low(v).endsWith(s.toLowerCase());
const contains = (v: unknown, s: string) => low(v).includes(s.toLowerCase());

interface Technique {
  id: string;
  /** Which events the rule's technique is, on the event (or joined document) itself. */
  matches: (e: FlatEvent) => boolean;
  targets: TargetKey[];
}

/** HELK's rules by id, each technique as its Sigma file describes it. */
export const TECHNIQUES: Technique[] = [
  {
    id: "8762a89f-5a60-47f4-96d2-55c74f758981", // regsvr32 /i:http... scrobj.dll (Squiblydoo)
    matches: (e) => endsWith(e.Image, "\\regsvr32.exe") && contains(e.CommandLine, "/i:http") && contains(e.CommandLine, "scrobj.dll"),
    targets: ["sysmon", "join"],
  },
  {
    id: "0a7d66c2-b4c0-4279-9632-41db4ad74767", // bitsadmin /transfer of a URL
    matches: (e) => endsWith(e.Image, "\\bitsadmin.exe") && contains(e.CommandLine, "/transfer") && contains(e.CommandLine, "http"),
    targets: ["sysmon", "join"],
  },
  {
    id: "a82c4311-9841-46f6-bfda-a0c1c3a85f7c", // Security 4702: a scheduled task updated
    matches: (e) => e.Channel === "Security" && Number(e.EventID) === 4702,
    targets: ["winevent"],
  },
  {
    id: "5a9ec783-f560-4aa3-86eb-445bdc4c1151", // Excel as a DCOM server
    matches: (e) => endsWith(e.Image, "\\excel.exe") && contains(e.CommandLine, "/automation -embedding"),
    targets: ["sysmon", "join"],
  },
  {
    id: "4930f6c1-d894-4158-baa3-7cf63ef97966", // a child of Excel
    matches: (e) => endsWith(e.ParentImage, "\\excel.exe"),
    targets: ["sysmon", "join"],
  },
];

/** The join's documents for one set: each EID 3 whose ProcessGuid has an EID 1 in the set, with the process's fields. */
export function joinedDocuments(events: FlatEvent[]): FlatEvent[] {
  const sysmon = events.filter(isSysmonFlat);
  const starts = new Map<unknown, FlatEvent>();
  for (const e of sysmon) if (Number(e.EventID) === 1 && !starts.has(e.ProcessGuid)) starts.set(e.ProcessGuid, e);
  return sysmon.flatMap((n) => {
    const p = Number(n.EventID) === 3 ? starts.get(n.ProcessGuid) : undefined;
    if (!p) return [];
    const keep = (v: unknown) => (v === "-" || v === "" ? undefined : v);
    return [
      {
        ProcessGuid: p.ProcessGuid,
        Hostname: n.Hostname ?? p.Hostname,
        process_time: p.UtcTime,
        network_time: n.UtcTime,
        ProcessId: p.ProcessId,
        Image: p.Image ?? n.Image,
        CommandLine: p.CommandLine,
        ParentImage: p.ParentImage,
        ParentCommandLine: p.ParentCommandLine,
        ParentProcessGuid: p.ParentProcessGuid,
        User: p.User,
        Hashes: p.Hashes,
        Protocol: n.Protocol,
        SourceIp: keep(n.SourceIp),
        SourcePort: keep(n.SourcePort),
        DestinationIp: keep(n.DestinationIp),
        DestinationPort: keep(n.DestinationPort),
        DestinationHostname: keep(n.DestinationHostname),
      },
    ];
  });
}

/** What each target holds of a set, as the rule's query would see it. */
function candidates(set: MordorSet, target: TargetKey): FlatEvent[] {
  if (target === "join") return joinedDocuments(set.events);
  if (target === "sysmon") return set.events.filter((e) => isSysmonFlat(e) && Number(e.EventID) === 1);
  return set.events.filter((e) => !isSysmonFlat(e));
}

/** `${rule id} ${target}` → alerts on this set. */
export function countAlerts(set: MordorSet): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of TECHNIQUES) for (const target of t.targets) out[`${t.id} ${target}`] = candidates(set, target).filter(t.matches).length;
  return out;
}

/** EXPECTED.md's table: `${rule id} ${target}` → data set file → alerts. */
export function readExpected(): { sets: string[]; counts: Record<string, Record<string, number>> } {
  const rows = readFileSync(EXPECTED_FILE, "utf8")
    .split("\n")
    .filter((l) => l.startsWith("|"))
    .map((l) =>
      l
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  const [header, , ...body] = rows;
  const sets = (header ?? []).slice(3);
  const counts: Record<string, Record<string, number>> = {};
  for (const [id, , target, ...n] of body) {
    counts[`${id} ${target}`] = Object.fromEntries(sets.map((s, i) => [s, Number(n[i])]));
  }
  return { sets, counts };
}
