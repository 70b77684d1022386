/**
 * `helk reconfigure --host-ip` on a running install with real Kafka and Elasticsearch: Kafka
 * (which advertises the address), nginx (which binds it) and Kibana (whose public URL names it)
 * are recreated, Elasticsearch is
 * left running untouched, the certificate names the new address, and the message and the
 * document written before are read back after. `helk credentials` reads the same install.
 */
import { chmodSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELK_BIN, helk } from "../helpers/run-cli.js";
import { elasticAdmin, firstMessage, kafkaOf, writeBefore } from "../helpers/stack-clients.js";
import { stackState } from "../helpers/stack-state.js";
import { containerIds, createTestStack, requireStandinImages, type TestStack } from "../helpers/test-stack.js";

let stack: TestStack;
const NEW_IP = "127.0.0.2";

describe.sequential("helk reconfigure --host-ip keeps data and recreates only what changed", () => {
  beforeAll(async () => {
    await requireStandinImages();
    stack = createTestStack("reconf", "core");
    const r = await helk(["install", "--non-interactive", "--yes", ...stack.flags]);
    if (r.exitCode !== 0) throw new Error(`install failed (${r.exitCode}): ${r.stderr}`);
  });
  afterAll(() => stack?.cleanup());

  it("moves to the new address: Kafka, Kibana and nginx recreated, Elasticsearch untouched, data read back", async () => {
    await writeBefore(stack, "before-move", "before the move");
    const ids = await containerIds(stack.project);

    // By its install home: the test's --config file would set the old address again.
    const r = await helk(["reconfigure", "--host-ip", NEW_IP, "--json", "--install-home", stack.home]);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { hostIp: string; changedFiles: string[]; recreated: string[]; unchanged: string[] };
    expect(out.hostIp).toBe(NEW_IP);
    expect(out.changedFiles).toEqual(expect.arrayContaining(["compose.yaml", "config/nginx/tls.crt"]));
    // Kafka advertises the address, nginx binds it, Kibana's public URL names it.
    expect(out.recreated.sort()).toEqual(["kafka", "kibana", "nginx"]);
    expect(out.unchanged).toContain("elasticsearch");
    expect((await containerIds(stack.project)).elasticsearch).toBe(ids.elasticsearch);

    // Kafka now advertises the new address, and the message from before is still there.
    const seen = await firstMessage(kafkaOf(stack, NEW_IP), "winlogbeat", `reconf-${process.pid}`);
    expect(seen).toBe(JSON.stringify({ EventID: 1, note: "before the move" }));
    const es = elasticAdmin(stack);
    expect((await es.get({ index: "logs-endpoint-winevent-2020.10.23", id: "before-move" })).found).toBe(true);
    await es.close();

    const cert = await execa("openssl", [
      "x509",
      "-noout",
      "-ext",
      "subjectAltName",
      "-in",
      join(stack.home, "config", "nginx", "tls.crt"),
    ]);
    expect(cert.stdout).toContain(`IP Address:${NEW_IP}`);
    expect((JSON.parse(readFileSync(join(stack.home, "helk.install.json"), "utf8")) as { hostIp: string }).hostIp).toBe(NEW_IP);
  });

  it("doctor agrees: Kafka advertises the address the install now has", async () => {
    const r = await helk(["doctor", "--json", "--install-home", stack.home]);
    const ids = (JSON.parse(r.stdout) as { findings: { id: string }[] }).findings.map((f) => f.id);
    expect(ids).not.toContain("kafka.advertised-listener");
  });

  it("a second reconfigure with nothing new recreates nothing", async () => {
    const real = await stackState(stack, { kafkaHost: NEW_IP });
    const r = await helk(["reconfigure", "--json", "--install-home", stack.home]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { recreated: string[] }).recreated).toEqual([]);
    // What is there says the same: containers (ids, creation times), topics, templates, users.
    expect(await stackState(stack, { kafkaHost: NEW_IP })).toEqual(real);
  });

  it("credentials: the install's users and secrets, for root, and the same ones the services use", async () => {
    const r = await helk(["credentials", "--json", ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as Record<string, { user: string; password: string }>;
    const secrets = stack.secrets();
    expect(c.elastic).toEqual({ user: "elastic", password: secrets.elasticPassword });
    expect(c.writer).toEqual({ user: "helk_logstash_writer", password: secrets.logstashWriterPassword });
    expect(c.analyst?.password).toBe(secrets.analystPassword);
    // Another user may find the install (its folders are traversable), not read its secrets.
    chmodSync(stack.dir, 0o711);
    const notRoot = await execa(
      "runuser",
      ["-u", "nobody", "--", process.execPath, HELK_BIN, "credentials", "--install-home", stack.home],
      {
        reject: false,
      },
    );
    expect(notRoot.exitCode).toBe(3);
    expect(notRoot.stderr).toMatch(/sudo helk credentials|run the command with sudo/);
    expect(notRoot.stdout).toBe("");
  });
});
