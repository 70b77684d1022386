/**
 * When does a start need Elasticsearch alone first? With security on, before anything that logs
 * in with a login HELK sets; with security off too, before anything that creates HELK's indices by
 * writing (an index made before its template keeps Elasticsearch's defaults: one replica, a
 * yellow single node, and dynamic mappings).
 */
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../compose/config/schema.js";
import { needsLoginsFirst } from "../../engine/install/service-logins.js";

const config = (security: boolean, external = false) => {
  const c = defaultConfig();
  c.security.enabled = security;
  if (external) c.elasticsearch.external = { nodes: ["https://127.0.0.1:9200"] } as never;
  return c;
};
const LAB = ["kafka", "elasticsearch", "stream-join", "jupyter"];
const CORE = ["kafka", "elasticsearch", "logstash", "kibana", "nginx"];

describe("needsLoginsFirst", () => {
  it.each([
    ["security on, core install", true, CORE, [], true],
    ["security on, lab install (the join logs in as the writer)", true, LAB, [], true],
    ["security off, core install (Logstash writes HELK's indices)", false, CORE, [], true],
    ["security off, lab install (the join writes sysmon-join)", false, LAB, [], true],
    ["security off, starting Kibana alone (writes no HELK index)", false, CORE, ["kibana"], false],
    ["security on, starting Kibana alone (logs in as kibana_system)", true, CORE, ["kibana"], true],
    ["security off, starting Elasticsearch of an install with writers", false, LAB, ["elasticsearch"], true],
    ["security off, an install with no writer", false, ["kafka", "elasticsearch", "kibana"], [], false],
    ["no Elasticsearch in the install", true, ["kafka", "stream-join"], [], false],
  ] as const)("%s → %s", (_name, security, installed, starting, expected) => {
    expect(needsLoginsFirst(config(security), installed, starting)).toBe(expected);
  });

  it("never for an external cluster: its templates and users are provisioned, not its start order", () => {
    expect(needsLoginsFirst(config(true, true), CORE)).toBe(false);
    expect(needsLoginsFirst(config(false, true), LAB)).toBe(false);
  });
});
