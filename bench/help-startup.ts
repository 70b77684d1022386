// `helk --help` start-up against a bare `node -e 0`, median of 20 runs each, alternating
// so both see the same machine state. Target: ratio <= 1.5. Run: npm run bench:help
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { median } from "./median.js";

const RUNS = Number(process.env.RUNS ?? 20);
const helk = fileURLToPath(new URL("../dist/helk.js", import.meta.url));
if (!existsSync(helk)) {
  console.error("dist/helk.js is missing: run `npm run build` first");
  process.exit(2);
}

function time(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: "ignore" });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// One warm-up each: the first spawn pays for the page cache.
time(["-e", "0"]);
time([helk, "--help"]);
const baseline: number[] = [];
const cli: number[] = [];
for (let i = 0; i < RUNS; i++) {
  baseline.push(time(["-e", "0"]));
  cli.push(time([helk, "--help"]));
}
const b = median(baseline);
const h = median(cli);
console.log(`node -e 0      median ${b.toFixed(1)} ms (${RUNS} runs)`);
console.log(`helk --help    median ${h.toFixed(1)} ms (${RUNS} runs)`);
console.log(`ratio helk/node: ${(h / b).toFixed(2)} (target <= 1.5)`);
