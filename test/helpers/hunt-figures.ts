/**
 * The figures HELK's notebooks report (their `HELK-RESULT` lines), computed here independently,
 * in TypeScript, from the data sets' own lines: what each notebook must print for the events a
 * test replayed. Flat Mordor layout (the shared data sets), as `helk replay` sends it.
 */

type Raw = Record<string, unknown>;

/** One line's event once (replay sends each line as is; the notebooks drop repeated lines). */
export function distinctEvents(texts: string[]): Raw[] {
  const lines = new Set(texts.flatMap((t) => t.split("\n").map((l) => l.replace(/\r$/, ""))).filter((l) => l.trim()));
  return [...lines].map((l) => JSON.parse(l) as Raw);
}

const str = (v: unknown) => (v === undefined || v === null ? null : String(v));
const blank = (v: unknown) => (str(v) === "-" || str(v) === "" ? null : str(v));
/** `C:\Windows\System32\regsvr32.exe` → `regsvr32.exe`, as the notebooks name processes. */
const processName = (image: unknown) => (str(image) === null ? null : (/([^\\/]+)$/.exec(str(image) as string)?.[1] ?? "").toLowerCase());

export interface SysmonRow {
  eventId: number;
  host: string | null;
  guid: string | null;
  name: string | null;
  image: string | null;
  commandLine: string | null;
  user: string | null;
  parentGuid: string | null;
  parentName: string | null;
  destIp: string | null;
  destPort: string | null;
}

export function sysmonRows(events: Raw[]): SysmonRow[] {
  return events
    .filter((e) => e.SourceName === "Microsoft-Windows-Sysmon" || e.Channel === "Microsoft-Windows-Sysmon/Operational")
    .map((e) => ({
      eventId: Number(e.EventID),
      host: str(e.Hostname),
      guid: str(e.ProcessGuid),
      name: processName(e.Image),
      image: str(e.Image),
      commandLine: str(e.CommandLine),
      user: str(e.User),
      parentGuid: str(e.ParentProcessGuid),
      parentName: processName(e.ParentImage),
      destIp: blank(e.DestinationIp),
      destPort: blank(e.DestinationPort) === null ? null : String(Number(e.DestinationPort)),
    }));
}

const countBy = <T>(xs: T[], key: (x: T) => string | null) => {
  const m = new Map<string | null, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
};
const asObject = (m: Map<string | null, number>) => Object.fromEntries([...m].map(([k, v]) => [String(k), v]));
const sortedSet = (xs: (string | null)[]) => [...new Set(xs.map((x) => String(x)))].sort();
/** Rows of an inner join of `left` and `right` on a key. */
const pairs = <L, R>(left: L[], right: R[], lk: (l: L) => string | null, rk: (r: R) => string | null): [L, R][] =>
  left.flatMap((l) => (lk(l) === null ? [] : right.filter((r) => rk(r) === lk(l)).map((r) => [l, r] as [L, R])));

/** 01-sysmon-sql. */
export function sqlFigures(rows: SysmonRow[], destPrefix: string) {
  const creates = rows.filter((r) => r.eventId === 1);
  const joins = pairs(
    creates,
    rows.filter((r) => r.eventId === 3),
    (p) => p.guid,
    (n) => n.guid,
  );
  return {
    sysmon_events: rows.length,
    process_creations: creates.length,
    distinct_eid1_guids: new Set(creates.map((c) => c.guid)).size,
    join_rows: joins.length,
    join_rows_dest: joins.filter(([, n]) => (n.destIp ?? "").startsWith(destPrefix)).length,
    eid1_per_image: asObject(countBy(creates, (c) => c.name)),
    eid1_per_host: asObject(countBy(creates, (c) => c.host)),
  };
}

/** 02-process-graph: vertices, edges, degrees, the a→b→c motif, components, spawners. */
export function graphFigures(rows: SysmonRow[]) {
  const creates = rows.filter((r) => r.eventId === 1);
  const names = new Map<string, string | null>();
  const name = (id: string, n: string | null) => {
    const had = names.get(id) ?? null;
    // Spark's max(): nulls ignored, the greatest string otherwise.
    names.set(id, had === null ? n : n === null ? had : n > had ? n : had);
  };
  for (const c of creates) {
    if (c.guid !== null) name(c.guid, c.name);
    if (c.parentGuid !== null) name(c.parentGuid, c.parentName);
  }
  const edgeKeys = new Set(creates.filter((c) => c.parentGuid !== null).map((c) => JSON.stringify([c.parentGuid, c.guid])));
  const edges = [...edgeKeys].map((k) => JSON.parse(k) as [string, string]);
  const out = countBy(edges, ([s]) => s);
  const inn = countBy(edges, ([, d]) => d);
  const chains = edges.flatMap(([a, b]) => edges.filter(([s]) => s === b).map(([, c]) => [a, b, c]));
  const label = (id: string) => String(names.get(id) ?? null);
  // Union-find over the undirected edges.
  const parent = new Map<string, string>([...names.keys()].map((id) => [id, id]));
  const find = (x: string): string => (parent.get(x) === x ? x : find(parent.get(x) as string));
  for (const [s, d] of edges) if (d !== null) parent.set(find(s), find(d));
  const sizes = countBy([...names.keys()], find);
  const talkers = new Set(rows.filter((r) => r.eventId === 3).map((r) => r.guid));
  return {
    vertices: names.size,
    edges: edges.length,
    max_out_degree: Math.max(0, ...out.values()),
    max_in_degree: Math.max(0, ...inn.values()),
    motif_count: chains.length,
    motif_chains: sortedSet(chains.map(([a, b, c]) => `${label(a as string)} > ${label(b as string)} > ${label(c as string)}`)),
    components: sizes.size,
    largest_component: Math.max(0, ...sizes.values()),
    spawned_a_connection: [...new Set(edges.filter(([, d]) => talkers.has(d)).map(([s]) => names.get(s) ?? null))]
      .filter((n): n is string => n !== null)
      .sort(),
  };
}

/** 04-logon-graph: Security 4624 of logon type 3 or 10. */
export function logonFigures(events: Raw[]) {
  const logons = events.filter(
    (e) =>
      (e.SourceName === "Microsoft-Windows-Security-Auditing" || e.Channel === "Security") &&
      Number(e.EventID) === 4624 &&
      [3, 10].includes(Number(e.LogonType)),
  );
  const edge = (e: Raw) => `${str(e.TargetUserName)} -> ${str(e.Hostname)}`;
  const person = (e: Raw) => !String(e.TargetUserName).endsWith("$") && e.TargetUserName !== "ANONYMOUS LOGON";
  return {
    logons: logons.length,
    edges: sortedSet(logons.map(edge)),
    people_edges: sortedSet(logons.filter(person).map(edge)),
    users: new Set(logons.map((e) => str(e.TargetUserName))).size,
    hosts: new Set(logons.map((e) => str(e.Hostname))).size,
  };
}

/** 05-ml-rare-processes: what does not depend on the model's arithmetic. */
export function mlFigures(rows: SysmonRow[]) {
  const creates = rows.filter((r) => r.eventId === 1 && r.commandLine !== null);
  const byPair = countBy(creates, (c) => `${c.parentName ?? "None"} > ${c.name ?? "None"}`);
  return {
    process_creations: creates.length,
    distinct_command_lines: new Set(creates.map((c) => c.commandLine)).size,
    pairs: byPair.size,
    pairs_seen_once: [...byPair]
      .filter(([, n]) => n === 1)
      .map(([k]) => String(k))
      .sort(),
  };
}

/** 06-playbook-regsvr32-scriptlet. */
export function playbookFigures(rows: SysmonRow[]) {
  const creates = rows.filter((r) => r.eventId === 1);
  const connects = rows.filter((r) => r.eventId === 3);
  const launches = creates.filter(
    (c) =>
      c.name === "regsvr32.exe" &&
      /\/i:http/.test((c.commandLine ?? "").toLowerCase()) &&
      /scrobj\.dll/.test((c.commandLine ?? "").toLowerCase()),
  );
  const guids = new Set(launches.map((l) => l.guid));
  const own = connects.filter((n) => guids.has(n.guid));
  const children = creates.filter((c) => guids.has(c.parentGuid));
  const childGuids = new Set(children.map((c) => c.guid));
  const theirs = connects.filter((n) => childGuids.has(n.guid));
  const dest = (xs: SysmonRow[]) => sortedSet(xs.map((n) => `${n.destIp ?? "None"}:${n.destPort ?? "None"}`));
  return {
    launches: launches.length,
    scriptlet_urls: sortedSet(launches.map((l) => /\/i:(\S+)/.exec(l.commandLine ?? "")?.[1] ?? "")),
    hosts: sortedSet(launches.map((l) => l.host)),
    users: sortedSet(launches.map((l) => l.user)),
    parents: sortedSet(launches.map((l) => l.parentName)),
    regsvr32_connections: own.length,
    regsvr32_destinations: dest(own),
    children: sortedSet(children.map((c) => c.name)),
    child_connections: theirs.length,
    child_destinations: dest(theirs),
  };
}
