/**
 * `helk upgrade` with the real Kafka and Elasticsearch fixtures: a message and a document written
 * before are read back after a successful upgrade (only the upgraded service recreated, a
 * snapshot taken first) and after a failed one, which puts the previous image back.
 * The "new version" is a second tag of the Kafka fixture; the failing one a never-healthy stand-in.
 */
import type { Client } from "@elastic/elasticsearch";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helk } from "../helpers/run-cli.js";
import { elasticAdmin, kafkaOf, writeBefore } from "../helpers/stack-clients.js";
import { stackState } from "../helpers/stack-state.js";
import {
  containerIds,
  createTestStack,
  KAFKA_FIXTURE,
  requireStandinImages,
  STANDIN_UNHEALTHY,
  type TestStack,
} from "../helpers/test-stack.js";

const NEXT = `helktest-up-${process.pid}/kafka:4.1.2`;
let stack: TestStack;
let es: Client;

const imageOf = async (project: string, service: string) =>
  (await execa("docker", ["inspect", "-f", "{{.Config.Image}}", `${project}-${service}-1`])).stdout.trim();

async function kafkaMessages(): Promise<string[]> {
  const kafka = kafkaOf(stack);
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets("winlogbeat");
  await admin.disconnect();
  const total = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const consumer = kafka.consumer({ groupId: `up-${process.pid}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: "winlogbeat", fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve) => {
    if (total === 0) resolve();
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value?.toString() ?? "");
        if (seen.length >= total) resolve();
      },
    });
  });
  await consumer.disconnect();
  return seen.sort();
}

describe.sequential("helk upgrade: snapshot, recreate what changed, roll back on failure, keep data", () => {
  beforeAll(async () => {
    await requireStandinImages();
    await execa("docker", ["tag", KAFKA_FIXTURE, NEXT]);
    stack = createTestStack("upgrade", "core");
    const r = await helk(["install", "--non-interactive", "--yes", ...stack.flags]);
    if (r.exitCode !== 0) throw new Error(`install failed (${r.exitCode}): ${r.stderr}`);
    es = elasticAdmin(stack);
    await writeBefore(stack, "before-upgrade", "before the upgrade");
  });
  afterAll(async () => {
    await es?.close();
    await stack?.cleanup();
    await execa("docker", ["image", "rm", NEXT], { reject: false });
  });

  it("without a new image it says what it needs: exit 2", async () => {
    const r = await helk(["upgrade", "--install-home", stack.home]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("upgrade needs at least one new image");
  });

  it("upgrades Kafka: snapshot first, only Kafka recreated, message and document read back", async () => {
    const ids = await containerIds(stack.project);
    const r = await helk(["upgrade", "--image", `kafka=${NEXT}`, "--json", "--install-home", stack.home]);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { changes: Record<string, [string, string]>; snapshot: string };
    expect(out.changes).toEqual({ kafka: [KAFKA_FIXTURE, NEXT] });
    expect(out.snapshot).toMatch(/^pre-upgrade-\d{14}$/);
    const snaps = await es.snapshot.get({ repository: "helk-upgrades", snapshot: out.snapshot });
    expect(snaps.snapshots?.[0]?.state).toBe("SUCCESS");
    expect(snaps.snapshots?.[0]?.indices).toContain("logs-endpoint-winevent-2020.10.23");

    const after = await containerIds(stack.project);
    expect(after.kafka).not.toBe(ids.kafka);
    expect(after.elasticsearch).toBe(ids.elasticsearch);
    expect(await imageOf(stack.project, "kafka")).toBe(NEXT);
    expect(await kafkaMessages()).toEqual([JSON.stringify({ EventID: 1, note: "before the upgrade" })]);
    expect((await es.get({ index: "logs-endpoint-winevent-2020.10.23", id: "before-upgrade" })).found).toBe(true);
  });

  it("a failed upgrade rolls back to the previous image; nothing is lost", { timeout: 420_000 }, async () => {
    const real = await stackState(stack, { containers: false });
    const r = await helk([
      "upgrade",
      "--image",
      `kafka=${STANDIN_UNHEALTHY}`,
      "--set",
      "timeouts.healthSeconds=20",
      "--install-home",
      stack.home,
    ]);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain("upgrade failed and was rolled back to the previous images");
    expect(await imageOf(stack.project, "kafka")).toBe(NEXT);
    expect(await kafkaMessages()).toEqual([JSON.stringify({ EventID: 1, note: "before the upgrade" })]);
    expect((await es.get({ index: "logs-endpoint-winevent-2020.10.23", id: "before-upgrade" })).found).toBe(true);
    const status = await helk(["status", "--json", "--install-home", stack.home]);
    expect(status.exitCode, status.stdout).toBe(0);
    // Topics, templates and users as before the attempt.
    expect(await stackState(stack, { containers: false })).toEqual(real);
  });
});
