/**
 * The Kafka fixture against its contract (test/fixtures/images/kafka/CONTRACT.md), and Kafka's
 * healthcheck on it. Like
 * apache/kafka, every JVM the image's scripts start takes its heap from KAFKA_HEAP_OPTS, which
 * the container's environment sets for the broker. HELK's check must run its JVM with a small
 * heap of its own, or each check starts a second broker-sized heap inside the broker's limit.
 * HELK_TEST_KAFKA_IMAGE runs it on another build of the fixture (a layer with the current
 * kafka-run-class.sh, until the shared tag is rebuilt).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HEALTHCHECK_HEAP_OPTS, kafka } from "../../compose/services/kafka.js";
import { DoubleRunner, envFlags, serviceContext } from "../helpers/double-runner.js";
import { KAFKA_FIXTURE } from "../helpers/doubles.js";
import { requireImages } from "../helpers/test-stack.js";

const IMAGE = process.env.HELK_TEST_KAFKA_IMAGE ?? KAFKA_FIXTURE;
const ROOT = join(import.meta.dirname, "../..");
const runner = new DoubleRunner(`helktest-kafkaheap-${process.pid}`);
const ctx = serviceContext(["kafka"]);
const model = kafka(ctx);
const brokerHeap = (model.environment as Record<string, string>).KAFKA_HEAP_OPTS as string;
let broker: string;

/** Runs a healthcheck script in the broker and returns the command line of the JVM it started (argv[0] is java: not this watcher). */
async function jvmOf(check: string): Promise<{ exitCode: number; jvm: string }> {
  const watch = [
    "rm -f /tmp/check.out",
    '( (eval "$CHECK"); echo "check-exit=$?" >/tmp/check.out ) &',
    "i=0; jvm=''",
    'while [ $i -lt 400 ] && [ -z "$jvm" ]; do',
    "  for p in /proc/[0-9]*; do a=$(tr '\\0' ' ' <$p/cmdline 2>/dev/null); case \"$a\" in java\\ *BrokerApiVersionsCommand*) jvm=$a;; esac; done",
    "  i=$((i+1)); sleep 0.05",
    "done",
    "wait",
    'echo "$jvm"; cat /tmp/check.out',
  ].join("\n");
  const r = await runner.exec(broker, ["bash", "-c", watch], { CHECK: check });
  const exit = /check-exit=(\d+)/.exec(r.stdout);
  return { exitCode: Number(exit?.[1] ?? -1), jvm: r.stdout.split("\n")[0] ?? "" };
}

beforeAll(async () => {
  await requireImages([IMAGE], "run scripts/build-fixture-images.sh");
  await runner.init();
  broker = await runner.start("kafka", ["--hostname", "kafka", ...envFlags(kafka, ctx), IMAGE]);
  await runner.waitFor(broker, ["sh", "-c", model.healthcheck.test[1] as string], 120);
});
afterAll(() => runner.cleanup());

describe("Kafka fixture (apache/kafka:4.1.1) and the healthcheck's JVM heap", () => {
  it.each(["kafka-run-class.sh", "entrypoint.sh"])("the fixture image carries this repository's %s (rebuild it if not)", async (file) => {
    const inImage = (await runner.exec(broker, ["cat", `/opt/kafka/bin/${file}`])).stdout;
    expect(inImage).toBe(readFileSync(join(ROOT, "test/fixtures/images/kafka", file), "utf8").trimEnd());
  });

  it("runs as appuser (uid 1000), Kafka in /opt/kafka, its data in /var/lib/kafka/data owned by appuser", async () => {
    const r = await runner.exec(broker, [
      "bash",
      "-c",
      "id -un; id -u; test -x /opt/kafka/bin/kafka-server-start.sh && echo opt-kafka; stat -c '%U' /var/lib/kafka/data",
    ]);
    expect(r.stdout.split("\n")).toEqual(["appuser", "1000", "opt-kafka", "appuser"]);
  });

  it("maps KAFKA_* variables to server.properties as the image's configure does, leaving the JVM's out", async () => {
    const props = (await runner.exec(broker, ["cat", "/opt/kafka/config/server.properties"])).stdout.split("\n");
    expect(props).toEqual(
      expect.arrayContaining([
        "node.id=1",
        "process.roles=broker,controller",
        "log.dirs=/var/lib/kafka/data",
        "auto.create.topics.enable=false",
      ]),
    );
    expect(props.filter((l) => l.startsWith("heap.opts"))).toEqual([]);
  });

  it("refuses KRaft settings without a CLUSTER_ID", async () => {
    const flags = envFlags(kafka, ctx).filter((f, i, all) => !(f.startsWith("CLUSTER_ID=") || all[i + 1]?.startsWith("CLUSTER_ID=")));
    const r = await runner.once([...flags, IMAGE], 60_000);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("CLUSTER_ID environment variable not set");
  });

  it("the broker itself runs with the model's KAFKA_HEAP_OPTS", async () => {
    const top = await execa("docker", ["top", broker, "-eo", "pid,args"]);
    const java = top.stdout.split("\n").find((l) => l.includes("kafka.Kafka"));
    expect(java).toContain(brokerHeap);
  });

  it("a tool run with the container's environment inherits the broker's heap, as upstream's scripts do", async () => {
    const { exitCode, jvm } = await jvmOf("/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:19092 >/dev/null 2>&1");
    expect(exitCode).toBe(0);
    expect(jvm).toContain(brokerHeap);
  });

  it("HELK's healthcheck passes, its JVM on a heap of its own, not the broker's", async () => {
    const { exitCode, jvm } = await jvmOf(model.healthcheck.test[1] as string);
    expect(exitCode).toBe(0);
    expect(jvm).toContain(HEALTHCHECK_HEAP_OPTS);
    expect(jvm).not.toContain(brokerHeap);
  });
});
