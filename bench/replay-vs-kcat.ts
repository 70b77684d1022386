// `helk replay` against `kcat -P` (the peer) publishing the largest shared Mordor data set into
// fresh topics of the same real Kafka broker (the helk-test/kafka fixture), median of RUNS
// (default 5) each, alternating, in one run. Prints events/s of both and the ratio (target >= 1.0),
// and helk's peak RSS (target < 150 MB). kcat reads the already-unzipped JSON lines file, so
// the peer does less work than helk (which unzips and checks every line).
// Needs root, a Docker engine, kcat and the fixture images. Run: npm run bench:replay
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startKafka } from "../test/helpers/kafka-fixture.js";

const RUNS = Number(process.env.RUNS ?? 5);
const FILE = fileURLToPath(new URL("../../shared/datasets/mordor/covenant_dcom_executeexcel4macro_allowed.zip", import.meta.url));
const EVENTS = 8121;
const helk = fileURLToPath(new URL("../dist/helk.js", import.meta.url));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

const dir = mkdtempSync(join(tmpdir(), "helk-bench-replay-"));
spawnSync("unzip", ["-q", "-o", FILE, "-d", dir]);
const jsonl = join(dir, spawnSync("ls", [dir]).stdout.toString().trim().split("\n")[0] as string);
const kafka = await startKafka(25000 + (process.pid % 500));
try {
  const helkTimes: number[] = [];
  const kcatTimes: number[] = [];
  let peakKiB = 0;
  for (let i = 0; i < RUNS; i++) {
    for (const who of ["helk", "kcat"] as const) {
      const topic = await kafka.freshTopic(`bench-${who}`);
      const start = process.hrtime.bigint();
      const r =
        who === "helk"
          ? spawnSync("/usr/bin/time", [
              "-f",
              "%M",
              process.execPath,
              helk,
              "replay",
              "--topic",
              topic,
              "--bootstrap",
              kafka.bootstrap,
              FILE,
            ])
          : spawnSync("kcat", ["-P", "-b", kafka.bootstrap, "-t", topic, "-X", "enable.idempotence=true", "-X", "acks=all", "-l", jsonl]);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (r.status !== 0) throw new Error(`${who} failed: ${r.stderr}`);
      const count = await kafka.messageCount(topic);
      if (count !== EVENTS) throw new Error(`${who} left ${count} messages, expected ${EVENTS}`);
      if (who === "helk") {
        helkTimes.push(seconds);
        peakKiB = Math.max(peakKiB, Number(r.stderr.toString().trim().split("\n").at(-1)));
      } else kcatTimes.push(seconds);
    }
  }
  const h = EVENTS / median(helkTimes);
  const k = EVENTS / median(kcatTimes);
  console.log(`data set: ${EVENTS} events (covenant_dcom_executeexcel4macro_allowed, 14.9 MB of JSON lines)`);
  console.log(`kcat -P       ${Math.round(k)} events/s (median of ${RUNS}, whole process)`);
  console.log(`helk replay   ${Math.round(h)} events/s (median of ${RUNS}, whole process)`);
  console.log(`ratio helk/kcat: ${(h / k).toFixed(2)} (target >= 1.0)`);
  console.log(`helk peak RSS: ${(peakKiB / 1024).toFixed(0)} MB (target < 150 MB)`);
} finally {
  await kafka.stop();
  rmSync(dir, { recursive: true, force: true });
}
