/**
 * An operator's Kafka over TLS, for real: three KRaft brokers whose client listener is SASL_SSL
 * (SCRAM-SHA-512 inside TLS), their certificates signed by a CA of the test's own and naming the
 * brokers' addresses. HELK reaches Kafka three ways, and each has its own TLS code:
 * - provisioning through kafkajs (engine/kafka-client.ts);
 * - the status probe through HELK's own wire (engine/kafka/wire.ts);
 * - replay, which asks @platformatic/kafka for metadata and the producer id, then sends its
 *   batches on connections of its own (engine/kafka/wire.ts again).
 * Each is checked with the CA (it works, every event arrives) and with a CA that did not sign
 * the brokers' certificates (refused, with what to set), as is an external install's preflight;
 * and TLS spoken to a listener without it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../compose/config/schema.js";
import type { KafkaAccess } from "../../compose/kafka-access.js";
import { HelkError } from "../../engine/errors.js";
import { checkExternalKafka } from "../../engine/install/external-preflight.js";
import { kafkaClient } from "../../engine/kafka-client.js";
import { kafkaProbe } from "../../engine/probes/kafka-probe.js";
import { provisionTopics } from "../../engine/provision/kafka-topics.js";
import { replay } from "../../engine/replay/replay.js";
import { type ExternalClusters, startExternalClusters, writeCa } from "../helpers/external-clusters.js";
import { MORDOR_DIR, readmeCounts } from "../helpers/mordor.js";
import { topicEnd } from "../helpers/stack-clients.js";

const SET = "empire_launcher_sct_regsvr32.zip";
const login = { username: "helk_tls", password: `tls-${process.pid}-secret` };
let clusters: ExternalClusters;
let access: KafkaAccess;
let otherCa: string;
let scratch: string;

const withCa = (caFile: string): KafkaAccess => ({ ...access, tls: { caFile } });
const replayed = (kafka: KafkaAccess) =>
  replay({ paths: [join(MORDOR_DIR, SET)], topic: "winlogbeat", kafka, dryRun: false, sink: () => undefined });

/**
 * The topic's end offsets summed, asked again while a broker has not yet applied a new topic's
 * leaders (KRaft's metadata lag right after it is created: "not the leader").
 */
async function eventsIn(topic: string): Promise<number> {
  const kafka = kafkaClient(access, "helk-test-tls");
  for (let attempt = 1; ; attempt++) {
    try {
      return await topicEnd(kafka, topic);
    } catch (err) {
      if (attempt >= 20 || !(err as { retriable?: boolean }).retriable) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

describe.sequential("Kafka over TLS (SASL_SSL), three real brokers", () => {
  beforeAll(async () => {
    clusters = await startExternalClusters({ name: "tls", sasl: login, tls: true, elasticsearch: false });
    access = {
      brokers: clusters.bootstrap,
      sasl: { mechanism: "scram-sha-512", ...login },
      tls: { caFile: clusters.caFile as string },
      external: true,
    };
    // A CA of the same shape that signed nothing the brokers present.
    scratch = mkdtempSync(join(tmpdir(), "helk-tls-other-"));
    otherCa = writeCa(scratch, "helk-test-other-ca");
  }, 400_000);
  afterAll(async () => {
    await clusters?.down();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("provisioning creates HELK's topics through kafkajs over TLS", async () => {
    const r = await provisionTopics(kafkaClient(access, "helk-test-tls"), defaultConfig().kafka.topics, { external: true });
    expect(
      r.changes.some((c) => c.includes("winlogbeat")),
      JSON.stringify(r),
    ).toBe(true);
    expect(await eventsIn("winlogbeat")).toBe(0);
  });

  it("the status probe reads the cluster's metadata over TLS and SCRAM with HELK's own wire", async () => {
    const r = await kafkaProbe({ address: clusters.bootstrap.join(","), kafka: access, timeoutMs: 10_000 });
    expect(r, r.detail).toMatchObject({ ok: true });
    expect(r.detail).toMatch(/^3 brokers, controller \d, \d+ topics?$/);
  });

  it("replay sends every event of a data set over TLS", async () => {
    const expected = readmeCounts().find((c) => c.file === SET)?.objects as number;
    const before = await eventsIn("winlogbeat");
    const r = await replayed(access);
    expect(r.events).toBe(expected);
    expect((await eventsIn("winlogbeat")) - before).toBe(expected);
  });

  it("an external install's preflight connects over TLS, and names the CA setting when the CA is not the brokers'", async () => {
    const good = await checkExternalKafka(access, defaultConfig());
    expect(good[0], JSON.stringify(good)).toMatchObject({ ok: true, message: expect.stringMatching(/: 3 brokers, controller \d/) });
    const [bad] = await checkExternalKafka(withCa(otherCa), defaultConfig());
    expect(bad?.ok).toBe(false);
    expect(bad?.message).toMatch(/unable to verify the first certificate/);
    expect(bad?.hint).toContain(`the CA in ${otherCa}`);
    expect(bad?.hint).toContain("kafka.external.tls.caFile");
  });

  it("a CA that did not sign the brokers' certificates: the probe fails and says what to set", async () => {
    const r = await kafkaProbe({ address: clusters.bootstrap.join(","), kafka: withCa(otherCa), timeoutMs: 10_000 });
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^unable to verify the first certificate: Kafka's certificate is not one the CA in /);
    expect(r.detail).toContain("kafka.external.tls.caFile");
  });

  it("TLS to a listener without it (the brokers' plaintext inter-broker port): the probe says the listener does not seem to speak TLS", async () => {
    const plaintext = clusters.bootstrap.map((b) => b.replace(/:9092$/, ":19092"));
    const r = await kafkaProbe({ address: plaintext.join(","), kafka: { ...access, brokers: plaintext }, timeoutMs: 10_000 });
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(
      /^Client network socket disconnected before secure TLS connection was established: .*does not seem to speak TLS/,
    );
  });

  it("a CA that did not sign the brokers' certificates: replay stops with Kafka's exit code, naming the certificate", async () => {
    const err = await replayed(withCa(otherCa)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HelkError);
    const e = err as HelkError;
    expect(e.exitCode).toBe(10);
    expect(e.message).toMatch(/failed: Connection error: unable to verify the first certificate \(0 events sent before the error\)$/);
    expect(e.hint).toContain("kafka.external.tls.caFile");
  });
});
