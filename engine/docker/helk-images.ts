/**
 * Build the images HELK layers on top of the upstream ones (compose/helk-images.ts):
 * `docker build` of images/<folder> with BASE_IMAGE = the configured image. Each build is
 * labelled with a hash of its inputs (the folder's files and the base image's id), so an
 * install that changed nothing builds nothing, and a changed job or base rebuilds.
 */

import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { HelkConfig } from "../../compose/config/schema.js";
import { helkImagesFor } from "../../compose/helk-images.js";
import type { ServiceName } from "../../compose/profiles.js";
import { ExitCode, HelkError } from "../errors.js";
import { imagesDir } from "../host/package-root.js";
import type { InstallLog } from "../install/install-log.js";
import { dockerCli } from "./docker-cli.js";

const INPUTS_LABEL = "org.helk.inputs";

// A walk of its own: a Dirent's parent path arrived in Node 18.20 (Ubuntu 24.04 ships 18.19), and
// recursive readdir with file types lost nested entries in early 18.x (nodejs/node#48858).
function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) files.push(...filesUnder(path));
    else if (e.isFile() && !e.name.endsWith(".pyc")) files.push(path);
  }
  return files.sort();
}

/** sha256 over every file's relative path and bytes, and the base image's id. */
export function inputsHash(dir: string, baseImageId: string): string {
  const h = createHash("sha256").update(`base ${baseImageId}\n`);
  for (const file of filesUnder(dir)) h.update(`${relative(dir, file)}\n`).update(readFileSync(file));
  return h.digest("hex");
}

/** One field of a local image (`docker image inspect -f`), or undefined when the engine lacks it. */
export async function inspectImage(ref: string, format: string): Promise<string | undefined> {
  const r = await dockerCli(["image", "inspect", "-f", format, ref]);
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

export interface BuiltImage {
  tag: string;
  base: string;
  services: ServiceName[];
  built: boolean;
}

/** Build what is missing or stale; returns each image and whether it was (re)built. */
export async function buildHelkImages(
  config: HelkConfig,
  services: readonly ServiceName[],
  version: string,
  log: InstallLog,
): Promise<BuiltImage[]> {
  const out: BuiltImage[] = [];
  for (const image of helkImagesFor(config, services, version)) {
    const dir = imagesDir(image.folder);
    const baseId = await inspectImage(image.base, "{{.Id}}");
    if (!baseId) {
      throw new HelkError(`the base image ${image.base} is not on this engine`, {
        exitCode: ExitCode.failure,
        hint: `pull or load it (docker pull ${image.base}), or point images.* at an image this engine has`,
      });
    }
    const hash = inputsHash(dir, baseId);
    if ((await inspectImage(image.tag, `{{index .Config.Labels "${INPUTS_LABEL}"}}`)) === hash) {
      out.push({ tag: image.tag, base: image.base, services: image.services, built: false });
      continue;
    }
    const argv = [
      "build",
      "--build-arg",
      `BASE_IMAGE=${image.base}`,
      "--label",
      `${INPUTS_LABEL}=${hash}`,
      "--label",
      `org.helk.version=${version}`,
      "--tag",
      image.tag,
      dir,
    ];
    const r = await dockerCli(argv, { env: { BUILDKIT_PROGRESS: "plain" } });
    log.command(["docker", ...argv], { exitCode: r.exitCode, output: r.output, durationMs: r.durationMs });
    if (r.exitCode !== 0) {
      throw new HelkError(`could not build ${image.tag} from ${dir}`, {
        exitCode: ExitCode.failure,
        details: r.output.trim().split("\n").slice(-15),
        hint: `full output in ${log.path}`,
      });
    }
    out.push({ tag: image.tag, base: image.base, services: image.services, built: true });
  }
  return out;
}
