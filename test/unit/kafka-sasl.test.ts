import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeKafkaAccess, hostKafkaAccess } from "../../compose/kafka-access.js";
import { buildComposeModel } from "../../compose/model.js";
import { renderInstallFiles } from "../../compose/render.js";
import { kafkaErrorHint } from "../../engine/kafka-client.js";
import { loadOrCreateState, stateFile } from "../../engine/secrets.js";
import { configFor, HOST_IP, renderInput, SECRETS } from "../helpers/fixtures.js";

const withSasl = (enabled: boolean) => {
  const base = configFor("core");
  return { ...base, kafka: { ...base.kafka, sasl: { enabled, username: "winlogbeat" } } };
};

describe("Kafka SASL/SCRAM on the external listener", () => {
  it("is off by default: the external listener stays PLAINTEXT and no SASL setting is rendered", () => {
    const env = buildComposeModel(renderInput(configFor("core"))).services.kafka?.environment ?? {};
    expect(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe("INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT");
    expect(Object.keys(env).filter((k) => k.includes("SASL"))).toEqual([]);
  });

  it("when enabled, only EXTERNAL requires SCRAM-SHA-512; containers keep the internal listener", () => {
    const spec = buildComposeModel(renderInput(withSasl(true)));
    const env = spec.services.kafka?.environment ?? {};
    expect(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe("INTERNAL:PLAINTEXT,EXTERNAL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
    expect(env.KAFKA_SASL_ENABLED_MECHANISMS).toBe("SCRAM-SHA-512");
    // The apache/kafka env mapping: ___ -> "-", _ -> "." gives listener.name.external.scram-sha-512.sasl.jaas.config
    expect(env.KAFKA_LISTENER_NAME_EXTERNAL_SCRAM___SHA___512_SASL_JAAS_CONFIG).toBe(
      "org.apache.kafka.common.security.scram.ScramLoginModule required;",
    );
    expect(env.KAFKA_INTER_BROKER_LISTENER_NAME).toBe("INTERNAL");
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe(`INTERNAL://kafka:19092,EXTERNAL://${HOST_IP}:9092`);
  });

  it("renders the client password into no file at all: it lives only in the state file", () => {
    for (const f of renderInstallFiles(renderInput(withSasl(true))))
      expect(f.content.includes(SECRETS.kafkaClientPassword), f.path).toBe(false);
  });

  it("gives host clients the SCRAM login only when enabled, and never prints the password", () => {
    expect(hostKafkaAccess(withSasl(false), SECRETS)).toEqual({ brokers: [`${HOST_IP}:9092`] });
    const access = hostKafkaAccess(withSasl(true), SECRETS);
    expect(access.sasl).toEqual({ mechanism: "scram-sha-512", username: "winlogbeat", password: SECRETS.kafkaClientPassword });
    expect(describeKafkaAccess(access)).toBe(`${HOST_IP}:9092 (SASL SCRAM-SHA-512 as winlogbeat)`);
    expect(() => hostKafkaAccess(withSasl(true), undefined)).toThrow(/requires SASL/);
  });

  it("names the fix for a refused login and for a plaintext client on a SASL listener", () => {
    const access = hostKafkaAccess(withSasl(true), SECRETS);
    const refused = Object.assign(new Error("SASL SCRAM SHA512 authentication failed"), { name: "KafkaJSSASLAuthenticationError" });
    expect(kafkaErrorHint(refused, access)).toContain("sudo helk credentials");
    expect(kafkaErrorHint(new Error("Closed connection"), { brokers: access.brokers })).toContain("require SASL");
    expect(kafkaErrorHint(new Error("Connection timeout"), access)).toBeUndefined();
  });

  it("adds the SCRAM password to an install made before it existed, keeping every other secret (0600)", () => {
    const home = mkdtempSync(join(tmpdir(), "helk-state-"));
    mkdirSync(join(home, "secrets"), { mode: 0o700 });
    const { kafkaClientPassword: _, ...older } = SECRETS;
    writeFileSync(stateFile(home), JSON.stringify({ secrets: older, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qg" }), { mode: 0o600 });

    const { state, created } = loadOrCreateState(home, { persist: true });
    expect(created).toBe(false);
    expect(state.secrets.kafkaClientPassword).toMatch(/^[A-Za-z0-9]{32}$/);
    const stored = JSON.parse(readFileSync(stateFile(home), "utf8"));
    expect(stored.secrets).toEqual({ ...older, kafkaClientPassword: state.secrets.kafkaClientPassword });
    expect(statSync(stateFile(home)).mode & 0o777).toBe(0o600);
    // Stable from then on.
    expect(loadOrCreateState(home, { persist: true }).state.secrets.kafkaClientPassword).toBe(state.secrets.kafkaClientPassword);
  });

  it("still refuses a state file that lacks a secret every install has", () => {
    const home = mkdtempSync(join(tmpdir(), "helk-state-"));
    mkdirSync(join(home, "secrets"));
    const { elasticPassword: _, ...broken } = SECRETS;
    writeFileSync(stateFile(home), JSON.stringify({ secrets: broken, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qg" }));
    expect(() => loadOrCreateState(home, { persist: true })).toThrow(/incomplete \(missing: elasticPassword\)/);
  });
});
