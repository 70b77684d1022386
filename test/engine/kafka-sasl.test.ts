/**
 * SASL/SCRAM on Kafka's external listener, on the real Kafka fixture: `helk reconfigure` turns
 * it on for a running install (Kafka recreated, its data kept), provisioning sets the SCRAM
 * user, and from then on the plaintext client and a wrong password are refused while replay,
 * verify, status probes and provisioning log in with the install's generated credential,
 * which appears nowhere but `helk credentials`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaProbe } from "../../engine/probes/kafka-probe.js";
import { helk } from "../helpers/run-cli.js";
import { firstMessage, kafkaOf, topicEnd, writeBefore } from "../helpers/stack-clients.js";
import { stackState } from "../helpers/stack-state.js";
import { createTestStack, requireStandinImages, type TestStack } from "../helpers/test-stack.js";

const MORDOR = new URL("../../../shared/datasets/mordor/", import.meta.url).pathname;
const USER = "helk_client";
let stack: TestStack;

const login = () => ({ username: USER, password: stack.secrets().kafkaClientPassword as string });

/** Whether an admin client gets as far as listing topics, and the error that stopped it. */
async function tryConnect(kafka: Kafka): Promise<{ connected: true } | { connected: false; error: Error }> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return { connected: true };
  } catch (err) {
    return { connected: false, error: err as Error };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The error's class and message, and its cause's, as one line to match. */
const described = (r: Awaited<ReturnType<typeof tryConnect>>): string =>
  r.connected
    ? "connected"
    : [r.error, (r.error as { cause?: Error }).cause]
        .filter(Boolean)
        .map((e) => `${e?.name}: ${e?.message}`)
        .join(" <- ");

describe.sequential("Kafka SASL/SCRAM on the external listener", () => {
  beforeAll(async () => {
    await requireStandinImages();
    stack = createTestStack("sasl", "core");
    const r = await helk(["install", "--non-interactive", "--yes", ...stack.flags]);
    if (r.exitCode !== 0) throw new Error(`install failed (${r.exitCode}): ${r.stderr}`);
    await writeBefore(stack, "before-sasl", "before SASL");
  });
  afterAll(() => stack?.cleanup());

  it("reconfigure turns it on: Kafka recreated, SCRAM user set, the message from before read back with the login", async () => {
    const r = await helk(["reconfigure", "--set", "kafka.sasl.enabled=true", "--json", "--install-home", stack.home]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { recreated: string[] }).recreated).toContain("kafka");
    expect(readFileSync(stack.logFile, "utf8")).toContain(`Kafka SCRAM user ${USER} set`);

    const seen = await firstMessage(kafkaOf(stack, "127.0.0.1", login()), "winlogbeat", `sasl-${process.pid}`);
    expect(seen).toBe(JSON.stringify({ EventID: 1, note: "before SASL" }));
  });

  it("refuses a client without SASL and a wrong password", async () => {
    const plain = await tryConnect(kafkaOf(stack));
    expect(plain.connected).toBe(false);
    // The broker drops a client that skips the SASL handshake: the connection closes under it.
    expect(described(plain)).toMatch(/KafkaJS\w*Error: .*(Closed connection|Connection closed|ECONNRESET|socket hang up)/);
    const wrong = await tryConnect(kafkaOf(stack, "127.0.0.1", { username: USER, password: "not-the-password" }));
    expect(wrong.connected).toBe(false);
    expect(wrong.connected ? "" : wrong.error.name).toBe("KafkaJSSASLAuthenticationError");
  });

  it("helk replay logs in with the install's credential and every event arrives", async () => {
    const kafka = kafkaOf(stack, "127.0.0.1", login());
    const before = await topicEnd(kafka, "winlogbeat");
    const r = await helk(["replay", "--json", "--install-home", stack.home, join(MORDOR, "empire_launcher_sct_regsvr32.zip")]);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { events: number; bootstrap: string };
    expect(out.events).toBe(2390);
    expect(out.bootstrap).toBe(`127.0.0.1:${stack.ports.kafka} (SASL SCRAM-SHA-512 as ${USER})`);
    expect((await topicEnd(kafka, "winlogbeat")) - before).toBe(2390);
  });

  it("replay to the address without a login says the listener may require SASL; a wrong login is named", async () => {
    const file = join(MORDOR, "cmd_bitsadmin_download_psh_script.zip");
    const plain = await helk(["replay", "--bootstrap", `127.0.0.1:${stack.ports.kafka}`, file]);
    expect(plain.exitCode).toBe(10);
    expect(plain.stderr).toContain("may require SASL");
    const wrong = await helk(["replay", "--bootstrap", `127.0.0.1:${stack.ports.kafka}`, file], {
      env: { HELK_REPLAY_SASL_USERNAME: USER, HELK_REPLAY_SASL_PASSWORD: "not-the-password" },
    });
    expect(wrong.exitCode).toBe(10);
    expect(wrong.stderr).toContain(`Kafka refused ${USER}'s SASL login`);
    const right = await helk(["replay", "--json", "--bootstrap", `127.0.0.1:${stack.ports.kafka}`, file], {
      env: { HELK_REPLAY_SASL_USERNAME: USER, HELK_REPLAY_SASL_PASSWORD: login().password },
    });
    expect(right.exitCode, right.stderr).toBe(0);
    expect((JSON.parse(right.stdout) as { events: number }).events).toBe(424);
  });

  it("status probes Kafka through the login; verify publishes through it", async () => {
    const s = await helk(["status", "--json", "--install-home", stack.home]);
    const kafka = (JSON.parse(s.stdout) as { services: { name: string; probe?: string; detail: string }[] }).services.find(
      (x) => x.name === "kafka",
    );
    expect(kafka?.probe, kafka?.detail).toBe("ok");
    expect(kafka?.detail).toMatch(/^1 broker, controller 1, 5 topics/);

    // The probe's own requests (no Kafka client library) meet the real broker's refusals.
    const address = `127.0.0.1:${stack.ports.kafka}`;
    const plain = await kafkaProbe({ address, timeoutMs: 5000 });
    expect(plain).toEqual({ ok: false, detail: expect.stringContaining("its listener may require SASL") });
    const wrong = await kafkaProbe({
      address,
      timeoutMs: 5000,
      kafka: { brokers: [address], sasl: { mechanism: "scram-sha-512", username: USER, password: "not-the-password" } },
    });
    expect(wrong).toEqual({ ok: false, detail: expect.stringContaining(`Kafka refused ${USER}'s SASL login`) });
    const sha256 = await kafkaProbe({
      address,
      timeoutMs: 5000,
      kafka: { brokers: [address], sasl: { mechanism: "scram-sha-256", username: USER, password: login().password } },
    });
    // HELK's listener offers SCRAM-SHA-512 alone: another mechanism is named, with what it offers.
    expect(sha256).toEqual({ ok: false, detail: "probe failed: the broker does not offer SASL SCRAM-SHA-256 (it offers SCRAM-SHA-512)" });

    // The stand-in Logstash normalises nothing, so verify stops at the second hop; the first is Kafka's.
    const v = await helk(["verify", "--json", "--timeout", "3", "--install-home", stack.home]);
    const hops = (JSON.parse(v.stdout) as { hops: { hop: string; outcome: string; path: string }[] }).hops;
    expect(hops[0]).toMatchObject({ hop: "kafka", outcome: "passed" });
    expect(hops[0]?.path).toContain(`(SASL SCRAM-SHA-512 as ${USER})`);
  });

  it("a second provision finds the login working and changes nothing", async () => {
    const real = await stackState(stack, { kafkaLogin: login() });
    const r = await helk(["provision", "--json", "--install-home", stack.home]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { changes: string[] }).changes).toEqual([]);
    // And nothing did change: containers, topic configs, templates, Elasticsearch users.
    expect(await stackState(stack, { kafkaLogin: login() })).toEqual(real);
  });

  it("the password is shown by helk credentials only: not in the install log or the compose files", async () => {
    const c = await helk(["credentials", "--json", "--install-home", stack.home]);
    expect(c.exitCode, c.stderr).toBe(0);
    const password = login().password;
    expect((JSON.parse(c.stdout) as { kafka: unknown }).kafka).toEqual({ mechanism: "SCRAM-SHA-512", user: USER, password });
    expect(readFileSync(stack.logFile, "utf8")).not.toContain(password);
    for (const f of ["compose.yaml", ".env"]) expect(readFileSync(join(stack.home, f), "utf8")).not.toContain(password);
  });
});
