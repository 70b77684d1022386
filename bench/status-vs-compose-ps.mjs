// `helk status --json` against `docker compose ps` on the same running stack (stand-in
// services), median of RUNS (default 10) runs each, alternating, in one run. Target: ratio <= 1.0.
// Needs root, a Docker engine and the stand-in images: bash scripts/build-test-images.sh
// Run: npm run bench:status
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const RUNS = Number(process.env.RUNS ?? 10);
const helk = fileURLToPath(new URL("../dist/helk.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "helk-bench-"));
const project = `helkbench${process.pid}`;
const home = join(dir, "home");
const images = Object.fromEntries(
  ["kafka", "elasticsearch", "logstash", "kibana", "nginx", "ksqldb", "ksqldbCli", "jupyter", "spark", "elastalert"].map((s) => [
    s,
    "helk-test/standin:1",
  ]),
);
const base = 23000 + (process.pid % 100) * 10;
writeFileSync(
  join(dir, "c.json"),
  JSON.stringify({
    profile: "core",
    projectName: project,
    installHome: home,
    logFile: join(dir, "log"),
    hostIp: "127.0.0.1",
    images,
    ports: {
      kafka: base,
      https: base + 1,
      http: base + 2,
      elasticsearch: base + 3,
      logstashApi: base + 4,
      ksqldb: base + 5,
      sparkUi: base + 6,
    },
  }),
);

function run(cmd, args, label) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${label} exited ${r.status}: ${r.stderr}`);
  return ms;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  console.log("starting a 5-service stand-in stack ...");
  run(process.execPath, [helk, "install", "--yes", "--config", join(dir, "c.json")], "helk install");
  const helkArgs = [helk, "status", "--json", "--install-home", home];
  const psArgs = ["compose", "--project-name", project, "--file", join(home, "compose.yaml"), "ps"];
  run(process.execPath, helkArgs, "warm-up");
  run("docker", psArgs, "warm-up");
  const h = [];
  const p = [];
  for (let i = 0; i < RUNS; i++) {
    h.push(run(process.execPath, helkArgs, "helk status"));
    p.push(run("docker", psArgs, "docker compose ps"));
  }
  console.log(`docker compose ps     median ${median(p).toFixed(1)} ms (${RUNS} runs)`);
  console.log(`helk status --json    median ${median(h).toFixed(1)} ms (${RUNS} runs; includes health, uptime and details)`);
  console.log(`ratio helk/compose: ${(median(h) / median(p)).toFixed(2)} (target <= 1.0)`);
} finally {
  spawnSync(process.execPath, [helk, "uninstall", "--purge", "--force", "--install-home", home], { stdio: "ignore" });
  rmSync(dir, { recursive: true, force: true });
}
