// The Sysmon join at a fleet's rate, on a `lab` install of the real fixtures (Kafka,
// Elasticsearch, the Spark join in the notebook image), in one run:
// - input: the four shared data sets repeated COPIES times (default 37: 502,904 events), each
//   copy with its own ProcessGuids (a suffix per run and copy), so every copy joins exactly as
//   the original does and the joined count at the end is exact;
// - warm-up: one more copy through the join first, so the measured load finds the job as it
//   runs day to day, not in its first micro-batch (code generation, JIT, Python workers);
// - load: the events are published with kcat at RATE events/s (default 12,000: above the 10,000
//   target, since a join fed exactly 10,000 can only show less over publish + drain), with a
//   synthetic EID 1 + EID 3 marker pair (`helk verify`'s) every MARKER_MS (default 500);
// - reported: the rate the join sustained (events / time from the first publish until the job
//   has read the topic to its end and every expected document is searchable), the p50/p95
//   latency of the marker pairs from publish to searchable joined document under that load,
//   the joined count against the count computed here from the data sets, the load average,
//   and the CPU-seconds the join's container used (events per CPU-second: what one core
//   carries, the sizing figure, and the one to compare on a machine shared with other work);
// - peer: kcat publishing the same events unpaced (publish only, no join), in the same run.
// Needs root, a Docker engine, kcat and the fixture images (scripts/test.sh builds them).
// Run: npm run bench:join-fleet    (RATE=0 publishes unpaced: the join's ceiling;
// KEEP=1 leaves the stack up, REUSE_HOME=<its install home> measures it again)
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Client } from "@elastic/elasticsearch";
import { Kafka, logLevel } from "kafkajs";
import { engineGetJson } from "../engine/docker/engine-api.js";
import { readRecord } from "../engine/install/install-record.js";
import { caughtUpTo } from "../engine/probes/stream-join-probe.js";
import { syntheticPair } from "../engine/stack/verify-pair.js";
import { notYet } from "../test/helpers/es-not-yet.js";
import { isSysmonFlat, readMordorSet, SHARED_SETS } from "../test/helpers/mordor.js";
import { containerIds, createTestStack, JUPYTER_FIXTURE, type TestStack } from "../test/helpers/test-stack.js";
import { jobReport, waitForJobReport } from "./join-status.js";

const COPIES = Number(process.env.COPIES ?? 37);
const RATE = Number(process.env.RATE ?? 12_000);
/** The target on a 2-core machine: sustained events/s and p95 latency (ms). */
const TARGET = { eventsPerSecond: 10_000, p95Ms: 5_000 };
const MARKER_MS = Number(process.env.MARKER_MS ?? 500);
const helk = fileURLToPath(new URL("../dist/helk.js", import.meta.url));

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
};
const load = () => loadavg()[0]?.toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** This run's tag in every guid: a rerun on a kept stack makes new documents, not the same ones again. */
const RUN = Date.now().toString(36);
const measured = Array.from({ length: COPIES }, (_, c) => c);

/** CPU seconds a container has used so far (all its processes: Spark's JVM and its Python workers). */
async function cpuSeconds(id: string): Promise<number> {
  const stats = await engineGetJson<{ cpu_stats: { cpu_usage: { total_usage: number } } }>(
    "/var/run/docker.sock",
    `/containers/${id}/stats`,
    {
      stream: "false",
    },
  );
  return stats.cpu_stats.cpu_usage.total_usage / 1e9;
}

/** Wait until `sysmon-join` holds `n` documents. */
async function untilJoined(es: Client, n: number, what: string): Promise<void> {
  const until = Date.now() + 600_000;
  while ((await joinedCount(es)) < n) {
    if (Date.now() > until) throw new Error(`${what}: fewer than ${n} joined documents after 10 min`);
    await sleep(200);
  }
}

interface Input {
  events: number;
  /** Joined documents the input must give, counted here from the data sets (not by the job). */
  expected: number;
  /** Copy `c`'s event lines: every ProcessGuid gets the suffix `-<run>c<c>` inside its braces. */
  copy(c: number): string[];
}

async function buildInput(): Promise<Input> {
  // Each event serialised once, split where its ProcessGuid ends: a copy is two concatenations.
  const parts: [string, string | undefined][] = [];
  let expected = 0;
  for (const file of SHARED_SETS) {
    const set = await readMordorSet(file);
    const sysmon = set.events.filter(isSysmonFlat);
    const creates = new Set(sysmon.filter((e) => Number(e.EventID) === 1).map((e) => e.ProcessGuid));
    expected += COPIES * sysmon.filter((e) => Number(e.EventID) === 3 && creates.has(e.ProcessGuid)).length;
    for (const e of set.events) {
      if (typeof e.ProcessGuid !== "string") {
        parts.push([JSON.stringify(e), undefined]);
        continue;
      }
      const [head, tail] = JSON.stringify({ ...e, ProcessGuid: `${e.ProcessGuid.replace(/\}$/, "")}\u0000}` }).split("\\u0000");
      parts.push([head as string, tail as string]);
    }
  }
  return {
    events: parts.length * COPIES,
    expected,
    copy: (c) => parts.map(([head, tail]) => (tail === undefined ? head : `${head}-${RUN}c${c}${tail}`)),
  };
}

/**
 * A marker pair's guid: its own, never one of the data sets', and this run's (RUN): a rerun on a
 * kept stack (REUSE_HOME) found the last run's marker documents at once and timed them at 62 ms.
 */
const markerGuid = (i: number) => `{BE0C0000-0000-0000-${RUN}-${i.toString(16).padStart(12, "0")}}`;

/** Publish these copies of `input` through kcat at `rate` events/s (0: as fast as kcat takes them); markers interleaved. */
async function publish(bootstrap: string, topic: string, input: Input, copies: number[], rate: number, onMarker?: (guid: string) => void) {
  const kcat = spawn("kcat", ["-P", "-b", bootstrap, "-t", topic, "-X", "acks=all", "-X", "linger.ms=5"], {
    stdio: ["pipe", "ignore", "inherit"],
  });
  const done = new Promise<void>((resolve, reject) =>
    kcat.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited ${code}`)))),
  );
  const start = performance.now();
  const slice = 500;
  let markers = 0;
  let nextMarker = start;
  let sent = 0;
  for (const c of copies) {
    const lines = input.copy(c);
    for (let i = 0; i < lines.length; i += slice, sent += slice) {
      let text = `${lines.slice(i, i + slice).join("\n")}\n`;
      if (onMarker && performance.now() >= nextMarker) {
        const guid = markerGuid(markers++);
        const pair = syntheticPair(guid, Date.now(), markers * 2);
        text += `${JSON.stringify(pair.create)}\n${JSON.stringify(pair.connect)}\n`;
        onMarker(guid);
        nextMarker += MARKER_MS;
      }
      if (!kcat.stdin.write(text)) await new Promise((r) => kcat.stdin.once("drain", r));
      if (rate > 0) {
        const due = start + ((sent + slice) / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
      }
    }
  }
  kcat.stdin.end();
  await done;
  return { seconds: (performance.now() - start) / 1000, markers };
}

/** Documents in `sysmon-join`; 0 until the job's first one created it and its shard is allocated. */
async function joinedCount(es: Client): Promise<number> {
  try {
    return (await es.count({ index: "sysmon-join", ignore_unavailable: true })).count;
  } catch (err) {
    if (notYet(err)) return 0;
    throw err;
  }
}

/**
 * Poll `sysmon-join` every 100 ms for the markers in `sent` (guid -> publish time); each one
 * found gives its latency and leaves `sent`. Runs while publishing and until all are found.
 */
async function watchMarkers(es: Client, sent: Map<string, number>, latencies: number[], publishing: () => boolean): Promise<void> {
  while (publishing() || sent.size > 0) {
    const guids = [...sent.keys()];
    if (guids.length) {
      let hits: string[] = [];
      try {
        const r = await es.search<{ ProcessGuid: string }>(
          { index: "sysmon-join", size: guids.length, query: { terms: { ProcessGuid: guids } }, _source: ["ProcessGuid"] },
          { ignore: [404] },
        );
        hits = (r.hits?.hits ?? []).map((h) => h._source?.ProcessGuid ?? "");
      } catch (err) {
        if (!notYet(err)) throw err;
      }
      const now = Date.now();
      for (const guid of hits) {
        const at = sent.get(guid);
        if (at === undefined) continue;
        latencies.push(now - at);
        sent.delete(guid);
      }
      if (!publishing() && sent.size && now - Math.min(...sent.values()) > 600_000)
        throw new Error(`markers never joined: ${[...sent.keys()].join(" ")}`);
    }
    await sleep(100);
  }
}

/** REUSE_HOME=<install home> of a stack kept with KEEP=1: measure again without installing. */
function reuse(home: string): Pick<TestStack, "project" | "home" | "ports" | "flags" | "secrets" | "cleanup"> {
  const record = readRecord(home);
  const state = JSON.parse(readFileSync(`${home}/secrets/helk-state.json`, "utf8")) as { secrets: Record<string, string> };
  return {
    project: record.project,
    home,
    ports: record.config.ports as unknown as Record<string, number>,
    flags: [],
    secrets: () => state.secrets,
    cleanup: async () => undefined,
  };
}

const REUSE = process.env.REUSE_HOME;
const stack = REUSE
  ? reuse(REUSE)
  : createTestStack("benchfleet", "lab", { images: { jupyter: JUPYTER_FIXTURE }, timeouts: { healthSeconds: 300 } });
try {
  const input = await buildInput();
  const { expected } = input;
  console.log(`input: 4 shared sets x ${COPIES} copies = ${input.events} events, ${expected} joined documents expected`);
  if (!REUSE) {
    console.log(`installing a lab stack (real Kafka, Elasticsearch, Spark join) ... load ${load()}`);
    const r = spawnSync(process.execPath, [helk, "install", "--non-interactive", "--yes", ...stack.flags], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    if (r.status !== 0) throw new Error(`helk install exited ${r.status}: ${r.stderr}`);
  }
  const es = new Client({
    node: `http://127.0.0.1:${stack.ports.elasticsearch}`,
    auth: { username: "elastic", password: stack.secrets().elasticPassword as string },
  });
  const bootstrap = `127.0.0.1:${stack.ports.kafka}`;
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await waitForJobReport(es);
  // Warm-up: a copy of its own (guids of no measured copy) through the join, so the measured
  // load finds the job as it runs day to day (code generated, JIT-compiled, Python workers up),
  // not its first micro-batch after start.
  const perCopy = expected / COPIES;
  const before = await joinedCount(es);
  const warm = performance.now();
  await publish(bootstrap, "winlogbeat", input, [COPIES], 0);
  await untilJoined(es, before + perCopy, "warm-up");
  console.log(`warm-up: one copy joined in ${((performance.now() - warm) / 1000).toFixed(1)} s; load ${load()}`);

  // The peer: the same events published unpaced with no join reading them.
  await admin.createTopics({ topics: [{ topic: `bench-kcat-${RUN}`, numPartitions: 3 }] });
  const peer = await publish(bootstrap, `bench-kcat-${RUN}`, input, measured, 0);
  const peerRate = input.events / peer.seconds;
  console.log(`kcat -P (publish only): ${peerRate.toFixed(0)} events/s; load ${load()}`);

  // The load, with markers; their joined documents are watched while it runs.
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  let publishing = true;
  const watch = watchMarkers(es, sent, latencies, () => publishing);
  // A failure of the watcher is reported when it is awaited, not as an unhandled rejection.
  watch.catch(() => undefined);
  const loadAtStart = load();
  const joinContainer = (await containerIds(stack.project))["stream-join"] as string;
  const cpu0 = await cpuSeconds(joinContainer);
  const t0 = performance.now();
  const pub = await publish(bootstrap, "winlogbeat", input, measured, RATE, (guid) => sent.set(guid, Date.now()));
  publishing = false;
  const ends = Object.fromEntries((await admin.fetchTopicOffsets("winlogbeat")).map((p) => [p.partition, Number(p.high)]));
  const total = before + perCopy + expected + pub.markers;
  let count = 0;
  for (;;) {
    count = await joinedCount(es);
    if (caughtUpTo(await jobReport(es), "winlogbeat", ends) && count >= total) break;
    if ((performance.now() - t0) / 1000 > 1800) throw new Error(`not done after 30 min: ${count} of ${total} documents`);
    await sleep(100);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = (await cpuSeconds(joinContainer)) - cpu0;
  await watch;
  // Anything late (a duplicate) would land within a trigger or two more.
  await sleep(5000);
  await es.indices.refresh({ index: "sysmon-join" });
  count = await joinedCount(es);
  const sustained = input.events / seconds;
  await admin.disconnect();
  await es.close();

  const p95 = quantile(latencies, 0.95);
  console.log(`load average (1 min): ${loadAtStart} at the start, ${load()} at the end; ${cpus().length} cores`);
  console.log(
    `published ${input.events} events + ${pub.markers} marker pairs at ${(input.events / pub.seconds).toFixed(0)} events/s (target RATE ${RATE || "unpaced"})`,
  );
  console.log(
    `joined documents: ${count}, expected ${total} (${before} before this run + ${perCopy} warm-up + ${expected} from the data sets + ${pub.markers} markers): ${count === total ? "exact" : "WRONG"}`,
  );
  console.log(
    `latency publish -> searchable joined document under load: p50 ${quantile(latencies, 0.5)} ms, p95 ${p95} ms (${latencies.length} marker pairs)`,
  );
  console.log(
    `join sustained ${sustained.toFixed(0)} events/s (${(sustained / cpus().length).toFixed(0)} per core) over ${seconds.toFixed(1)} s; ratio ${(sustained / peerRate).toFixed(2)} of kcat's publish-only rate (${peerRate.toFixed(0)} events/s)`,
  );
  console.log(
    `the join container used ${cpu.toFixed(1)} CPU-seconds for them: ${(input.events / cpu).toFixed(0)} events per CPU-second (sizing: events/s one core carries)`,
  );
  const met = sustained >= TARGET.eventsPerSecond && p95 <= TARGET.p95Ms && count === total;
  console.log(
    `target (>= ${TARGET.eventsPerSecond} events/s sustained, p95 <= ${TARGET.p95Ms} ms, exact count): ${met ? "met" : "NOT met"}`,
  );
  if (count !== total) process.exitCode = 1;
} finally {
  // KEEP=1 leaves the stack up to profile the job (Spark UI on the stream-join container, port 4040).
  if (process.env.KEEP) console.log(`kept: project ${stack.project}, install home ${stack.home}`);
  else await stack.cleanup();
}
