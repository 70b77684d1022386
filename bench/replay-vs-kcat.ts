// `helk replay` and the other producers it could use, against `kcat -P` (the peer), in one run.
// Input: the four shared Mordor sets concatenated (1×: 13,592 events, 25 MB of JSON lines) and
// that ten times over (10×: 135,920 events, 254 MB). Every contender reads the same unzipped file
// into a fresh 3-partition topic of the real Kafka fixture, idempotent with acks from all
// in-sync replicas; rounds alternate the contenders' order; each run's topic must then hold
// exactly the input's events. Per contender: the median whole-process time at 1× and 10×, the
// steady rate (the 9× more events over the extra time: start-up cancels out), the ratio of that
// rate to kcat's from the same run (target >= 1.0), and peak RSS at 1× and 10× (target < 150 MB
// and flat). Contenders besides helk: bench/replay-candidates.ts; `confluent` runs only when
// HELK_BENCH_CONFLUENT_DIR names a directory where @confluentinc/kafka-javascript is installed.
// Needs a Docker engine, kcat, unzip, GNU time and the fixture images. Run: npm run bench:replay
// Env: RUNS (rounds, default 3), ONLY (comma-separated contenders), HELK_BENCH_BASELINE (the path of
// another build's helk.js, run as the contender helk-baseline). helk-dry-run (helk replay --dry-run,
// nothing sent) shows the ceiling that reading and classifying the lines put on helk's rate.
// helk-uncompressed (helk replay --compression none) shows what LZ4, replay's default, changes.
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { startKafka } from "../test/helpers/kafka-fixture.js";
import { freePortBlock } from "../test/helpers/port-block.js";
import { containerCpu } from "./container-cpu.js";
import { median } from "./median.js";

const RUNS = Number(process.env.RUNS ?? 3);
const MORDOR = fileURLToPath(new URL("../../shared/datasets/mordor/", import.meta.url));
const helk = fileURLToPath(new URL("../dist/helk.js", import.meta.url));

const dir = mkdtempSync(join(tmpdir(), "helk-bench-replay-"));
const unzipped = join(dir, "sets");
for (const zip of readdirSync(MORDOR)
  .filter((f) => f.endsWith(".zip"))
  .sort())
  spawnSync("unzip", ["-q", "-o", join(MORDOR, zip), "-d", unzipped]);
const one = Buffer.concat(
  readdirSync(unzipped)
    .sort()
    .map((f) => readFileSync(join(unzipped, f))),
);
// Counted here, independently of helk: a line holding a JSON object is an event.
const perCopy = one
  .toString("utf8")
  .split("\n")
  .filter((l) => l.trim() !== "").length;
const inputs = { "1x": { file: join(dir, "x1.jsonl"), copies: 1 }, "10x": { file: join(dir, "x10.jsonl"), copies: 10 } };
for (const input of Object.values(inputs)) {
  const out = createWriteStream(input.file);
  for (let i = 0; i < input.copies; i++) out.write(one);
  await new Promise((r) => out.end(r));
}

// The other producers, bundled as `npm run build` bundles helk (same aliases), run by plain node.
const runner = join(dir, "replay-candidates.mjs");
await build({
  entryPoints: [fileURLToPath(new URL("./replay-candidates.ts", import.meta.url))],
  outfile: runner,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node18.19",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  alias: { "@platformatic/wasm-utils": "@platformatic/wasm-utils/bundled" },
  external: ["ssh2", "cpu-features", "*.node"],
  logLevel: "warning",
});

type Contender = {
  name: string;
  argv: (file: string, topic: string, bootstrap: string) => string[];
  /** Sends nothing: the topic must stay empty. */
  sendsNothing?: boolean;
};
const candidate = (name: string): Contender => ({
  name,
  argv: (file, topic, bootstrap) => [process.execPath, runner, name, file, topic, bootstrap],
});
/** A build of helk (its helk.js) replaying the input. */
const helkBuild = (name: string, path: string, ...flags: string[]): Contender => ({
  name,
  argv: (file, topic, bootstrap) => [
    process.execPath,
    path,
    "replay",
    "--json",
    ...flags,
    "--topic",
    topic,
    "--bootstrap",
    bootstrap,
    file,
  ],
});
const all: Contender[] = [
  {
    name: "kcat",
    argv: (file, topic, bootstrap) => [
      "kcat",
      "-P",
      "-b",
      bootstrap,
      "-t",
      topic,
      "-X",
      "enable.idempotence=true",
      "-X",
      "acks=all",
      "-l",
      file,
    ],
  },
  helkBuild("helk", helk),
  // The same without compression: what LZ4 (replay's default) changes for helk and for the broker.
  helkBuild("helk-uncompressed", helk, "--compression", "none"),
  // helk's floor: the same replay with --dry-run reads and classifies every line and sends nothing.
  // Its steady rate is the most any producer under helk's line classification could reach.
  {
    name: "helk-dry-run",
    argv: (file) => [process.execPath, helk, "replay", "--json", "--dry-run", file],
    sendsNothing: true,
  },
  candidate("kafkajs"),
  candidate("kafkajs-pipelined"),
  ...(process.env.HELK_BENCH_CONFLUENT_DIR ? [candidate("confluent")] : []),
  // Another build of helk (an earlier commit's dist/helk.js) in the same rounds: a change measured against what it replaces.
  ...(process.env.HELK_BENCH_BASELINE ? [helkBuild("helk-baseline", process.env.HELK_BENCH_BASELINE)] : []),
];
const only = process.env.ONLY?.split(",");
const contenders = all.filter((c) => c.name === "kcat" || !only || only.includes(c.name));
if (!process.env.HELK_BENCH_CONFLUENT_DIR)
  console.log(
    "confluent: not measured (set HELK_BENCH_CONFLUENT_DIR to where `CKJS_LINKING=dynamic npm install @confluentinc/kafka-javascript` was run)",
  );

const kafka = await startKafka(freePortBlock(1));
try {
  // Keyed "contender size": seconds of each run, and the largest peak RSS (KiB).
  const seconds = new Map<string, number[]>();
  const peakKiB = new Map<string, number>();
  // Keyed the same: CPU seconds of each run, the contender's (user + system) and the broker's.
  const cpu = new Map<string, { own: number; broker: number }[]>();
  const brokerCpu = containerCpu(kafka.container);
  if (!brokerCpu) console.log("broker CPU: not measured (no known cgroup layout holds the container's CPU time)");
  for (let round = 0; round < RUNS; round++) {
    // Alternate the order so no contender always runs right after the same other one.
    const order = round % 2 ? [...contenders].reverse() : contenders;
    for (const [size, input] of Object.entries(inputs)) {
      for (const c of order) {
        const topic = await kafka.freshTopic(`bench-${c.name}`);
        const [cmd, ...args] = c.argv(input.file, topic, kafka.bootstrap) as [string, ...string[]];
        const brokerBefore = brokerCpu?.() ?? 0;
        const start = process.hrtime.bigint();
        const r = spawnSync("/usr/bin/time", ["-f", "%M %U %S", cmd, ...args], { maxBuffer: 64 * 1024 * 1024 });
        const took = Number(process.hrtime.bigint() - start) / 1e9;
        const brokerSpent = (brokerCpu?.() ?? 0) - brokerBefore;
        if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr.toString().slice(-2000)}`);
        const expected = c.sendsNothing ? 0 : perCopy * input.copies;
        const count = await kafka.messageCount(topic);
        if (count !== expected) throw new Error(`${c.name} left ${count} messages in ${topic}, expected ${expected}`);
        const id = `${c.name} ${size}`;
        seconds.set(id, [...(seconds.get(id) ?? []), took]);
        const [kib, user, system] = (r.stderr.toString().trim().split("\n").at(-1) ?? "").split(" ").map(Number) as [
          number,
          number,
          number,
        ];
        peakKiB.set(id, Math.max(peakKiB.get(id) ?? 0, kib));
        cpu.set(id, [...(cpu.get(id) ?? []), { own: user + system, broker: brokerSpent }]);
        console.log(
          `round ${round + 1} ${size.padEnd(3)} ${c.name.padEnd(20)} ${took.toFixed(2)} s, ${(kib / 1024).toFixed(0)} MB, CPU ${(user + system).toFixed(2)} s own + ${brokerSpent.toFixed(2)} s broker`,
        );
      }
    }
  }
  const rate = (name: string) => {
    const t1 = median(seconds.get(`${name} 1x`) ?? []);
    const t10 = median(seconds.get(`${name} 10x`) ?? []);
    return { whole10: (perCopy * 10) / t10, steady: (perCopy * 9) / (t10 - t1) };
  };
  const peer = rate("kcat");
  console.log(
    `\ninput: ${perCopy} events ×1 and ×10 (${perCopy * 10} events, ${((one.length * 10) / 1e6).toFixed(0)} MB); medians of ${RUNS} rounds`,
  );
  console.log("contender            10× whole ev/s   steady ev/s   ratio vs kcat   peak RSS 1× / 10×");
  for (const c of contenders) {
    const r = rate(c.name);
    const mb = (size: string) => `${((peakKiB.get(`${c.name} ${size}`) ?? 0) / 1024).toFixed(0)} MB`;
    console.log(
      `${c.name.padEnd(20)} ${String(Math.round(r.whole10)).padStart(15)} ${String(Math.round(r.steady)).padStart(13)} ${(r.steady / peer.steady).toFixed(2).padStart(15)}   ${mb("1x")} / ${mb("10x")}`,
    );
  }
  // The machine's load can change between rounds: the ratio of rates measured within each round
  // (same load for both), then the median over rounds, is the figure to trust.
  const roundSteady = (name: string, round: number) =>
    (perCopy * 9) / ((seconds.get(`${name} 10x`)?.[round] ?? 0) - (seconds.get(`${name} 1x`)?.[round] ?? 0));
  const rounds = Array.from({ length: RUNS }, (_, i) => i);
  console.log("\nsteady ratio vs kcat within each round, then the median over rounds:");
  for (const c of contenders.filter((x) => x.name !== "kcat")) {
    const ratios = rounds.map((i) => roundSteady(c.name, i) / roundSteady("kcat", i));
    console.log(`${c.name.padEnd(20)} ${ratios.map((r) => r.toFixed(2)).join("  ")}  → median ${median(ratios).toFixed(2)}`);
  }
  // Wall time on a 2-core machine is bounded below by (contender + broker CPU) / 2: the steady
  // CPU (10× minus 1×) says how far a contender can get before it runs out of cores.
  console.log("\nsteady CPU seconds (10× minus 1×, medians): contender's own + the broker's");
  const steadyCpu = (name: string, part: "own" | "broker") =>
    median((cpu.get(`${name} 10x`) ?? []).map((x) => x[part])) - median((cpu.get(`${name} 1x`) ?? []).map((x) => x[part]));
  for (const c of contenders)
    console.log(`${c.name.padEnd(20)} ${steadyCpu(c.name, "own").toFixed(2)} s + ${steadyCpu(c.name, "broker").toFixed(2)} s`);
  const helkRatio = median(rounds.map((i) => roundSteady("helk", i) / roundSteady("kcat", i)));
  console.log(`\nratio helk/kcat at steady state: ${helkRatio.toFixed(2)} (median of the rounds' ratios; target >= 1.0)`);
  console.log(
    `helk peak RSS: ${((peakKiB.get("helk 1x") ?? 0) / 1024).toFixed(0)} MB at 1×, ${((peakKiB.get("helk 10x") ?? 0) / 1024).toFixed(0)} MB at 10× (target < 150 MB, flat)`,
  );
} finally {
  await kafka.stop();
  rmSync(dir, { recursive: true, force: true });
}
