/** `helk credentials`: one list for the table and the JSON, built from the install's services and secrets. */
import { describe, expect, it } from "vitest";
import type { HelkConfig } from "../../compose/config/schema.js";
import { servicesFor } from "../../compose/profiles.js";
import type { InstallRecord } from "../../engine/install/install-record.js";
import { credentialsJson, installCredentials } from "../../engine/stack/credentials.js";
import { configFor, SECRETS } from "../helpers/fixtures.js";

function recordOf(config: HelkConfig): InstallRecord {
  return {
    version: "0.1.0-test",
    project: config.projectName,
    profile: config.profile,
    addons: config.addons,
    services: servicesFor(config),
    hostIp: "192.0.2.10",
    installHome: "/opt/helk",
    composeFile: "/opt/helk/compose.yaml",
    logFile: "/var/log/helk-install.log",
    installedAt: new Date(0).toISOString(),
    config,
  };
}

describe("installCredentials", () => {
  it("notebook-analysis with Kafka SASL: every login HELK made, with where it is used", () => {
    const config = configFor("notebook-analysis");
    config.kafka.sasl.enabled = true;
    const list = installCredentials(recordOf(config), SECRETS);
    expect(list.map((c) => c.id)).toEqual(["analyst", "elastic", "kibanaSystem", "writer", "notebookReader", "kafka", "jupyterToken"]);
    expect(list.find((c) => c.id === "kafka")).toMatchObject({
      user: "helk_client",
      secret: SECRETS.kafkaClientPassword,
      mechanism: "SCRAM-SHA-512",
    });
    expect(credentialsJson(list)).toMatchObject({
      elastic: { user: "elastic", password: SECRETS.elasticPassword },
      jupyterToken: SECRETS.jupyterToken,
      kafka: { mechanism: "SCRAM-SHA-512", user: "helk_client", password: SECRETS.kafkaClientPassword },
    });
  });

  it("lab: no nginx (so no analyst login), no Kibana, no SASL", () => {
    const ids = installCredentials(recordOf(configFor("lab")), SECRETS).map((c) => c.id);
    expect(ids).toEqual(["elastic", "writer", "notebookReader", "jupyterToken"]);
  });

  it("a secret an older install's state does not hold yet is left out, never shown as undefined", () => {
    const { notebookReaderPassword: _, ...older } = SECRETS;
    const list = installCredentials(recordOf(configFor("lab")), older);
    expect(list.map((c) => c.id)).not.toContain("notebookReader");
    expect(JSON.stringify(credentialsJson(list))).not.toContain("undefined");
  });

  it("the JSON and the table are one list: same logins, same secrets", () => {
    const list = installCredentials(recordOf(configFor("analysis")), SECRETS);
    const json = credentialsJson(list);
    expect(Object.keys(json)).toEqual(list.map((c) => c.id));
    for (const c of list) {
      const v = json[c.id];
      expect(typeof v === "string" ? v : v?.password).toBe(c.secret);
    }
  });
});
