/**
 * The hunt data path on real services: `helk replay` of the shared Mordor sets into a `lab`
 * install (real Kafka, real Elasticsearch, the Spark join job running in the real PySpark
 * notebook image), and the joined documents in `sysmon-join` checked against the source events
 * themselves, field by field, and against the data sets' README counts.
 *
 * The join is clocked by arrival (the Kafka record time), so its result must not depend on the
 * order data sets come in: each layout (the flat Mordor files, and the same sets in Winlogbeat
 * 8's shape) is replayed newest first, oldest first, as one folder, that folder again, and after
 * live-dated events, on one stack and one topic, and every step must give exactly the README's
 * documents. An event-time watermark loses the older sets in all but the oldest-first order.
 */

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { Client } from "@elastic/elasticsearch";
import { execa } from "execa";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caughtUpTo, readStreamStatus } from "../../engine/probes/stream-join-probe.js";
import { sqlFigures, sysmonRows } from "../helpers/hunt-figures.js";
import { helkPipeline } from "../helpers/logstash-config.js";
import { fromKafka, runPipeline } from "../helpers/logstash-eval.js";
import { isSysmonFlat, readMordorSet } from "../helpers/mordor.js";
import { runNotebook } from "../helpers/notebooks.js";
import { helk } from "../helpers/run-cli.js";
import {
  containerIds,
  createTestStack,
  JUPYTER_FIXTURE,
  requireLabImages,
  statusWhenReady,
  type TestStack,
} from "../helpers/test-stack.js";
import { convertLines, type FlatEvent, toWinlogbeat8 } from "../helpers/winlogbeat8.js";

const MORDOR = new URL("../../../shared/datasets/mordor/", import.meta.url).pathname;
const SAMPLE = new URL("../fixtures/winlogbeat8/sysmon-sample.ndjson", import.meta.url).pathname;
/**
 * "EID3 events whose ProcessGuid has an EID1 in the same file", from the data sets' README, newest
 * recording first (schtask_modification 2020-12-19 ... empire_launcher 2020-07-22).
 */
const SETS = [
  ["schtask_modification", 3],
  ["cmd_bitsadmin_download_psh_script", 3],
  ["covenant_dcom_executeexcel4macro_allowed", 20],
  ["empire_launcher_sct_regsvr32", 11],
] as const;
const README_TOTAL = SETS.reduce((n, [, c]) => n + c, 0);
/** HELK's Logstash pipeline, evaluated in TypeScript (Logstash cannot run here). */
const PIPELINE = helkPipeline();

let stack: TestStack;
let es: Client;

/** Every field of a joined document. */
interface JoinDoc {
  "@timestamp": string;
  ProcessGuid: string;
  Hostname: string;
  process_time: string;
  network_time: string;
  ProcessId: string;
  Image: string;
  CommandLine: string;
  ParentImage: string;
  ParentCommandLine: string;
  ParentProcessGuid: string;
  User: string;
  Hashes: string;
  Protocol: string;
  SourceIp: string;
  SourcePort: string;
  DestinationIp: string;
  DestinationPort: string;
  DestinationHostname: string;
}
type Expected = Map<string, Partial<JoinDoc>>;

/** An event read the way either layout carries it: flat Mordor, or Winlogbeat 8's nested one. */
function view(e: Record<string, unknown>) {
  const w = (e.winlog ?? {}) as Record<string, unknown>;
  const data = (w.event_data ?? {}) as Record<string, string>;
  const host = e.host as { name?: string } | string | undefined;
  return {
    eventId: Number(e.EventID ?? w.event_id),
    sysmon:
      (e.SourceName ?? w.provider_name) === "Microsoft-Windows-Sysmon" ||
      (e.Channel ?? w.channel) === "Microsoft-Windows-Sysmon/Operational",
    host: (e.Hostname ?? w.computer_name ?? (typeof host === "object" ? host.name : undefined)) as string | undefined,
    time: e["@timestamp"] as string,
    get: (field: string) => (e[field] ?? data[field]) as string | undefined,
  };
}

/** The joined documents a JSON-lines text implies, computed here from its lines, by document id. */
function expectedJoin(text: string): Expected {
  const creates = new Map<string, ReturnType<typeof view>>();
  const connects: { raw: string; v: ReturnType<typeof view> }[] = [];
  for (const line of text.split("\n")) {
    const raw = line.replace(/\r$/, "");
    if (!raw.trim()) continue;
    const v = view(JSON.parse(raw) as Record<string, unknown>);
    if (!v.sysmon || !v.get("ProcessGuid")) continue;
    if (v.eventId === 1) creates.set(v.get("ProcessGuid") as string, v);
    if (v.eventId === 3) connects.push({ raw, v });
  }
  const out: Expected = new Map();
  for (const { raw, v: n } of connects) {
    const p = creates.get(n.get("ProcessGuid") as string);
    if (!p) continue;
    const doc: Record<string, string | undefined> = {
      "@timestamp": n.time,
      ProcessGuid: n.get("ProcessGuid"),
      Hostname: n.host ?? p.host,
      process_time: p.time,
      network_time: n.time,
      Image: p.get("Image") ?? n.get("Image"),
      ...Object.fromEntries(
        ["ProcessId", "CommandLine", "ParentImage", "ParentCommandLine", "ParentProcessGuid", "User", "Hashes"].map((f) => [f, p.get(f)]),
      ),
      ...Object.fromEntries(
        ["Protocol", "SourceIp", "SourcePort", "DestinationIp", "DestinationPort", "DestinationHostname"].map((f) => [f, n.get(f)]),
      ),
    };
    // A field the source events lack is null in the document; compare only what they have.
    out.set(
      createHash("sha256").update(raw).digest("hex"),
      Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined)) as Partial<JoinDoc>,
    );
  }
  return out;
}

const unzip = async (zip: string) => (await execa("unzip", ["-p", zip], { maxBuffer: 512 * 1024 * 1024 })).stdout;
const objects = (text: string) => text.split("\n").filter((l) => l.trim()).length;
const merge = (...maps: Expected[]) => new Map(maps.flatMap((m) => [...m]));

/** One layout of the shared sets: a file per set, a folder holding exactly them, what each joins to. */
interface Layout {
  name: string;
  files: Record<string, string>;
  dir: string;
  expected: Record<string, Expected>;
  events: Record<string, number>;
  /** A few live-dated events (today's timestamps) in this layout, and what they join to. */
  live(): { path: string; expected: Expected };
}

async function layouts(root: string): Promise<Layout[]> {
  const flat: Layout = {
    name: "flat Mordor files",
    files: {},
    dir: join(root, "flat"),
    expected: {},
    events: {},
    live: () => live(flat, (e) => e),
  };
  const wlb8: Layout = {
    name: "Winlogbeat 8 layout",
    files: {},
    dir: join(root, "winlogbeat8"),
    expected: {},
    events: {},
    live: () => live(wlb8, toWinlogbeat8),
  };
  for (const l of [flat, wlb8]) mkdirSync(l.dir);
  for (const [set] of SETS) {
    const zip = `${MORDOR}${set}.zip`;
    const text = await unzip(zip);
    // The files users replay: the data set's own zip, and its events as Winlogbeat 8 sends them.
    flat.files[set] = join(flat.dir, `${set}.zip`);
    symlinkSync(zip, flat.files[set]);
    flat.expected[set] = expectedJoin(text);
    flat.events[set] = objects(text);
    const converted = convertLines(text);
    wlb8.files[set] = join(wlb8.dir, `${set}.json`);
    writeFileSync(wlb8.files[set], converted);
    wlb8.expected[set] = expectedJoin(converted);
    wlb8.events[set] = objects(converted);
  }
  return [flat, wlb8];
}

let liveCount = 0;
/** A process started now and its connection 2 s later, plus a connection of an unknown process. */
function live(layout: Layout, shape: (e: FlatEvent) => Record<string, unknown>): { path: string; expected: Expected } {
  const now = Date.now();
  const guid = `{11111111-2222-3333-4444-${String(now).slice(-8)}${String(++liveCount).padStart(4, "0")}}`;
  const common = {
    SourceName: "Microsoft-Windows-Sysmon",
    Channel: "Microsoft-Windows-Sysmon/Operational",
    Hostname: "HELK-LIVE-01.helk.test",
  };
  const events: FlatEvent[] = [
    {
      ...common,
      "@timestamp": new Date(now).toISOString(),
      EventID: 1,
      ProcessGuid: guid,
      ProcessId: "4242",
      Image: "C:\\Windows\\System32\\curl.exe",
      CommandLine: "curl http://10.0.0.9/",
      ParentImage: "C:\\Windows\\explorer.exe",
      User: "HELK\\analyst",
    },
    {
      ...common,
      "@timestamp": new Date(now + 2000).toISOString(),
      EventID: 3,
      ProcessGuid: guid,
      Image: "C:\\Windows\\System32\\curl.exe",
      Protocol: "tcp",
      SourceIp: "10.0.0.5",
      SourcePort: "50123",
      DestinationIp: "10.0.0.9",
      DestinationPort: "80",
    },
    {
      ...common,
      "@timestamp": new Date(now + 3000).toISOString(),
      EventID: 3,
      ProcessGuid: `${guid.slice(0, -1)}-x}`,
      Protocol: "udp",
      DestinationIp: "10.0.0.3",
      DestinationPort: "53",
    },
  ];
  const text = `${events.map((e) => JSON.stringify(shape(e))).join("\n")}\n`;
  const path = join(stack.dir, `live-${basename(layout.dir)}-${liveCount}.json`);
  writeFileSync(path, text);
  return { path, expected: expectedJoin(text) };
}

const count = async () => (await es.count({ index: "sysmon-join", ignore_unavailable: true, allow_no_indices: true })).count;

/**
 * Every write the index has taken since its shard started (a rewrite of the same id counts
 * too, where the document count does not): the witness that something was joined again.
 */
const indexTotal = async () =>
  (await es.indices.stats({ index: "sysmon-join", metric: "indexing" }))._all.primaries?.indexing?.index_total ?? -1;

/** While the job creates the index its shard may not answer yet: that counts as nothing yet. */
const countSoFar = () => count().catch(() => 0);

/** Waits until the job has read the topic to its end (its own progress report says so). */
// A fresh job's first batch with data (state stores, Python workers) took 137 s and over 240 s
// on the shared 2-core machine here.
async function caughtUp(deadlineMs = 480_000): Promise<void> {
  const admin = new Kafka({ brokers: [`127.0.0.1:${stack.ports.kafka}`], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const ends = Object.fromEntries((await admin.fetchTopicOffsets("winlogbeat")).map((p) => [String(p.partition), Number(p.high)]));
    const until = Date.now() + deadlineMs;
    let last = "";
    while (Date.now() < until) {
      const status = await readStreamStatus(es);
      last = status?.source_end_offsets ?? "";
      if (caughtUpTo(status, "winlogbeat", ends)) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`the join job did not read winlogbeat to ${JSON.stringify(ends)} (last report: ${last})`);
  } finally {
    await admin.disconnect();
  }
}

async function waitForCount(expected: number, deadlineMs = 240_000): Promise<number> {
  const until = Date.now() + deadlineMs;
  let n = await countSoFar();
  while (n < expected && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1000));
    n = await countSoFar();
  }
  return n;
}

/**
 * Removes sysmon-join (the job keeps running and makes it again, from HELK's template, at its
 * next write), so the next step must join everything again. Deleting the index, not its
 * documents: the test Elasticsearch has no delete-by-query (no reindex module).
 */
async function wipe(): Promise<void> {
  // Whatever an earlier step left for the job is written first, never after the wipe.
  await caughtUp();
  await es.indices.delete({ index: "sysmon-join", ignore_unavailable: true });
  expect(await countSoFar()).toBe(0);
}

let lastReplay = 0;
async function replay(paths: string[], events: number): Promise<void> {
  const r = await helk(["replay", "--json", "--bootstrap", `127.0.0.1:${stack.ports.kafka}`, ...paths]);
  lastReplay = Date.now();
  expect(r.exitCode, r.stderr).toBe(0);
  expect((JSON.parse(r.stdout) as { events: number }).events).toBe(events);
}

/**
 * The two layouts carry the same ProcessGuids in different bytes (so different document ids):
 * an EID 1 joins an EID 3 that arrived up to HELK_JOIN_BEFORE_SECONDS (60 s) before it, so the
 * other layout's connections, replayed just before, would be joined (and indexed) again. A step
 * that switches layouts starts once they are out of that window.
 */
async function pastJoinBefore(): Promise<void> {
  const wait = lastReplay + 65_000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

/**
 * Once the job has read everything: sysmon-join holds exactly these documents, field by field
 * (times compared as instants).
 */
async function expectJoined(expected: Expected, label: string): Promise<void> {
  const started = Date.now();
  await caughtUp();
  // How long the job took to read the step, for the run's record (the machine is shared).
  console.log(`${label}: caught up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // The job's report comes after its batch's writes; only Elasticsearch's refresh is left.
  await waitForCount(expected.size, 15_000);
  await new Promise((r) => setTimeout(r, 1500));
  expect(await count(), label).toBe(expected.size);
  const got = await es.mget<JoinDoc>({ index: "sysmon-join", ids: [...expected.keys()] });
  for (const d of got.docs) {
    expect("found" in d && d.found, `${label}: document ${d._id}`).toBe(true);
    const source = "_source" in d ? (d._source as JoinDoc) : undefined;
    const want = expected.get(d._id) as Partial<JoinDoc>;
    const instants = (x: Partial<JoinDoc> | undefined) => ({
      ...x,
      "@timestamp": Date.parse(x?.["@timestamp"] ?? ""),
      network_time: Date.parse(x?.network_time ?? ""),
      process_time: Date.parse(x?.process_time ?? ""),
    });
    expect(instants(source), `${label}: document ${d._id}`).toMatchObject(instants(want));
  }
}

// Each order step replays and checks up to four data sets; on a shared 2-core machine the job's
// batches take longer than the tier's default 180 s allows.
describe.sequential("hunt data path: replay → Kafka → Spark join → Elasticsearch sysmon-join", { timeout: 900_000 }, () => {
  let sets: Layout[] = [];
  beforeAll(async () => {
    await requireLabImages();
    stack = createTestStack("hunt", "lab", { images: { jupyter: JUPYTER_FIXTURE }, timeouts: { healthSeconds: 300 } });
    const r = await helk(["install", "--non-interactive", "--yes", "--json", ...stack.flags]);
    if (r.exitCode !== 0) throw new Error(`install failed (${r.exitCode}): ${r.stderr}\n${r.stdout}`);
    es = new Client({
      node: `http://127.0.0.1:${stack.ports.elasticsearch}`,
      auth: { username: "elastic", password: stack.secrets().elasticPassword as string },
    });
    sets = await layouts(stack.dir);
  });
  afterAll(async () => {
    await es?.close();
    await stack?.cleanup();
  });

  it("the join job runs in HELK's notebook image, built on the configured one", async () => {
    const { exitCode, status: s } = await statusWhenReady(stack);
    expect(exitCode, JSON.stringify(s)).toBe(0);
    const join = s.services.find((x) => x.name === "stream-join");
    expect(join?.probe).toBe("ok");
    expect(join?.detail).toMatch(/^running, (no batch yet|batch \d+), 0 joined documents/);
    const image = await execa("docker", [
      "image",
      "inspect",
      "-f",
      '{{index .Config.Labels "org.helk.inputs"}}',
      `${stack.project}/jupyter:0.1.0`,
    ]);
    expect(image.stdout).toMatch(/^[0-9a-f]{64}$/);
  });

  /** A check of test/fixtures/pairing/, run by the job's own Python (`python3 -`) in its container. */
  const inJoinContainer = async (fixture: string) => {
    const join = (await containerIds(stack.project))["stream-join"] as string;
    return execa("docker", ["exec", "-i", join, "python3", "-"], {
      input: readFileSync(new URL(`../fixtures/pairing/${fixture}`, import.meta.url), "utf8"),
      reject: false,
      all: true,
    });
  };

  it("the join's stateful step pairs by arrival at the window's edges, across batches, and ends its state", async () => {
    // The sets replay each pair within a second: the edges (300 s after, 60 s before), late
    // records and timeouts are checked on helk_hunt.pairing itself, in the job's own container.
    const r = await inJoinContainer("check_pairing.py");
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain("pairing: all checks passed");
  });

  it("the join's prefilter passes every layout of EID 1 and 3 and skips other ids: the byte scan the job runs agrees with the regex, and a missing scan class is reported", async () => {
    // A record the prefilter refuses is never parsed: an EID 1 or 3 refused there would be lost.
    // The job scans the bytes (images/jupyter/jvm, compiled into the image); the regex on Spark's
    // own engine is the reference both are held to, case by case and on 20,000 generated records.
    const r = await inJoinContainer("check_prefilter.py");
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain("ok missing class: reported, not registered");
    for (const test of ["regex", "scan"]) {
      const lines = r.stdout.split("\n").filter((l) => l.startsWith(`ok ${test} `));
      expect(lines, r.all).toHaveLength(14);
      expect(lines).toContain(`ok ${test} skipped: '{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon"}'`);
    }
    const generated = /generated: (\d+) records, (\d+) passed by both, (\d+) skipped by both/.exec(r.stdout);
    expect(generated, r.all).not.toBeNull();
    // Both outcomes well represented, or agreement would prove little.
    expect(Number(generated?.[2])).toBeGreaterThan(2_000);
    expect(Number(generated?.[3])).toBeGreaterThan(10_000);
  });

  it("the data sets imply the README's counts, in both layouts", () => {
    for (const l of sets) for (const [set, n] of SETS) expect(l.expected[set]?.size, `${l.name}: ${set}`).toBe(n);
  });

  it("the Winlogbeat 8 sample (Winlogbeat's exact shape) joins to exactly its 1 document", async () => {
    const text = readFileSync(SAMPLE, "utf8");
    const expected = expectedJoin(text);
    expect(expected.size).toBe(1);
    await replay([SAMPLE], objects(text));
    await expectJoined(expected, "sample");
  });

  for (const layout of [0, 1]) {
    const name = () => sets[layout]?.name as string;
    const l = () => sets[layout] as Layout;
    const all = () => merge(...SETS.map(([set]) => l().expected[set] as Expected));
    const allEvents = () => SETS.reduce((n, [set]) => n + (l().events[set] ?? 0), 0);

    it(`${["flat", "Winlogbeat 8"][layout]}: newest first, one set at a time: each set joins, none lost as late`, async () => {
      await pastJoinBefore();
      await wipe();
      let so: Expected = new Map();
      for (const [set, n] of SETS) {
        await replay([l().files[set] as string], l().events[set] as number);
        so = merge(so, l().expected[set] as Expected);
        await expectJoined(so, `${name()}, newest first, after ${set} (${n})`);
      }
      expect(so.size).toBe(README_TOTAL);
    });

    it(`${["flat", "Winlogbeat 8"][layout]}: oldest first, after the newer sets: the same documents again`, async () => {
      await wipe();
      let so: Expected = new Map();
      for (const [set, n] of [...SETS].reverse()) {
        await replay([l().files[set] as string], l().events[set] as number);
        so = merge(so, l().expected[set] as Expected);
        await expectJoined(so, `${name()}, oldest first, after ${set} (${n})`);
      }
    });

    it(`${["flat", "Winlogbeat 8"][layout]}: the four as one folder (helk replay DIR), then that folder again: exactly ${README_TOTAL}, nothing added`, async () => {
      await wipe();
      await replay([l().dir], allEvents());
      await expectJoined(all(), `${name()}, one folder`);
      const writes = await indexTotal();
      await replay([l().dir], allEvents());
      await expectJoined(all(), `${name()}, the folder twice`);
      // The second replay was joined again (every document rewritten under its own id), not ignored.
      expect((await indexTotal()) - writes).toBeGreaterThanOrEqual(README_TOTAL);
    });

    it(`${["flat", "Winlogbeat 8"][layout]}: after live-dated events (today), the recorded sets still join: ${README_TOTAL} + the live pair`, async () => {
      await wipe();
      const now = l().live();
      expect(now.expected.size).toBe(1);
      await replay([now.path], 3);
      await expectJoined(now.expected, `${name()}, live events`);
      await replay([l().dir], allEvents());
      await expectJoined(merge(now.expected, all()), `${name()}, the folder after live events`);
    });
  }

  it("ends with the flat sets' documents only (what the notebooks and later tests count)", async () => {
    await pastJoinBefore();
    await wipe();
    await replay(
      [(sets[0] as Layout).dir],
      SETS.reduce((n, [set]) => n + ((sets[0] as Layout).events[set] ?? 0), 0),
    );
    await expectJoined(merge(...SETS.map(([set]) => (sets[0] as Layout).expected[set] as Expected)), "flat folder");
  });

  it("helk verify passes: Kafka and the join timed, Logstash's hop skipped in lab, its documents removed", async () => {
    const before = await count();
    const r = await helk(["verify", "--json", "--timeout", "120", ...stack.flags]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const v = JSON.parse(r.stdout) as VerifyJson;
    expect(v.hops.map((h) => [h.hop, h.outcome])).toEqual([
      ["kafka", "passed"],
      ["normalised", "skipped"],
      ["joined", "passed"],
    ]);
    expect(v.hops[1]?.detail).toBe("no Logstash in profile lab");
    expect(v.hops[2]?.latencyMs).toBeGreaterThan(0);
    expect(v.cleanup[0]).toBe("deleted 1 document from Elasticsearch");
    const left = await es.search({ index: "sysmon-join", query: { term: { ProcessGuid: v.processGuid } } });
    expect((left.hits.total as { value: number }).value).toBe(0);
    expect(await count()).toBe(before);
  });

  it("the shipped notebooks run in the notebook container as its read-only user: the job's status, and the SQL over Elasticsearch", async () => {
    const jupyter = (await containerIds(stack.project)).jupyter as string;
    const env = await execa("docker", ["exec", jupyter, "printenv", "HELK_ES_USER"]);
    expect(env.stdout).toBe("helk_notebook_reader");
    // No credentials given here: the notebooks log in with what HELK gave the jupyter service.
    const status = (await runNotebook(jupyter, "03-stream-join-status.ipynb")).result;
    expect(status).toMatchObject({ active: true, index: "sysmon-join", joined_documents: README_TOTAL, source_topic: "winlogbeat" });

    // lab has no Logstash to fill the normalised Sysmon indices: write one data set's Sysmon events
    // there as HELK's pipeline would, so the SQL notebook takes Elasticsearch as its source. Each
    // event is a document: 25 of this set's Sysmon lines repeat another line byte for byte, and
    // the notebooks count Elasticsearch's documents as they are (only Kafka records that repeat
    // are one row: a data set replayed again).
    const set = await readMordorSet("cmd_bitsadmin_download_psh_script.zip");
    const sysmon = set.events.filter(isSysmonFlat);
    const index = "logs-endpoint-winevent-sysmon-notebook-test";
    const docs = sysmon.flatMap((e) => runPipeline(PIPELINE, fromKafka(e, "winlogbeat")).outputs);
    const bulk = await es.bulk({ refresh: "wait_for", operations: docs.flatMap((d) => [{ create: { _index: index } }, d.source]) });
    expect(bulk.errors, JSON.stringify(bulk.items.find((i) => i.create?.error))).toBe(false);
    try {
      const sql = (await runNotebook(jupyter, "01-sysmon-sql.ipynb")).result;
      expect(sql).toMatchObject({ source: "elasticsearch", ...sqlFigures(sysmonRows(sysmon), "10.") });
      expect(sql.join_rows).toBe(SETS.find(([name]) => name === "cmd_bitsadmin_download_psh_script")?.[1]);
    } finally {
      await es.indices.delete({ index });
    }
  }, 600_000);

  it("the job resumes from its checkpoint after a restart: batch ids go on, new data joins, nothing re-joined", async () => {
    const report = async () =>
      (await es.get<{ started: string; batch_id: number | null }>({ index: "helk-stream-status", id: "sysmon-join" }))._source;
    const before = { count: await count(), report: await report(), writes: await indexTotal() };
    const r = await helk(["restart", "stream-join", ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    // A report from the restarted job (a new start time).
    const until = Date.now() + 180_000;
    while ((await report())?.started === before.report?.started && Date.now() < until) await new Promise((r) => setTimeout(r, 1000));
    expect((await report())?.started).not.toBe(before.report?.started);
    // New data after the restart is joined; it is batch N+1, not batch 0 of a re-read topic.
    const v = await helk(["verify", "--json", "--timeout", "120", ...stack.flags]);
    expect(v.exitCode, v.stdout).toBe(0);
    await caughtUp();
    // Batch ids go on from the checkpoint (an idle trigger reports the next id, so the new data
    // may run as that same id); a job that lost its checkpoint would start again at batch 0.
    expect((await report())?.batch_id).toBeGreaterThanOrEqual(before.report?.batch_id ?? Number.POSITIVE_INFINITY);
    expect(before.report?.batch_id).toBeGreaterThan(5);
    expect(await count()).toBe(before.count);
    // The ids are deterministic, so the count alone would hide a re-join: the index took
    // exactly one write since, verify's joined document (deleted again by verify).
    await es.indices.refresh({ index: "sysmon-join" });
    expect((await indexTotal()) - before.writes, "writes into sysmon-join since the restart").toBe(1);
  });

  it("helk verify names the broken hop: the join stopped", async () => {
    expect((await helk(["stop", "stream-join", ...stack.flags])).exitCode).toBe(0);
    const r = await helk(["verify", "--timeout", "8", ...stack.flags]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^kafka\s+passed\s+[\d.]+ s {2}publish to 127\.0\.0\.1:\d+ topic winlogbeat/m);
    expect(r.stdout).toMatch(/^joined\s+failed\s+- {2}the Spark join \(stream-join\) → sysmon-join: no joined document after 8 s/m);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("verify: FAILED at hop joined");
  });

  it("helk verify names the broken hop: Kafka stopped", async () => {
    expect((await helk(["stop", "kafka", ...stack.flags])).exitCode).toBe(0);
    const r = await helk(["verify", "--json", "--timeout", "5", ...stack.flags]);
    expect(r.exitCode).toBe(1);
    const v = JSON.parse(r.stdout) as VerifyJson;
    expect(v.failedHop).toBe("kafka");
    expect(v.hops).toHaveLength(1);
    expect(v.hops[0]?.detail).toMatch(/is Kafka running \(helk status kafka\)\?$/);
  });
});

interface VerifyJson {
  ok: boolean;
  processGuid: string;
  failedHop?: string;
  cleanup: string[];
  hops: { hop: string; outcome: string; latencyMs?: number; detail: string }[];
}
