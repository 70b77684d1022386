// `helk status --json` against `docker compose ps` on the same running stack, median of RUNS
// (default 10) runs each, alternating, in one run. Target: ratio <= 1.0. The stack is the
// engine tier's: real Kafka and Elasticsearch, stand-ins for the rest, so helk's protocol
// probes run for real; `--no-probes` is measured too (Docker's view only, like compose ps).
// Needs root, a Docker engine and the test images. Run: npm run bench:status
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestStack } from "../test/helpers/test-stack.js";

const RUNS = Number(process.env.RUNS ?? 10);
const helk = fileURLToPath(new URL("../dist/helk.js", import.meta.url));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
function run(cmd: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const stack = createTestStack("bench", "core");
try {
  console.log("starting a 5-service stack (real Kafka and Elasticsearch) ...");
  run(process.execPath, [helk, "install", "--yes", ...stack.flags]);
  const probed = [helk, "status", "--json", "--install-home", stack.home];
  const plain = [...probed, "--no-probes"];
  const ps = ["compose", "--project-name", stack.project, "--file", join(stack.home, "compose.yaml"), "ps"];
  run(process.execPath, probed);
  run("docker", ps);
  const t = { probed: [] as number[], plain: [] as number[], ps: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    t.ps.push(run("docker", ps));
    t.plain.push(run(process.execPath, plain));
    t.probed.push(run(process.execPath, probed));
  }
  const p = median(t.ps);
  console.log(`docker compose ps              median ${p.toFixed(1)} ms (${RUNS} runs)`);
  console.log(
    `helk status --json --no-probes median ${median(t.plain).toFixed(1)} ms; ratio ${(median(t.plain) / p).toFixed(2)} (target <= 1.0)`,
  );
  console.log(
    `helk status --json (probes)    median ${median(t.probed).toFixed(1)} ms; ratio ${(median(t.probed) / p).toFixed(2)} (does more than compose ps)`,
  );
} finally {
  await stack.cleanup();
}
