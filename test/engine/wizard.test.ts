/** The install wizard through a real pseudo-terminal, end to end on the real engine. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELK_BIN } from "../helpers/run-cli.js";
import { containerIds, createTestStack, requireStandinImages, type TestStack } from "../helpers/test-stack.js";

const DRIVER = fileURLToPath(new URL("../helpers/pty-drive.py", import.meta.url));
const UP = "\u001b[A";

describe.sequential("helk install in a terminal", () => {
  let stack: TestStack;
  beforeAll(async () => {
    await requireStandinImages();
    // The config file carries what a test needs (images, ports, home); the wizard asks the rest.
    stack = createTestStack("wizard", "analysis");
  });
  afterAll(() => stack.cleanup());

  it("asks profile, host IP, user, password, alerting; confirms; installs with live progress", async () => {
    const script = join(stack.dir, "answers.json");
    writeFileSync(
      script,
      JSON.stringify([
        // 24 GiB recommends notebook-analysis (the last entry); two steps up is core.
        { expect: "Build profile", send: `${UP}${UP}` },
        { expect: "core", send: "\r", delay: 0.5 },
        { expect: "Host IP", send: "\r" },
        { expect: "user name", send: "\r" },
        { expect: "Password for that user", send: "WizardPass123\r" },
        { expect: "Add alerting", send: "n\r" },
        { expect: "Install profile core", send: "\r" },
        { expect: "HELK is up.", timeout: 240 },
      ]),
    );
    const r = await execa("python3", [DRIVER, script, "--", process.execPath, HELK_BIN, "install", ...stack.flags], {
      reject: false,
      timeout: 300_000,
    });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("Preflight checks");
    expect(r.stdout).toContain("password WizardPass123");
    expect(Object.keys(await containerIds(stack.project)).sort()).toEqual(["elasticsearch", "kafka", "kibana", "logstash", "nginx"]);
    // The typed password is the one nginx now accepts, and Kibana behind it too (nginx forwards
    // the login; Kibana checks it against Elasticsearch, where provisioning made the analyst).
    const code = async (login: string) =>
      (
        await execa("curl", [
          "-sk",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          "-u",
          login,
          `https://127.0.0.1:${stack.ports.https}/api/status`,
        ])
      ).stdout;
    expect(await code("helk:WizardPass123")).toBe("200");
    expect(await code("helk:not-the-password")).toBe("401");
    expect(stack.secrets().analystPassword).toBe("WizardPass123");
  });

  it("without a terminal it never prompts", async () => {
    const r = await execa(
      process.execPath,
      [HELK_BIN, "install", "--install-home", join(stack.dir, "h2"), "--log-file", join(stack.dir, "l2")],
      {
        reject: false,
        stdin: "ignore",
        timeout: 20_000,
      },
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("no profile chosen");
  });
});
