/**
 * Air-gapped images on the real engine: `helk images save` writes exactly the profile's
 * images with checksums; a damaged archive loads nothing (exit 9); a good one restores every
 * tag with its id; `helk install --images-from` installs from it on an engine that lacked them.
 * The images are tags of the stand-ins made for this test, so removing them costs nothing.
 */
import { readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helk } from "../helpers/run-cli.js";
import { createTestStack, requireStandinImages, STANDIN, type TestStack } from "../helpers/test-stack.js";

const TAG = `helktest-air-${process.pid}`;
const A = `${TAG}/standin:1`;
// A second, distinct image (its own id) for Kafka: the archive then holds two.
const B = `${TAG}/standin-other:1`;
let stack: TestStack;

const idOf = async (ref: string) => {
  const r = await execa("docker", ["image", "inspect", "-f", "{{.Id}}", ref], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
};
const untag = () => execa("docker", ["image", "rm", A, B], { reject: false });

describe.sequential("helk images save / load / install --images-from", () => {
  beforeAll(async () => {
    await requireStandinImages();
    await execa("docker", ["tag", STANDIN, A]);
    // A label on top gives the same stand-in an id of its own.
    await execa("docker", ["build", "-q", "-t", B, "-"], { input: `FROM ${STANDIN}\nLABEL org.helk.test=air\n` });
    const images = Object.fromEntries(
      ["kafka", "elasticsearch", "logstash", "kibana", "nginx", "ksqldb", "ksqldbCli", "jupyter", "elastalert"].map((s) => [s, A]),
    );
    // Security off: every image here is the stand-in, and no login is set on a stand-in Elasticsearch.
    stack = createTestStack("air", "core", { images: { ...images, kafka: B }, security: { enabled: false } });
  });
  afterAll(async () => {
    await stack?.cleanup();
    await untag();
  });

  const archive = () => join(stack.dir, "helk-images.tar");

  it("lists the profile's upstream images and HELK's layers", async () => {
    const r = await helk(["images", "list", "--json", ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { upstream: string[]; built: string[] };
    expect(list.upstream.sort()).toEqual([A, B].sort());
    expect(list.built).toEqual([`${stack.project}/logstash:0.1.0`, `${stack.project}/kibana:0.1.0`]);
  });

  it("saves exactly them, one entry per image id, with sha256 and size", async () => {
    const r = await helk(["images", "save", archive(), "--json", ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as { profile: string; images: { refs: string[]; id: string; sha256: string; bytes: number }[] };
    expect(m.profile).toBe("core");
    expect(m.images.map((i) => i.refs.join(",")).sort()).toEqual([A, B].sort());
    for (const i of m.images) {
      expect(i.id).toBe(await idOf(i.refs[0] as string));
      expect(i.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(i.bytes).toBeGreaterThan(10_000_000);
    }
    expect(statSync(archive()).size).toBeGreaterThan(m.images.reduce((s, i) => s + i.bytes, 0));
  });

  it("an altered archive: exit 9 naming the image, and nothing is loaded", async () => {
    await untag();
    const bad = join(stack.dir, "altered.tar");
    const bytes = readFileSync(archive());
    // A byte inside the first image's data (past the manifest and the tar headers).
    const at = Math.floor(bytes.length / 4);
    bytes[at] = (bytes[at] as number) ^ 0xff;
    writeFileSync(bad, bytes);
    const r = await helk(["images", "load", bad]);
    expect(r.exitCode).toBe(9);
    expect(r.stderr).toMatch(/is not a usable HELK image archive: images\/\d\.tar \(.+\) has sha256 [0-9a-f]{12}\.\.\., the manifest says/);
    expect(await idOf(A)).toBeUndefined();
    expect(await idOf(B)).toBeUndefined();
  });

  it("a truncated archive: exit 9, nothing loaded", async () => {
    const cut = join(stack.dir, "truncated.tar");
    writeFileSync(cut, readFileSync(archive()));
    truncateSync(cut, Math.floor(statSync(cut).size * 0.7));
    const r = await helk(["images", "load", cut]);
    expect(r.exitCode).toBe(9);
    expect(r.stderr).toContain("is not a usable HELK image archive");
    expect(await idOf(A)).toBeUndefined();
  });

  it("install --images-from verifies and loads them, then installs with them", async () => {
    const r = await helk(["install", "--non-interactive", "--yes", "--skip-provision", "--images-from", archive(), ...stack.flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await idOf(A)).toMatch(/^sha256:/);
    expect(await idOf(B)).toMatch(/^sha256:/);
    expect(readFileSync(stack.logFile, "utf8")).toContain(`[images] 2 images verified from ${archive()}`);
    const kafka = await execa("docker", ["inspect", "-f", "{{.Config.Image}}", `${stack.project}-kafka-1`]);
    expect(kafka.stdout).toBe(B);
  });

  it("loading again finds every image present and loads nothing", async () => {
    const r = await helk(["images", "load", archive()]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`present ${A}`);
    expect(r.stdout).toContain("all 2 images verified (sha256 and id)");
  });

  it("save refuses when an image of the profile is not on the engine", async () => {
    const r = await helk(["images", "save", join(stack.dir, "x.tar"), "--image", `elasticsearch=${TAG}/missing:1`, ...stack.flags]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`not on this engine, so not saved: ${TAG}/missing:1`);
  });
});
