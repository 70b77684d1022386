/** Shared test inputs: fixed host facts and recognisable secrets (so leaks are searchable). */
import type { HelkConfig } from "../../compose/config/schema.js";
import { defaultConfig } from "../../compose/config/schema.js";
import { ADDONS, PROFILES } from "../../compose/profiles.js";
import type { RenderInput } from "../../compose/render.js";
import type { HelkSecrets } from "../../compose/secrets.js";

export const HOST = { memoryMiB: 16 * 1024, cpus: 4 };
export const HOST_IP = "192.0.2.10";

/** Distinct values that cannot occur by accident in any generated file. */
export const SECRETS: HelkSecrets = {
  elasticPassword: "SecretElastic0001xyzQ",
  kibanaSystemPassword: "SecretKibanaSys0002xyzQ",
  logstashWriterPassword: "SecretLogstash0003xyzQ",
  analystPassword: "SecretAnalyst0004xyzQ",
  kibanaEncryptionKey: "SecretKibanaKey0005xyzQSecretKibanaKey0005xyzQ",
  jupyterToken: "SecretJupyter0006xyzQ",
  htpasswdSalt: "SaltSalt0007",
  kafkaClientPassword: "KafkaClientPassword0008",
  notebookReaderPassword: "SecretNotebookReader0009xyzQ",
};

export function configFor(profile: HelkConfig["profile"], addons: HelkConfig["addons"] = [], patch: Partial<HelkConfig> = {}): HelkConfig {
  return { ...defaultConfig(), profile, addons, hostIp: HOST_IP, ...patch };
}

export function renderInput(config: HelkConfig): RenderInput {
  return {
    config,
    host: HOST,
    kafkaClusterId: "q1Sh-9_ISia_zwGINzRvyQ",
    version: "0.1.0-test",
    secrets: SECRETS,
    tls: {
      cert: "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n",
      key: "-----BEGIN PRIVATE KEY-----\nSecretTlsKey0008\n-----END PRIVATE KEY-----\n",
    },
  };
}

/** Every profile, alone and with every add-on. */
export const COMBINATIONS: { profile: HelkConfig["profile"]; addons: HelkConfig["addons"] }[] = PROFILES.flatMap((p) => [
  { profile: p.name, addons: [] },
  { profile: p.name, addons: ADDONS.map((a) => a.name) },
]);

export const comboName = (c: { profile: string; addons: readonly string[] }) => [c.profile, ...c.addons].join("+");
