// The hunt data path on a `lab` install of the real fixtures (Kafka, Elasticsearch, the Spark
// join in the notebook image), in one run:
// - latency: a Sysmon EID 1 + EID 3 pair published to `winlogbeat` until its joined document is
//   searchable in `sysmon-join` (the `helk verify` hop timings), PAIRS times (default 20): p50, p95;
// - throughput: the largest shared data set (covenant, 8,121 events) replayed with `helk replay`
//   until the join job reports it has read the topic to its end, RUNS times (default 3): median
//   events/s, with the peer kcat publishing the same events (no join, no Elasticsearch) in the
//   same run for a ratio: how close the whole join path comes to publishing alone.
// Needs root, a Docker engine and the fixture images (scripts/test.sh builds them).
// Run: npm run bench:join
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Client } from "@elastic/elasticsearch";
import { Kafka, logLevel } from "kafkajs";
import { systemClock } from "../engine/clock.js";
import { readRecord } from "../engine/install/install-record.js";
import { caughtUpTo } from "../engine/probes/stream-join-probe.js";
import { verify } from "../engine/stack/verify.js";
import { createTestStack, JUPYTER_FIXTURE } from "../test/helpers/test-stack.js";
import { jobReport, waitForJobReport } from "./join-status.js";

const PAIRS = Number(process.env.PAIRS ?? 20);
const RUNS = Number(process.env.RUNS ?? 3);
const helk = fileURLToPath(new URL("../dist/helk.js", import.meta.url));
const DATASET = fileURLToPath(new URL("../../shared/datasets/mordor/covenant_dcom_executeexcel4macro_allowed.zip", import.meta.url));
const EVENTS = 8121;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] as number;
};
const median = (xs: number[]) => quantile(xs, 0.5);

function run(cmd: string, args: string[], input?: Buffer): void {
  const r = spawnSync(cmd, args, { stdio: [input ? "pipe" : "ignore", "pipe", "pipe"], ...(input ? { input } : {}), maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
}

const stack = createTestStack("benchjoin", "lab", { images: { jupyter: JUPYTER_FIXTURE }, timeouts: { healthSeconds: 300 } });
try {
  console.log("installing a lab stack (real Kafka, Elasticsearch, Spark join) ...");
  run(process.execPath, [helk, "install", "--non-interactive", "--yes", ...stack.flags]);
  const record = readRecord(stack.home);
  const elasticPassword = stack.secrets().elasticPassword as string;
  const esUrl = `http://127.0.0.1:${stack.ports.elasticsearch}`;
  const es = new Client({
    node: esUrl,
    auth: { username: "elastic", password: elasticPassword },
  });
  const bootstrap = `127.0.0.1:${stack.ports.kafka}`;
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();

  // On a fresh stack the job's status index may not exist, or have no shard allocated yet.
  await waitForJobReport(es);
  const readToEnd = async (topic: string) => {
    const ends = Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    while (!caughtUpTo(await jobReport(es), topic, ends)) await new Promise((r) => setTimeout(r, 100));
  };

  // Throughput first, on a fresh topic state: the data set's own event time sets the watermark.
  const join: number[] = [];
  const kcat: number[] = [];
  const unzipped = spawnSync("unzip", ["-p", DATASET], { maxBuffer: 1 << 28 }).stdout;
  await admin.createTopics({ topics: [{ topic: "bench-kcat", numPartitions: 3 }] });
  for (let i = 0; i < RUNS; i++) {
    let t = process.hrtime.bigint();
    run(process.execPath, [helk, "replay", "--bootstrap", bootstrap, DATASET]);
    await readToEnd("winlogbeat");
    join.push(EVENTS / (Number(process.hrtime.bigint() - t) / 1e9));
    t = process.hrtime.bigint();
    run("kcat", ["-P", "-b", bootstrap, "-t", "bench-kcat", "-X", "acks=all"], unzipped);
    kcat.push(EVENTS / (Number(process.hrtime.bigint() - t) / 1e9));
  }
  const joined = (await es.count({ index: "sysmon-join" })).count;

  const latencies: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const v = await verify({
      record,
      elasticsearch: { nodes: [esUrl], username: "elastic", password: elasticPassword },
      kafka: { brokers: [bootstrap] },
      timeoutSeconds: 60,
      clock: systemClock,
    });
    const hop = v.hops.find((h) => h.hop === "joined");
    if (!v.ok || hop?.latencyMs === undefined) throw new Error(`pair ${i} did not join: ${JSON.stringify(v.hops)}`);
    latencies.push(hop.latencyMs);
  }
  await admin.disconnect();
  await es.close();

  console.log(`joined documents after ${RUNS} replays of covenant: ${joined} (the data set implies 20)`);
  console.log(
    `latency publish -> searchable joined document: p50 ${median(latencies).toFixed(0)} ms, p95 ${quantile(latencies, 0.95).toFixed(0)} ms (${PAIRS} pairs)`,
  );
  console.log(`kcat -P (publish only)          median ${median(kcat).toFixed(0)} events/s (${RUNS} runs)`);
  console.log(
    `helk replay -> Spark join read  median ${median(join).toFixed(0)} events/s; ratio ${(median(join) / median(kcat)).toFixed(2)} of kcat's publish rate`,
  );
} finally {
  await stack.cleanup();
}
