/**
 * HELK's layer of an image (images/<folder>) built on a test fixture as `helk install` builds it
 * (BASE_IMAGE build argument, labelled with the same input hash), and reused while nothing changed.
 */
import { execa } from "execa";
import { inputsHash } from "../../engine/docker/helk-images.js";
import { imagesDir } from "../../engine/host/package-root.js";

export async function buildHelkImage(folder: string, base: string, tag: string): Promise<string> {
  const baseId = (await execa("docker", ["image", "inspect", "-f", "{{.Id}}", base])).stdout.trim();
  const hash = inputsHash(imagesDir(folder), baseId);
  const label = await execa("docker", ["image", "inspect", "-f", '{{index .Config.Labels "org.helk.inputs"}}', tag], { reject: false });
  if (label.stdout.trim() === hash) return tag;
  const old = (await execa("docker", ["image", "inspect", "-f", "{{.Id}}", tag], { reject: false })).stdout.trim();
  const r = await execa(
    "docker",
    ["build", "--build-arg", `BASE_IMAGE=${base}`, "--label", `org.helk.inputs=${hash}`, "-t", tag, imagesDir(folder)],
    { reject: false, all: true, env: { BUILDKIT_PROGRESS: "plain" } },
  );
  if (r.exitCode !== 0) throw new Error(`docker build of ${tag} failed:\n${r.all?.split("\n").slice(-30).join("\n")}`);
  // The build it replaced, so that rebuilds after a change do not pile up (shared layers stay).
  if (old) await execa("docker", ["image", "rm", old], { reject: false });
  return tag;
}
