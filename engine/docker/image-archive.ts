/**
 * Air-gapped images: `helk images save FILE` writes exactly the images a profile runs (the
 * configured upstream images and, where built, HELK's own layers) into one tar with a
 * manifest of sha256 checksums; `helk images load FILE` verifies every image's checksum and
 * id before handing it to `docker load`, so a truncated or altered archive loads nothing.
 *
 * Layout: manifest.json first, then images/<n>.tar, one `docker save` per distinct image id
 * (several refs can share one id: each appears once, with all its refs).
 */

import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import type { HelkConfig } from "../../compose/config/schema.js";
import { helkImagesFor } from "../../compose/helk-images.js";
import { imageKeyOf, servicesFor } from "../../compose/profiles.js";
import { ExitCode, HelkError } from "../errors.js";
import { dockerCli } from "./docker-cli.js";
import { inspectImage } from "./helk-images.js";

export const ARCHIVE_FORMAT = "helk-images/1";

export interface ArchivedImage {
  /** Every ref that names this image (`docker load` restores them all). */
  refs: string[];
  /** The image id, sha256:... */
  id: string;
  /** Path inside the archive. */
  file: string;
  sha256: string;
  bytes: number;
}

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  helkVersion: string;
  profile: string;
  addons: string[];
  createdAt: string;
  images: ArchivedImage[];
}

/** The refs an install of this config runs: upstream images, then HELK's builds. */
export function profileImageRefs(config: HelkConfig, version: string): { upstream: string[]; built: string[] } {
  const services = servicesFor(config);
  return {
    upstream: [...new Set(services.map((s) => config.images[imageKeyOf(s)]))],
    built: helkImagesFor(config, services, version).map((b) => b.tag),
  };
}

const imageId = (ref: string) => inspectImage(ref, "{{.Id}}");

/** Counts and hashes what passes through. */
class Digest extends Transform {
  readonly hash = createHash("sha256");
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

export interface SaveOptions {
  config: HelkConfig;
  version: string;
  file: string;
  /** Built images are optional (an air-gapped install can rebuild them from the bases). */
  onProgress?: (message: string) => void;
  now?: () => Date;
}

export async function saveImages(o: SaveOptions): Promise<ArchiveManifest> {
  const { upstream, built } = profileImageRefs(o.config, o.version);
  const missing: string[] = [];
  const byId = new Map<string, string[]>();
  for (const ref of upstream) {
    const id = await imageId(ref);
    if (!id) missing.push(ref);
    else byId.set(id, [...(byId.get(id) ?? []), ref]);
  }
  if (missing.length) {
    throw new HelkError(`not on this engine, so not saved: ${missing.join(", ")}`, {
      exitCode: ExitCode.failure,
      hint: "pull them first (docker pull REF) on a machine with registry access, or point images.* at images this engine has",
    });
  }
  for (const ref of built) {
    const id = await imageId(ref);
    if (id) byId.set(id, [...(byId.get(id) ?? []), ref]);
  }

  const work = mkdtempSync(join(dirname(o.file), ".helk-images-"));
  try {
    const images: ArchivedImage[] = [];
    let n = 0;
    for (const [id, refs] of byId) {
      const file = `images/${++n}.tar`;
      const local = join(work, `${n}.tar`);
      o.onProgress?.(`saving ${refs.join(", ")}`);
      const r = await dockerCli(["save", "-o", local, ...refs]);
      if (r.exitCode !== 0) throw new HelkError(`docker save ${refs.join(" ")} failed: ${r.output.trim().split("\n").at(-1)}`);
      const hash = createHash("sha256");
      let bytes = 0;
      for await (const chunk of createReadStream(local)) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
      images.push({ refs, id, file, sha256: hash.digest("hex"), bytes });
    }
    const manifest: ArchiveManifest = {
      format: ARCHIVE_FORMAT,
      helkVersion: o.version,
      profile: o.config.profile,
      addons: o.config.addons,
      createdAt: (o.now?.() ?? new Date()).toISOString(),
      images,
    };
    // Written beside the target and renamed at the end: an interrupted save leaves no
    // half-archive under the requested name.
    const partial = `${o.file}.partial`;
    const pack = tar.pack();
    const out = pipeline(pack, createWriteStream(partial, { mode: 0o644 }));
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    pack.entry({ name: "manifest.json", size: Buffer.byteLength(manifestText) }, manifestText);
    for (const [i, image] of images.entries()) {
      o.onProgress?.(`writing ${image.file} (${(image.bytes / 1e6).toFixed(0)} MB)`);
      const entry = pack.entry({ name: image.file, size: image.bytes });
      await pipeline(createReadStream(join(work, `${i + 1}.tar`)), entry);
    }
    pack.finalize();
    await out;
    renameSync(partial, o.file);
    return manifest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function corrupt(file: string, what: string): HelkError {
  return new HelkError(`${file} is not a usable HELK image archive: ${what}`, {
    exitCode: ExitCode.corruptInput,
    hint: "copy it again (compare its size with the source), or save it again with `helk images save`",
  });
}

export interface LoadResult {
  manifest: ArchiveManifest;
  loaded: { refs: string[]; id: string; skipped: boolean }[];
}

type Extracted = Map<string, { path: string; sha256: string; bytes: number }>;

/**
 * Unpack the archive into `work`: its manifest (the first entry) and each image file with the
 * sha256 and size of what was read, hashed as it streams to disk.
 */
async function extractArchive(
  file: string,
  work: string,
  onProgress?: (message: string) => void,
): Promise<{ manifest: ArchiveManifest; extracted: Extracted }> {
  let manifest: ArchiveManifest | undefined;
  const extracted: Extracted = new Map();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      if (header.name === "manifest.json") {
        const chunks: Buffer[] = [];
        stream.on("data", (c: unknown) => chunks.push(c as Buffer));
        stream.on("end", () => {
          try {
            manifest = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ArchiveManifest;
          } catch {
            reject(corrupt(file, "its manifest.json is not JSON"));
            return;
          }
          next();
        });
        return;
      }
      if (!manifest) {
        reject(corrupt(file, "manifest.json is not its first entry"));
        stream.resume();
        return;
      }
      const target = join(work, `${extracted.size + 1}.tar`);
      const digest = new Digest();
      onProgress?.(`checking ${header.name}`);
      pipeline(stream, digest, createWriteStream(target))
        .then(() => {
          extracted.set(header.name, { path: target, sha256: digest.hash.digest("hex"), bytes: digest.bytes });
          next();
        })
        .catch(reject);
    });
    extract.on("finish", resolve);
    extract.on("error", (err: Error) => reject(corrupt(file, err.message)));
  });
  await Promise.all([pipeline(createReadStream(file), extract).catch((err: Error) => Promise.reject(corrupt(file, err.message))), done]);
  if (!manifest) throw corrupt(file, "it has no manifest.json");
  return { manifest, extracted };
}

/** Every image checked against the manifest before any is loaded: a bad archive changes nothing on the engine. */
function checkImages(file: string, m: ArchiveManifest, extracted: Extracted): void {
  if (m.format !== ARCHIVE_FORMAT) throw corrupt(file, `format ${String(m.format)}, expected ${ARCHIVE_FORMAT}`);
  for (const image of m.images) {
    const got = extracted.get(image.file);
    if (!got) throw corrupt(file, `${image.file} (${image.refs.join(", ")}) is missing: the archive is truncated`);
    if (got.bytes !== image.bytes || got.sha256 !== image.sha256) {
      throw corrupt(
        file,
        `${image.file} (${image.refs.join(", ")}) has sha256 ${got.sha256.slice(0, 12)}..., the manifest says ${image.sha256.slice(0, 12)}...`,
      );
    }
  }
}

/** `docker load` each checked image whose refs do not already have its id, then check the id it got. */
async function loadChecked(
  file: string,
  m: ArchiveManifest,
  extracted: Extracted,
  onProgress?: (message: string) => void,
): Promise<LoadResult["loaded"]> {
  const loaded: LoadResult["loaded"] = [];
  for (const image of m.images) {
    const present = await Promise.all(image.refs.map(imageId));
    if (present.every((id) => id === image.id)) {
      loaded.push({ refs: image.refs, id: image.id, skipped: true });
      continue;
    }
    onProgress?.(`loading ${image.refs.join(", ")}`);
    const r = await dockerCli(["load", "-i", (extracted.get(image.file) as { path: string }).path]);
    if (r.exitCode !== 0) throw new HelkError(`docker load of ${image.refs.join(", ")} failed: ${r.output.trim().split("\n").at(-1)}`);
    const after = await Promise.all(image.refs.map(imageId));
    if (!after.every((id) => id === image.id))
      throw corrupt(file, `${image.refs.join(", ")} loaded with id ${after.join(", ")}, not ${image.id}`);
    loaded.push({ refs: image.refs, id: image.id, skipped: false });
  }
  return loaded;
}

/**
 * Verifies each image's sha256 while extracting it to a temporary file, then loads it and
 * checks the id. Images already present with the same id are not loaded again.
 */
export async function loadImages(file: string, onProgress?: (message: string) => void): Promise<LoadResult> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new HelkError(`no such file: ${file}`, { exitCode: ExitCode.usage, hint: "pass the archive `helk images save` wrote" });
  }
  if (size === 0) throw corrupt(file, "it is empty");
  const work = mkdtempSync(join(dirname(file), ".helk-load-"));
  try {
    const { manifest, extracted } = await extractArchive(file, work, onProgress);
    checkImages(file, manifest, extracted);
    return { manifest, loaded: await loadChecked(file, manifest, extracted, onProgress) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
