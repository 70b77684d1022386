/**
 * With security off no login has to exist before the services start, but HELK's templates still
 * do: the Spark join writes `helk-stream-status` within seconds of starting, and an index made
 * before its template keeps Elasticsearch's defaults for good (one replica, so a single node
 * stays yellow; dynamic mappings). Before the Elasticsearch-first phase ran with security off,
 * templates went in only at provisioning, after every service was healthy.
 */
import { readFileSync } from "node:fs";
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helk } from "../helpers/run-cli.js";
import { createTestStack, JUPYTER_FIXTURE, requireLabImages, type TestStack } from "../helpers/test-stack.js";

let stack: TestStack;
let es: Client;

describe.sequential("security off: HELK's templates are in before the services that write start", () => {
  beforeAll(async () => {
    await requireLabImages();
    stack = createTestStack("tplfirst", "lab", {
      images: { jupyter: JUPYTER_FIXTURE },
      security: { enabled: false },
      timeouts: { healthSeconds: 240 },
    });
    es = new Client({ node: `http://127.0.0.1:${stack.ports.elasticsearch}` });
  });
  afterAll(async () => {
    await es?.close();
    await stack?.cleanup();
  });

  it("the install log shows the templates set before the full `up`", async () => {
    const r = await helk(["install", "--non-interactive", "--yes", "--json", ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    const log = readFileSync(stack.logFile, "utf8");
    const template = log.indexOf("[logins] index template helk-stream-status");
    const fullUp = log.search(/up -d --remove-orphans/);
    expect(template, log.slice(-2000)).toBeGreaterThan(-1);
    expect(fullUp).toBeGreaterThan(template);
    // No login was made: security is off.
    expect(log).not.toMatch(/\[logins\] user /);
  });

  it("the join's first index took its template: no replica, and the node is green", async () => {
    const settings = await es.indices.getSettings({ index: "helk-stream-status" });
    const index = Object.values(settings)[0]?.settings?.index;
    expect(index?.number_of_replicas).toBe("0");
    expect((await es.cluster.health({ wait_for_status: "green", timeout: "30s" })).status).toBe("green");
  });
});
