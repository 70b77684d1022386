/**
 * The README's first command on a fresh Debian 12 (issue 19, point 11). A container from
 * debootstrap's minbase with nothing installed but Debian's own packages gets a clean copy of
 * the repository (what a clone of the working tree holds: no node_modules, no dist), runs
 * `bash scripts/setup-host.sh` for real, then helk on Debian's own Node.js 18.
 *
 * The Docker engine is the host's, through its socket: setup-host.sh finds `docker info`
 * answering and starts no dockerd, but still installs docker.io (the CLI) and Compose. It
 * builds the Compose v2 plugin only where Go is installed, which a fresh Debian is not: the
 * script falls back to Debian's docker-compose v1, and so does this test.
 *
 * What the image adds to the fresh Debian only spares downloads (scripts/build-fresh-debian-image.sh):
 * Debian's .deb files, not installed, and an npm cache filled on the host, which npm reads
 * offline here (containers on the build machines cannot verify the npm registry's certificate).
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const IMAGE = "helk-test/fresh-debian:1";
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NAME = `helk-fresh-debian-${process.pid}`;
/** Where the user cloned HELK, inside the container. */
const CLONE = "/root/helk";
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
  all: string;
}

/** A shell command in the container, from the clone, as root (as `sudo` would run it). */
async function inside(command: string): Promise<Run> {
  const r = await execa("docker", ["exec", "-w", CLONE, NAME, "bash", "-c", command], { reject: false, all: true, stdin: "ignore" });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, all: r.all ?? "" };
}

/** The working tree's tracked and new files (what `git clone` of it would hold), as a tar file. */
async function cleanCopy(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "helk-fresh-"));
  const listed = (await execa("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT })).stdout;
  writeFileSync(join(dir, "files"), listed);
  // A file deleted but not yet committed is still listed by git: tar skips it.
  await execa("tar", ["-C", ROOT, "--null", "--ignore-failed-read", "-T", join(dir, "files"), "-cf", join(dir, "clone.tar")]);
  return dir;
}

let copyDir = "";

beforeAll(async () => {
  const built = await execa("bash", ["scripts/build-fresh-debian-image.sh"], { cwd: ROOT, reject: false, all: true });
  if (built.exitCode !== 0) throw new Error(`scripts/build-fresh-debian-image.sh failed:\n${built.all}`);
  await execa("docker", ["rm", "-f", NAME], { reject: false });
  await execa("docker", [
    "run",
    "-d",
    "--name",
    NAME,
    "-v",
    "/var/run/docker.sock:/var/run/docker.sock",
    "-e",
    "npm_config_offline=true",
    IMAGE,
    "sleep",
    "infinity",
  ]);
  copyDir = await cleanCopy();
  await execa("docker", ["exec", "-i", NAME, "bash", "-c", `mkdir -p ${CLONE} && tar -xf - -C ${CLONE}`], {
    inputFile: join(copyDir, "clone.tar"),
  });
  // A cold image build (Debian's .deb files and the npm cache) takes minutes on a busy machine.
}, 900_000);

afterAll(async () => {
  await execa("docker", ["rm", "-f", NAME], { reject: false });
  if (copyDir) rmSync(copyDir, { recursive: true, force: true });
});

describe("the README's first command on a fresh Debian 12 (only Debian's packages)", () => {
  it("starts fresh: no node, npm or docker on PATH; the copy has no node_modules or dist", async () => {
    const r = await inside(
      "for c in node npm docker docker-compose; do command -v $c && echo has $c; done; ls -d node_modules dist 2>/dev/null; test -f scripts/setup-host.sh && echo copy-ok",
    );
    expect(r.stdout.trim()).toBe("copy-ok");
  });

  it("scripts/setup-host.sh installs Debian's nodejs, npm, docker.io and docker-compose, builds helk and exits 0", async () => {
    const r = await inside("bash scripts/setup-host.sh");
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/\[setup\] installing [^\n]*\bdocker\.io\b[^\n]*\bnodejs\b/);
    expect(r.all).toMatch(/\[setup\] installing npm\b/);
    expect(r.all).toMatch(/\[setup\] node: v18\.\d+\.\d+ \(\/usr\/bin\/node\), npm 9\./);
    // No Go on a fresh Debian, so no Compose v2 build: Debian's v1, which helk supports.
    expect(r.all).toMatch(/\[setup\] compose: docker-compose 1\.\d+\.\d+ \(v1 fallback\)/);
    // The host's engine answered through the socket: the script must not start its own.
    expect(r.all).not.toMatch(/starting dockerd/);
    expect(r.all).toMatch(/\[setup\] helk is on PATH: \/usr\/local\/bin\/helk/);
    // Each from Debian's archive (the versions carry Debian's revision); dpkg-query: name, tab, version.
    const pkgs = await inside("dpkg-query -W nodejs npm docker.io docker-compose");
    expect(pkgs.exitCode, pkgs.all).toBe(0);
    expect(pkgs.stdout).toMatch(/^nodejs\t18\.\d+\.\d+\+dfsg-[^\n]*deb12/m);
    expect(pkgs.stdout).toMatch(/^npm\t9\.\d+\.\d+~ds1-/m);
    expect(pkgs.stdout).toMatch(/^docker\.io\t20\.10\.\d+\+dfsg1-/m);
    expect(pkgs.stdout).toMatch(/^docker-compose\t1\.\d+\.\d+-/m);
  }, 900_000);

  it("node is Debian's 18.x, and helk on PATH runs with it", async () => {
    const r = await inside('node --version; command -v node; dpkg -S "$(readlink -f "$(command -v node)")"; head -n1 "$(command -v helk)"');
    expect(r.exitCode, r.all).toBe(0);
    const [version, path, owner, shebang] = r.stdout.trim().split("\n");
    expect(version).toMatch(/^v18\.\d+\.\d+$/);
    expect(path).toBe("/usr/bin/node");
    expect(owner).toMatch(/^nodejs: /);
    expect(shebang).toBe("#!/usr/bin/env node");
  });

  it("helk --version prints the package's version", async () => {
    const r = await inside("helk --version");
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it("helk --help lists the commands and warns about nothing", async () => {
    const r = await inside("helk --help");
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/^Usage: helk /);
    for (const command of ["install", "status", "logs", "profiles", "doctor"])
      expect(r.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    expect(r.stderr).toBe("");
  });

  it("helk profiles --json describes every profile", async () => {
    const r = await inside("helk profiles --json");
    expect(r.exitCode, r.all).toBe(0);
    const out = JSON.parse(r.stdout) as { profiles: { name: string; services: string[] }[] };
    expect(out.profiles.map((p) => p.name)).toEqual(["lab", "core", "analysis", "notebook-analysis"]);
    expect(out.profiles.find((p) => p.name === "analysis")?.services).toContain("ksqldb-server");
  });

  it("helk install --dry-run --yes --profile analysis --output /tmp/preview renders files docker-compose accepts", async () => {
    const r = await inside("helk install --dry-run --yes --profile analysis --output /tmp/preview");
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toMatch(/validate: done \(accepted by docker-compose 1\.\d+\.\d+\)/);
    expect(r.stdout).toMatch(/Dry run: files written to \/tmp\/preview; nothing was started/);
    const services = await inside(
      "docker-compose -f /tmp/preview/compose.yaml config --services | sort; stat -c '%a %n' /tmp/preview/secrets/elasticsearch.env",
    );
    expect(services.exitCode, services.all).toBe(0);
    const lines = services.stdout.trim().split("\n");
    expect(lines).toEqual(expect.arrayContaining(["elasticsearch", "kafka", "kibana", "ksqldb-server", "logstash", "nginx"]));
    expect(lines).toContain("600 /tmp/preview/secrets/elasticsearch.env");
  });

  it("every chunk of the bundle loads on Debian's Node 18 (each builtin it imports exists there)", async () => {
    // `helk --help` loads only a few chunks; the others (kafkajs, @platformatic/kafka, the Elasticsearch
    // client, listr2) would fail only when a command needs them. dist/ is CommonJS, where a builtin
    // export Node 18 lacks is undefined until called; the build's ES modules, before they become
    // CommonJS (scripts/build.mjs --esm-out), fail to load on one. So: each ES module chunk
    // imported, then each chunk of dist/ required.
    const r = await inside(
      `node scripts/build.mjs --esm-out ${CLONE}/dist-esm >/dev/null && node --input-type=module -e 'import { readdirSync } from "node:fs";
       import { createRequire } from "node:module";
       const load = async (dir, how) => { let n = 0;
         for (const f of readdirSync(dir)) if (f.endsWith(".js")) { await how(dir + f); n++; }
         return n; };
       const esm = await load("${CLONE}/dist-esm/chunks/", (f) => import(f));
       const cjs = await load("${CLONE}/dist/chunks/", createRequire("${CLONE}/dist/helk.js"));
       console.log(esm, cjs);'`,
    );
    expect(r.exitCode, r.all).toBe(0);
    const [esm, cjs] = r.stdout.trim().split(" ").map(Number);
    expect(esm).toBeGreaterThan(5);
    expect(cjs).toBe(esm);
    expect(r.stderr).toBe("");
  });
});
