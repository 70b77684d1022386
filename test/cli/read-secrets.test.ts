/**
 * Day-2 commands run by a user who is not root, against an install home laid out as install leaves
 * it (root's 0755 home, a 0700 secrets/ folder). Each one either needs nothing root has (a member
 * of the docker group may run status, logs, stop, down, doctor) or stops before any effect with one
 * error: exit 3 and the sudo command (engine/host/user-access.ts says which needs what).
 *
 * The bug this began with: `verify` and `upgrade` read the secrets with loadOrCreateState (persist
 * off); as a user who is not root the state file looked absent, and new random passwords were
 * quietly made, failing later with a confusing login error. "Creates nothing" is checked by listing
 * the install home, its parent and the bundle path before and after each command.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../compose/config/schema.js";
import { PROFILES } from "../../compose/profiles.js";
import { generateClusterId, generateSecrets } from "../../engine/secrets.js";
import { HELK_BIN } from "../helpers/run-cli.js";

let dir: string;
let home: string;
let dataFile: string;
const bundle = join(tmpdir(), `helk-nobody-bundle-${process.pid}.tar.gz`);
const stateFile = () => join(home, "secrets", "helk-state.json");
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Every path under root with its mode, size and content hash: any file made, changed or removed shows. */
function tree(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: "utf8" })
    .sort()
    .map((rel) => {
      const p = join(root, rel);
      const st = statSync(p);
      return `${rel} ${st.mode.toString(8)} ${st.isFile() ? `${st.size} ${sha(p)}` : "dir"}`;
    });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "helk-secrets-"));
  chmodSync(dir, 0o711);
  home = join(dir, "home");
  mkdirSync(home, { mode: 0o755 });
  const config = defaultConfig();
  config.profile = "core";
  // A project nobody else runs: a check that let a command through could only reach an empty one.
  config.projectName = `helk-nobody-${process.pid}`;
  config.installHome = home;
  config.security.enabled = true;
  config.kafka.sasl.enabled = true;
  const services = PROFILES.find((p) => p.name === "core")?.services ?? [];
  writeFileSync(join(home, "compose.yaml"), `services:\n${services.map((s) => `  ${s}: { image: "busybox" }\n`).join("")}`);
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
  dataFile = join(tmpdir(), `helk-nobody-events-${process.pid}.json`);
  writeFileSync(dataFile, '{"Hostname":"a","EventID":1}\n', { mode: 0o644 });
});

const asNobody = (args: string[], group?: string) =>
  execa("runuser", ["-u", "nobody", ...(group ? ["-g", group] : []), "--", process.execPath, HELK_BIN, ...args, "--install-home", home], {
    reject: false,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    extendEnv: false,
  });

const secretsError = () => `cannot read ${stateFile()}: it is readable by root only`;
const homeError = () => `cannot change ${home}: it belongs to root`;
const dockerError = "cannot use Docker at /var/run/docker.sock: permission denied";

/** [command, its arguments, why it needs root] */
type Case = [string, string[], () => string];
const SECRETS: Case[] = [
  ["credentials", [], secretsError],
  ["verify", [], secretsError],
  ["provision", [], secretsError],
  ["replay", ["--topic", "winlogbeat"], secretsError],
  ["doctor", ["--bundle", bundle], secretsError],
];
const WRITES_HOME: Case[] = [
  ["upgrade", ["--image", "kafka=apache/kafka:4.1.2"], homeError],
  ["reconfigure", ["--host-ip", "127.0.0.2"], homeError],
  ["uninstall", ["--force"], homeError],
];
const DOCKER_ONLY: Case[] = [
  ["status", [], () => dockerError],
  ["logs", [], () => dockerError],
  ["stop", [], () => dockerError],
  ["down", [], () => dockerError],
  ["doctor", [], () => dockerError],
  // They also need the secrets (Elasticsearch first, with the services' logins): Docker is asked first.
  ["start", [], () => dockerError],
  ["restart", [], () => dockerError],
];

async function expectRefused(command: string, args: string[], message: string, group?: string): Promise<void> {
  const before = [tree(dir), existsSync(bundle)];
  const r = await asNobody([command, ...args, ...(command === "replay" ? [dataFile] : [])], group);
  expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(3);
  expect(r.stderr).toContain(message);
  expect(r.stderr).toContain(`sudo helk ${command}`);
  expect(r.stdout).toBe("");
  expect([tree(dir), existsSync(bundle)], "the command created, changed or removed a file").toEqual(before);
}

describe("a day-2 command run by a user who is not root and not in the docker group", () => {
  it.each([...SECRETS, ...WRITES_HOME, ...DOCKER_ONLY])(
    "%s %j: exit 3, why, the sudo command, and nothing created",
    async (command, args, why) => {
      await expectRefused(command, args, why());
    },
  );

  it("root reads the same file (the error above is about permission, not a broken file)", async () => {
    const r = await execa(process.execPath, [HELK_BIN, "credentials", "--json", "--install-home", home], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const state = JSON.parse(readFileSync(stateFile(), "utf8")) as { secrets: { elasticPassword: string } };
    expect(r.stdout).toContain(state.secrets.elasticPassword);
  });
});

// A member of the docker group reaches Docker, so only what root alone has stops it; where the
// machine has no docker group or engine these are skipped.
const dockerGroup = existsSync("/var/run/docker.sock") && statSync("/var/run/docker.sock").gid !== 0;
describe.runIf(dockerGroup)("a day-2 command run by a member of the docker group who is not root", () => {
  const group = () => {
    const gid = statSync("/var/run/docker.sock").gid;
    return readFileSync("/etc/group", "utf8")
      .split("\n")
      .find((l) => l.split(":")[2] === String(gid))
      ?.split(":")[0] as string;
  };

  it.each([...SECRETS, ...WRITES_HOME, ["start", [], secretsError] as Case, ["restart", [], secretsError] as Case])(
    "%s %j: still exit 3 for what only root has, before touching Docker",
    async (command, args, why) => {
      await expectRefused(command, args, why(), group());
    },
  );

  it("status works without root: it needs Docker only (exit 6: this project runs no container)", async () => {
    const before = tree(dir);
    const r = await asNobody(["status", "--no-probes", "--json"], group());
    expect(r.exitCode, r.stderr).toBe(6);
    expect(JSON.parse(r.stdout)).toMatchObject({ healthy: false });
    expect(r.stderr).not.toContain("sudo");
    expect(tree(dir)).toEqual(before);
  });
});
