/**
 * A throwaway HELK install for engine-tier tests: its own project name, install home, log
 * file and loopback ports, with every image pointed at a locally built stand-in. `cleanup`
 * removes its containers, network, volumes and files whatever state the test left.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { deepMerge } from "../../compose/config/resolve.js";
import {
  CORE_TEST_IMAGES,
  ES_FIXTURE,
  JUPYTER_FIXTURE,
  KAFKA_FIXTURE,
  neededLocally,
  TEST_IMAGES,
  TEST_IMAGES_MODE,
  testImageMap,
} from "./doubles.js";
import { freePortBlock } from "./port-block.js";
import { helk } from "./run-cli.js";

export { ES_FIXTURE, JUPYTER_FIXTURE, KAFKA_FIXTURE, STANDIN, STANDIN_UNHEALTHY } from "./doubles.js";

export interface TestStack {
  project: string;
  dir: string;
  home: string;
  logFile: string;
  configFile: string;
  ports: Record<string, number>;
  /** Flags every helk call on this stack needs. */
  flags: string[];
  secrets(): Record<string, string>;
  writeConfig(patch: Record<string, unknown>): void;
  cleanup(): Promise<void>;
}

export function createTestStack(name: string, profile = "core", patch: Record<string, unknown> = {}): TestStack {
  const project = `helktest-${name}-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), `helk-${name}-`));
  const home = join(dir, "home");
  const logFile = join(dir, "helk-install.log");
  const configFile = join(dir, "helk.config.json");
  // A block of ports no one listens on keeps stacks of different test files from colliding.
  const base = freePortBlock(8);
  const ports = {
    kafka: base,
    https: base + 1,
    http: base + 2,
    elasticsearch: base + 3,
    logstashApi: base + 4,
    ksqldb: base + 5,
    sparkUi: base + 6,
    jupyter: base + 7,
  };
  // Kafka and Elasticsearch are real (probes and provisioning need them); the services that
  // cannot be obtained here run doubles (test/helpers/doubles.ts).
  const images = { ...TEST_IMAGES };
  const baseConfig = {
    profile,
    projectName: project,
    installHome: home,
    logFile,
    hostIp: "127.0.0.1",
    images,
    ports,
    timeouts: { healthSeconds: 120 },
    // Every stack would otherwise size its heaps for the whole host, and Elasticsearch
    // pre-touches its heap: several stacks at once (other test files, other runs on the same
    // engine) then push the machine into swap. Sizing itself is unit-tested.
    memory: { elasticsearchHeap: "512m", kafkaHeap: "512m", logstashHeap: "512m", ksqldbHeap: "512m" },
  };
  const stack: TestStack = {
    project,
    dir,
    home,
    logFile,
    configFile,
    ports,
    flags: ["--config", configFile],
    secrets: () =>
      (JSON.parse(readFileSync(join(home, "secrets", "helk-state.json"), "utf8")) as { secrets: Record<string, string> }).secrets,
    writeConfig: (p) => {
      const config = deepMerge(baseConfig, p) as typeof baseConfig;
      // HELK_TEST_IMAGES=upstream: the fixtures and doubles a test chose become the upstream images.
      config.images = testImageMap(TEST_IMAGES_MODE, config.images);
      writeFileSync(configFile, JSON.stringify(config, null, 2));
    },
    cleanup: async () => {
      await removeProject(project);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  stack.writeConfig(patch);
  return stack;
}

/** Containers of a project, by service, straight from the engine. */
export async function containerIds(project: string): Promise<Record<string, string>> {
  const r = await execa("docker", [
    "ps",
    "-a",
    "--filter",
    `label=com.docker.compose.project=${project}`,
    "--format",
    '{{.ID}} {{.Label "com.docker.compose.service"}}',
  ]);
  return Object.fromEntries(
    r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ").reverse() as [string, string]),
  );
}

export async function volumeNames(project: string): Promise<string[]> {
  const r = await execa("docker", ["volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${project}`]);
  return r.stdout.split("\n").filter(Boolean).sort();
}

/** Fails before any stack starts when a test image is missing, naming the script that builds it. */
export async function requireImages(images: string[], hint: string): Promise<void> {
  for (const image of neededLocally(images)) {
    const r = await execa("docker", ["image", "inspect", image], { reject: false });
    if (r.exitCode !== 0) throw new Error(`${image} is missing: ${hint}`);
  }
}

export const requireStandinImages = (): Promise<void> =>
  requireImages(CORE_TEST_IMAGES, "run scripts/build-test-images.sh and scripts/build-fixture-images.sh (scripts/test.sh does)");

/** The real Kafka, Elasticsearch and notebook fixtures of the `lab` profile tests. */
export const requireLabImages = (): Promise<void> =>
  requireImages([KAFKA_FIXTURE, ES_FIXTURE, JUPYTER_FIXTURE], "run scripts/build-fixture-images.sh and scripts/build-notebook-image.sh");

export interface StatusJson {
  services: { name: string; state?: string; detail: string; probe?: string }[];
}

/**
 * `helk status --json` once it is healthy with no probe failing, or the last answer after the deadline.
 * The join job reports its first progress a few seconds after provisioning creates its user.
 */
export async function statusWhenReady(stack: TestStack, deadlineMs = 60_000): Promise<{ exitCode: number; status: StatusJson }> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const r = await helk(["status", "--json", ...stack.flags]);
    const status = JSON.parse(r.stdout) as StatusJson;
    // Services without a probe (kafka-2, nginx...) count by their container health, in the exit code.
    if ((r.exitCode === 0 && status.services.every((s) => s.probe !== "failed")) || Date.now() > until)
      return { exitCode: r.exitCode, status };
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** Removes a Compose project's containers, volumes, networks and the images it built for itself. */
export async function removeProject(project: string): Promise<void> {
  const label = `label=com.docker.compose.project=${project}`;
  const list = async (...args: string[]) =>
    (await execa("docker", args, { reject: false })).stdout.split("\n").filter((line) => line && !line.includes("<none>"));
  const ids = await list("ps", "-aq", "--filter", label);
  if (ids.length) await execa("docker", ["rm", "-f", ...ids], { reject: false });
  const vols = await list("volume", "ls", "-q", "--filter", label);
  if (vols.length) await execa("docker", ["volume", "rm", "-f", ...vols], { reject: false });
  const nets = await list("network", "ls", "-q", "--filter", label);
  if (nets.length) await execa("docker", ["network", "rm", ...nets], { reject: false });
  // By name, never by id: two stacks' builds of the same folder on the same base are one
  // cached image, and `image rm -f <id>` would untag the other stack's image too (its next
  // `compose up` then tries to pull it).
  const built = await list("images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", `reference=${project}/*`);
  if (built.length) await execa("docker", ["image", "rm", ...new Set(built)], { reject: false });
}

/**
 * Test stacks of this process still on the engine: a file whose cleanup did not run or raced a
 * running install. The external clusters (test/helpers/external-clusters.ts, `helkext-`) too:
 * a beforeAll that times out leaves them starting, with nothing assigned for its afterAll to stop.
 */
export async function ownStacksLeft(): Promise<string[]> {
  const r = await execa("docker", ["ps", "-a", "--format", '{{.Label "com.docker.compose.project"}}'], { reject: false });
  const own = new RegExp(`^helk(test|ext)-.+-${process.pid}$`);
  return [...new Set(r.stdout.split("\n").filter((p) => own.test(p)))];
}
