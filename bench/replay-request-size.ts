// What a Produce request's size costs the broker: the four shared Mordor sets ×10 (135,920
// events, 254 MB) sent from memory to one partition of the real Kafka fixture on replay's own
// connection (engine/replay/produce-connection.ts), idempotent, five requests in flight, in
// requests of 128 KiB to 1,000,000 B; rounds alternate the sizes. Per size: requests, the
// sender's CPU, the broker's CPU (its container's cgroup) and the wall time, medians of RUNS.
// The peer is the largest size, the batch replay uses (engine/replay/batch-sender.ts BATCH_BYTES):
// each size's broker CPU is printed as a ratio to it. Run: npm run bench:replay-request-size
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Producer, produceV9 } from "@platformatic/kafka";
import { BATCH_BYTES } from "../engine/replay/batch-sender.js";
import { ProduceConnection } from "../engine/replay/produce-connection.js";
import type { BatchRecord } from "../engine/replay/record-batch.js";
import { startKafka } from "../test/helpers/kafka-fixture.js";
import { freePortBlock } from "../test/helpers/port-block.js";
import { containerCpu } from "./container-cpu.js";
import { median } from "./median.js";

const RUNS = Number(process.env.RUNS ?? 3);
const SIZES = [128 * 1024, 256 * 1024, 768 * 1024, BATCH_BYTES];
const MORDOR = fileURLToPath(new URL("../../shared/datasets/mordor/", import.meta.url));

const dir = mkdtempSync(join(tmpdir(), "helk-bench-request-size-"));
for (const zip of readdirSync(MORDOR).filter((f) => f.endsWith(".zip"))) spawnSync("unzip", ["-q", "-o", join(MORDOR, zip), "-d", dir]);
const one = Buffer.concat(
  readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f))),
);
rmSync(dir, { recursive: true, force: true });
const lines: Buffer[] = [];
for (let copy = 0; copy < 10; copy++)
  for (let at = 0; at < one.length; ) {
    const nl = one.indexOf(10, at);
    const end = nl === -1 ? one.length : nl;
    if (end > at) lines.push(one.subarray(at, end));
    at = end + 1;
  }
const key = Buffer.from("WORKSTATION5.theshire.local");

/** The lines into `topic` in requests of at most `size` bytes (framing and key counted as replay counts them). */
async function sendAll(bootstrap: string, topic: string, size: number) {
  const client = new Producer({ clientId: "helk-bench", bootstrapBrokers: [bootstrap], idempotent: false });
  const ids = await client.initIdempotentProducer({});
  const [host, port] = bootstrap.split(":") as [string, string];
  const connection = await ProduceConnection.open(
    host,
    Number(port),
    { brokers: [bootstrap] },
    { clientId: "helk-bench", connectTimeoutMs: 5000, requestTimeoutMs: 35_000 },
  );
  const inFlight: Promise<unknown>[] = [];
  let sequence = 0;
  let requests = 0;
  let batch: BatchRecord[] = [];
  let bytes = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const send = async () => {
    const records = batch;
    batch = [];
    bytes = 0;
    requests++;
    inFlight.push(
      connection.produce(
        { version: 9, topic, partition: 0, timeoutMs: 30_000, records, ids, sequence, now: Date.now() },
        produceV9.parseResponse as never,
      ),
    );
    sequence += records.length;
    if (inFlight.length >= 5) await inFlight.shift();
  };
  for (const value of lines) {
    const record = value.length + key.length * 3 + 32;
    if (batch.length && bytes + record > size) await send();
    batch.push({ key, value });
    bytes += record;
  }
  if (batch.length) await send();
  await Promise.all(inFlight);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  connection.close();
  await client.close();
  return { requests, wall, own: (used.user + used.system) / 1e6 };
}

const kafka = await startKafka(freePortBlock(1));
try {
  const brokerCpu = containerCpu(kafka.container);
  if (!brokerCpu) throw new Error("no known cgroup layout holds the broker container's CPU time");
  const runs = new Map<number, { requests: number; wall: number; own: number; broker: number }[]>();
  for (let round = 0; round < RUNS; round++) {
    for (const size of round % 2 ? [...SIZES].reverse() : SIZES) {
      const topic = await kafka.freshTopic("bench-size", 1);
      const before = brokerCpu();
      const r = await sendAll(kafka.bootstrap, topic, size);
      const broker = brokerCpu() - before;
      const count = await kafka.messageCount(topic);
      if (count !== lines.length) throw new Error(`${count} messages in ${topic}, expected ${lines.length}`);
      runs.set(size, [...(runs.get(size) ?? []), { ...r, broker }]);
      console.log(
        `round ${round + 1} ${String(size).padStart(9)} B: ${r.requests} requests, ${r.wall.toFixed(2)} s, CPU ${r.own.toFixed(2)} s sender + ${broker.toFixed(2)} s broker`,
      );
    }
  }
  const brokerOf = (size: number) => median((runs.get(size) ?? []).map((x) => x.broker));
  console.log(`\n${lines.length} events, ${((one.length * 10) / 1e6).toFixed(0)} MB to one partition; medians of ${RUNS} rounds`);
  console.log("request size    requests   wall s   sender CPU s   broker CPU s   broker CPU vs the batch replay uses");
  for (const size of SIZES) {
    const xs = runs.get(size) ?? [];
    console.log(
      `${String(size).padStart(12)} ${String(xs[0]?.requests).padStart(11)} ${median(xs.map((x) => x.wall))
        .toFixed(2)
        .padStart(8)} ${median(xs.map((x) => x.own))
        .toFixed(2)
        .padStart(14)} ${brokerOf(size).toFixed(2).padStart(14)} ${(brokerOf(size) / brokerOf(BATCH_BYTES)).toFixed(2).padStart(10)}`,
    );
  }
} finally {
  await kafka.stop();
}
