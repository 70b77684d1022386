// The Sysmon join's prefilter alone: which records may be an EID 1 or 3, before any parsing. The
// job tests each Kafka value's bytes (images/jupyter/jvm/org/helk/join/EventIdScan.java); the
// peer is the regex on the decoded text it ran before (helk_hunt.parse.may_have_event_id), in the
// same run, and reading alone (decoding each value, no test) is the floor both pay.
// Input: the four shared data sets in both layouts (flat, and Winlogbeat 8's as test/helpers
// converts them), repeated COPIES times (default 5: 135,920 records), counted in HELK's notebook
// image on the Spark fixture, local[2] and the job's JIT setting, ROUNDS times each in turn.
// Reported: the median seconds of each, the per-record CPU over reading (2 cores × wall time),
// and the regex's cost over the scan's. Both must keep the same records.
// Needs a Docker engine and the fixture images (scripts/build-notebook-image.sh).
// Run: npm run bench:join-prefilter
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { JUPYTER_FIXTURE } from "../test/helpers/doubles.js";
import { buildHelkImage } from "../test/helpers/helk-image.js";
import { readMordorSet, SHARED_SETS } from "../test/helpers/mordor.js";
import { requireImages } from "../test/helpers/test-stack.js";
import { convertLines } from "../test/helpers/winlogbeat8.js";
import { median } from "./median.js";

const COPIES = Number(process.env.COPIES ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

interface Result {
  records: number;
  kept: Record<string, number>;
  seconds: Record<string, number[]>;
}

async function main(): Promise<void> {
  await requireImages([JUPYTER_FIXTURE], "run scripts/build-notebook-image.sh (scripts/test.sh does)");
  const image = await buildHelkImage("jupyter", JUPYTER_FIXTURE, `helk-test/helk-notebook:${JUPYTER_FIXTURE.split(":")[1]}`);
  const dir = mkdtempSync(join(tmpdir(), "helk-prefilter-"));
  // The image runs as jovyan (uid 1000): the records must be readable by others.
  chmodSync(dir, 0o755);
  try {
    for (const file of SHARED_SETS) {
      const { text } = await readMordorSet(file);
      writeFileSync(join(dir, `${file}.flat.jsonl`), text);
      writeFileSync(join(dir, `${file}.winlogbeat8.jsonl`), convertLines(text));
    }
    const r = await execa(
      "docker",
      [
        ...[
          "run",
          "--rm",
          "--network",
          "none",
          "--hostname",
          "localhost",
          "-v",
          `${dir}:/records:ro`,
          "-v",
          `${new URL(".", import.meta.url).pathname}:/bench:ro`,
        ],
        ...["-e", `COPIES=${COPIES}`, "-e", `ROUNDS=${ROUNDS}`, "--entrypoint", "python3", image, "/bench/join-prefilter.py"],
      ],
      { reject: false, all: true },
    );
    const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
    if (r.exitCode !== 0 || !line) throw new Error(`the prefilter run failed:\n${r.all?.split("\n").slice(-20).join("\n")}`);
    report(JSON.parse(line) as Result);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report({ records, kept, seconds }: Result): void {
  if (records === 0) throw new Error("the container read no records from /records");
  const m = Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, median(v)])) as Record<"read" | "regex" | "scan", number>;
  // CPU per record over reading: local[2] keeps both cores busy for the whole count.
  const us = (s: number) => (((s - m.read) * 2) / records) * 1e6;
  console.log(`input: 4 shared sets x 2 layouts x ${COPIES} copies = ${records} records; ${ROUNDS} rounds each, median seconds`);
  for (const name of ["read", "regex", "scan"] as const)
    console.log(`${name.padEnd(6)} ${m[name].toFixed(3)} s (rounds ${seconds[name]?.join(", ")}), kept ${kept[name]}`);
  console.log(`over reading: regex ${us(m.regex).toFixed(1)} µs, scan ${us(m.scan).toFixed(1)} µs of CPU per record`);
  console.log(
    `scan time / regex time (peer, same run): ${(m.scan / m.regex).toFixed(2)}; over reading: ${((m.scan - m.read) / (m.regex - m.read)).toFixed(2)}`,
  );
  if (kept.regex !== kept.scan) {
    console.log(`the scan kept ${kept.scan} records and the regex ${kept.regex}: they must agree`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
