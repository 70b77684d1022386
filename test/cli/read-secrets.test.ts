/**
 * Day-2 commands read an install's secrets and never make them. Run by a user who is not root,
 * the 0700 `secrets/` folder makes the state file look absent; `verify` and `upgrade` used to read
 * it with loadOrCreateState (persist off), which then quietly generated new random passwords and
 * failed later with a confusing login error. Each command here runs as `nobody` against an install
 * home laid out as install leaves it: one error (exit 3) that names the sudo command, and the
 * state file untouched.
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../compose/config/schema.js";
import { PROFILES } from "../../compose/profiles.js";
import { generateClusterId, generateSecrets } from "../../engine/secrets.js";
import { HELK_BIN } from "../helpers/run-cli.js";

let home: string;
let dataFile: string;
let stateHash: string;
const stateFile = () => join(home, "secrets", "helk-state.json");
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "helk-secrets-"));
  chmodSync(dir, 0o711);
  home = join(dir, "home");
  mkdirSync(home, { mode: 0o755 });
  const config = defaultConfig();
  config.profile = "core";
  config.installHome = home;
  config.security.enabled = true;
  config.kafka.sasl.enabled = true;
  const services = PROFILES.find((p) => p.name === "core")?.services ?? [];
  writeFileSync(join(home, "compose.yaml"), "services: {}\n");
  writeFileSync(
    join(home, "helk.install.json"),
    JSON.stringify({
      version: "0.1.0",
      project: config.projectName,
      profile: "core",
      addons: [],
      services,
      hostIp: "127.0.0.1",
      installHome: home,
      composeFile: join(home, "compose.yaml"),
      logFile: join(dir, "helk-install.log"),
      installedAt: new Date(0).toISOString(),
      config,
    }),
  );
  // As install leaves them: a root-only folder and file.
  mkdirSync(join(home, "secrets"), { mode: 0o700 });
  writeFileSync(stateFile(), JSON.stringify({ secrets: generateSecrets(), kafkaClusterId: generateClusterId() }), { mode: 0o600 });
  stateHash = sha(stateFile());
  dataFile = join(dir, "events.json");
  writeFileSync(dataFile, '{"Hostname":"a","EventID":1}\n', { mode: 0o644 });
});

const asNobody = (args: string[]) => execa("runuser", ["-u", "nobody", "--", process.execPath, HELK_BIN, ...args], { reject: false });

describe("a day-2 command run by a user who is not root", () => {
  it.each([
    ["credentials", ["credentials"]],
    ["verify", ["verify"]],
    ["upgrade", ["upgrade", "--image", "kafka=apache/kafka:4.1.2"]],
    ["provision", ["provision"]],
    ["replay", ["replay", "--topic", "winlogbeat"]],
  ])("%s: exit 3, 'readable by root only', the sudo command, and no secret made", async (command, args) => {
    const r = await asNobody([...args, ...(command === "replay" ? [dataFile] : []), "--install-home", home]);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(3);
    expect(r.stderr).toContain(`cannot read ${stateFile()}: it is readable by root only`);
    expect(r.stderr).toContain(`sudo helk ${command}`);
    expect(r.stdout).toBe("");
    expect(sha(stateFile())).toBe(stateHash);
    expect(readdirSync(join(home, "secrets"))).toEqual(["helk-state.json"]);
  });

  it("root reads the same file (the error above is about permission, not a broken file)", async () => {
    const r = await execa(process.execPath, [HELK_BIN, "credentials", "--json", "--install-home", home], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const state = JSON.parse(readFileSync(stateFile(), "utf8")) as { secrets: { elasticPassword: string } };
    expect(r.stdout).toContain(state.secrets.elasticPassword);
  });
});
