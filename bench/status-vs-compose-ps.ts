// `helk status --json` against `docker compose ps` on the same running stack, median of RUNS
// (default 10) runs each, alternating, in one run. Targets: ratio <= 1.0 without probes, <= 2.0
// with them. The stack is the engine tier's: real Kafka and Elasticsearch, stand-ins for the
// rest, so helk's protocol probes run for real; `--no-probes` is Docker's view only, like
// compose ps. `node -e 0` is measured too: Node.js's own start, the floor of any helk command.
//
// NODE_EXTRA_CA_CERTS makes every Node.js process read and parse that CA file before it runs a
// line of JavaScript (45 ms of `node -e 0`'s 70 here, a 200 kB bundle). Node.js's default is not
// to set it; some build machines set it for their proxies. When it is set, the bench measures
// both ways, in turn, and prints which is which.
//
// Needs root, a Docker engine and the test images. Run: npm run bench:status
// KEEP=1 leaves the stack up and prints its install home; REUSE_HOME=<that home> measures it
// again without installing.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readRecord } from "../engine/install/install-record.js";
import { createTestStack } from "../test/helpers/test-stack.js";
import { median } from "./median.js";

const RUNS = Number(process.env.RUNS ?? 10);
const helk = fileURLToPath(new URL("../dist/helk.js", import.meta.url));
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The environments to measure helk in: as given, and without extra CAs when they are set. */
function environments(): { label: string; env: NodeJS.ProcessEnv }[] {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (!extra) return [{ label: "NODE_EXTRA_CA_CERTS not set (Node.js's default)", env: process.env }];
  const { NODE_EXTRA_CA_CERTS: _, ...without } = process.env;
  return [
    { label: `NODE_EXTRA_CA_CERTS=${extra} (as this shell has it)`, env: process.env },
    { label: "NODE_EXTRA_CA_CERTS unset (Node.js's default)", env: without },
  ];
}

const reuseHome = process.env.REUSE_HOME;
const stack = reuseHome
  ? {
      project: readRecord(reuseHome).project,
      home: reuseHome,
      cleanup: async () => undefined,
    }
  : createTestStack("bench", "core");
try {
  if ("flags" in stack) {
    console.log("starting a 5-service stack (real Kafka and Elasticsearch) ...");
    run(process.execPath, [helk, "install", "--yes", ...stack.flags]);
  }
  const probed = [helk, "status", "--json", "--install-home", stack.home];
  const plain = [...probed, "--no-probes"];
  const ps = ["compose", "--project-name", stack.project, "--file", join(stack.home, "compose.yaml"), "ps"];
  const runs = environments().map((e) => ({ ...e, node: [] as number[], plain: [] as number[], probed: [] as number[] }));
  run(process.execPath, probed);
  run("docker", ps);
  const psTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    psTimes.push(run("docker", ps));
    for (const r of runs) {
      r.node.push(run(process.execPath, ["-e", "0"], r.env));
      r.plain.push(run(process.execPath, plain, r.env));
      r.probed.push(run(process.execPath, probed, r.env));
    }
  }
  const p = median(psTimes);
  const ratio = (xs: number[]) => median(xs) / p;
  console.log(`docker compose ps                median ${p.toFixed(1)} ms (${RUNS} runs)`);
  for (const r of runs) {
    const [plainRatio, probedRatio] = [ratio(r.plain), ratio(r.probed)];
    console.log(`${r.label}:`);
    console.log(`  node -e 0 (Node.js's own start) median ${median(r.node).toFixed(1)} ms; ratio ${ratio(r.node).toFixed(2)}`);
    console.log(
      `  helk status --json --no-probes  median ${median(r.plain).toFixed(1)} ms; ratio ${plainRatio.toFixed(2)} (target <= 1.0)`,
    );
    console.log(
      `  helk status --json (probes)     median ${median(r.probed).toFixed(1)} ms; ratio ${probedRatio.toFixed(2)} (target <= 2.0)`,
    );
    console.log(`  target: ${plainRatio <= 1 && probedRatio <= 2 ? "met" : "NOT met"}`);
  }
  if (process.env.KEEP) console.log(`kept: project ${stack.project}, install home ${stack.home}`);
} finally {
  if (!process.env.KEEP) await stack.cleanup();
}
