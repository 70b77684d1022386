/**
 * The hunt data path on real services: `helk replay` of each shared Mordor set into a `lab`
 * install (real Kafka, real Elasticsearch, the Spark join job running in the real PySpark
 * notebook image), and the joined documents in `sysmon-join` checked against the data sets'
 * README and against the source events themselves.
 */

import { createHash } from "node:crypto";
import { Client } from "@elastic/elasticsearch";
import { execa } from "execa";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caughtUpTo, readStreamStatus } from "../../engine/probes/stream-join-probe.js";
import { helk } from "../helpers/run-cli.js";
import {
  containerIds,
  createTestStack,
  JUPYTER_FIXTURE,
  requireLabImages,
  statusWhenReady,
  type TestStack,
} from "../helpers/test-stack.js";

const MORDOR = new URL("../../../shared/datasets/mordor/", import.meta.url).pathname;
/**
 * "EID3 events whose ProcessGuid has an EID1 in the same file", from the data sets' README, in
 * the order of their recording dates: the job's event-time watermark only moves forward, so
 * one stack takes the sets oldest first (a fresh topic, index and checkpoint to begin with).
 */
const SETS = [
  ["empire_launcher_sct_regsvr32.zip", 11],
  ["covenant_dcom_executeexcel4macro_allowed.zip", 20],
  ["cmd_bitsadmin_download_psh_script.zip", 3],
  ["schtask_modification.zip", 3],
] as const;

let stack: TestStack;
let es: Client;

interface JoinDoc {
  ProcessGuid: string;
  Image: string;
  CommandLine: string;
  ParentImage: string;
  User: string;
  Hashes: string;
  DestinationIp: string;
  DestinationPort: string;
  process_time: string;
  network_time: string;
}

/** The joined documents a data set implies, computed here from the file itself, by id. */
async function expectedJoin(file: string): Promise<Map<string, Partial<JoinDoc>>> {
  const text = (await execa("unzip", ["-p", `${MORDOR}${file}`], { maxBuffer: 512 * 1024 * 1024 })).stdout;
  const sysmon = (e: Record<string, unknown>) =>
    e.SourceName === "Microsoft-Windows-Sysmon" || e.Channel === "Microsoft-Windows-Sysmon/Operational";
  const creates = new Map<string, Record<string, string>>();
  const connects: { raw: string; e: Record<string, string> }[] = [];
  for (const line of text.split("\n")) {
    const raw = line.replace(/\r$/, "");
    if (!raw.trim()) continue;
    const e = JSON.parse(raw) as Record<string, string>;
    if (!sysmon(e)) continue;
    if (Number(e.EventID) === 1) creates.set(e.ProcessGuid as string, e);
    if (Number(e.EventID) === 3) connects.push({ raw, e });
  }
  const out = new Map<string, Partial<JoinDoc>>();
  for (const { raw, e } of connects) {
    const p = creates.get(e.ProcessGuid as string);
    if (!p) continue;
    const doc: Record<string, string | undefined> = {
      ProcessGuid: e.ProcessGuid,
      Image: p.Image,
      CommandLine: p.CommandLine,
      ParentImage: p.ParentImage,
      User: p.User,
      Hashes: p.Hashes,
      DestinationIp: e.DestinationIp,
      DestinationPort: e.DestinationPort,
      process_time: p["@timestamp"],
      network_time: e["@timestamp"],
    };
    // A field the source events lack is null in the document; compare only what they have.
    out.set(
      createHash("sha256").update(raw).digest("hex"),
      Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined)) as Partial<JoinDoc>,
    );
  }
  return out;
}

const count = async () => (await es.count({ index: "sysmon-join", ignore_unavailable: true, allow_no_indices: true })).count;

/**
 * Every write the index has taken since its shard started (a rewrite of the same id counts
 * too, where the document count does not): the witness that nothing was joined again.
 */
const indexTotal = async () =>
  (await es.indices.stats({ index: "sysmon-join", metric: "indexing" }))._all.primaries?.indexing?.index_total ?? -1;

/** While the job creates the index its shard may not answer yet: that counts as nothing yet. */
const countSoFar = () => count().catch(() => 0);

/** Waits until the job has read the topic to its end (its own progress report says so). */
async function caughtUp(deadlineMs = 240_000): Promise<void> {
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

describe.sequential("hunt data path: replay → Kafka → Spark join → Elasticsearch sysmon-join", () => {
  beforeAll(async () => {
    await requireLabImages();
    stack = createTestStack("hunt", "lab", { images: { jupyter: JUPYTER_FIXTURE }, timeouts: { healthSeconds: 300 } });
    const r = await helk(["install", "--non-interactive", "--yes", "--json", ...stack.flags]);
    if (r.exitCode !== 0) throw new Error(`install failed (${r.exitCode}): ${r.stderr}\n${r.stdout}`);
    es = new Client({
      node: `http://127.0.0.1:${stack.ports.elasticsearch}`,
      auth: { username: "elastic", password: stack.secrets().elasticPassword as string },
    });
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

  let total = 0;
  it.each(SETS)("%s: exactly %d joined documents, each with both sides' fields", async (file, joined) => {
    const r = await helk(["replay", "--json", "--bootstrap", `127.0.0.1:${stack.ports.kafka}`, `${MORDOR}${file}`]);
    expect(r.exitCode, r.stderr).toBe(0);
    total += joined;
    expect(await waitForCount(total)).toBe(total);
    await caughtUp();
    expect(await count()).toBe(total);

    const expected = await expectedJoin(file);
    expect(expected.size).toBe(joined);
    const got = await es.mget<JoinDoc>({ index: "sysmon-join", ids: [...expected.keys()] });
    for (const d of got.docs) {
      expect("found" in d && d.found, `document ${d._id} of ${file}`).toBe(true);
      const source = "_source" in d ? (d._source as JoinDoc) : undefined;
      const want = expected.get(d._id) as Partial<JoinDoc>;
      expect({
        ...source,
        network_time: Date.parse(source?.network_time ?? ""),
        process_time: Date.parse(source?.process_time ?? ""),
      }).toMatchObject({
        ...want,
        network_time: Date.parse(want.network_time as string),
        process_time: Date.parse(want.process_time as string),
      });
    }
  });

  it("a second replay of the same file adds nothing (deterministic ids), though the job reads it again", async () => {
    const before = await count();
    const [file] = SETS[SETS.length - 1] as readonly [string, number];
    const r = await helk(["replay", "--json", "--bootstrap", `127.0.0.1:${stack.ports.kafka}`, `${MORDOR}${file}`]);
    expect(r.exitCode, r.stderr).toBe(0);
    await caughtUp();
    // One more refresh interval for anything the last batch wrote.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await count()).toBe(before);
    expect(before).toBe(37);
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

  it("the shipped notebooks run in the notebook container as its read-only user: the job's status and the SQL join", async () => {
    // lab has no Logstash to fill the normalised Sysmon index the SQL notebook reads: write a
    // data set's Sysmon EID 1 and 3 events there, so the SQL join runs on real documents.
    const text = (await execa("unzip", ["-p", `${MORDOR}cmd_bitsadmin_download_psh_script.zip`], { maxBuffer: 256 * 1024 * 1024 })).stdout;
    const fields = ["@timestamp", "EventID", "Hostname", "ProcessGuid", "Image", "CommandLine", "ParentImage", "User"];
    const events = text
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter(
        (e) =>
          (e.SourceName === "Microsoft-Windows-Sysmon" || e.Channel === "Microsoft-Windows-Sysmon/Operational") &&
          [1, 3].includes(Number(e.EventID)) &&
          e.ProcessGuid,
      )
      .map((e) => Object.fromEntries(fields.filter((f) => e[f] !== undefined).map((f) => [f, e[f]])));
    const creates = events.filter((e) => Number(e.EventID) === 1);
    const connects = events.filter((e) => Number(e.EventID) === 3);
    // SQL's inner join: one row per (EID 1, EID 3) pair of one ProcessGuid.
    const sqlRows = connects.reduce((n, c) => n + creates.filter((p) => p.ProcessGuid === c.ProcessGuid).length, 0);
    expect(sqlRows).toBeGreaterThan(0);
    const index = "logs-endpoint-winevent-sysmon-notebook-test";
    const bulk = await es.bulk({ refresh: "wait_for", operations: events.flatMap((doc) => [{ create: { _index: index } }, doc]) });
    expect(bulk.errors, JSON.stringify(bulk.items.find((i) => i.create?.error))).toBe(false);

    const jupyter = (await containerIds(stack.project)).jupyter as string;
    // No credentials given here: the notebooks log in with what HELK gave the jupyter service.
    const run = (notebook: string) =>
      execa(
        "docker",
        ["exec", jupyter, "jupyter", "nbconvert", "--to", "notebook", "--execute", "--stdout", `/home/jovyan/helk-notebooks/${notebook}`],
        { reject: false },
      );
    const outputs = (r: { stdout: string }) =>
      (JSON.parse(r.stdout) as { cells: { outputs?: { text?: string[] }[] }[] }).cells
        .flatMap((c) => c.outputs ?? [])
        .flatMap((o) => o.text ?? [])
        .join("");
    const env = await execa("docker", ["exec", jupyter, "printenv", "HELK_ES_USER"]);
    expect(env.stdout).toBe("helk_notebook_reader");
    const status = await run("03-stream-join-status.ipynb");
    expect(status.exitCode, status.stderr).toBe(0);
    expect(outputs(status)).toMatch(/^active\s+True$/m);
    expect(outputs(status)).toContain("37 joined documents in sysmon-join");
    const sql = await run("01-sysmon-join-sql.ipynb");
    expect(sql.exitCode, sql.stderr).toBe(0);
    expect(outputs(sql)).toContain(`${events.length} Sysmon EID 1 and 3 events`);
    expect(outputs(sql)).toContain(`sysmon-join documents: 37 | SQL join rows: ${sqlRows}`);
    await es.indices.delete({ index });
  }, 300_000);

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
