/** `helk images list|save|load`: the profile's images, and archives of them for air-gapped sites. */
import { loadConfig } from "../../engine/config-loader.js";
import { loadImages, profileImageRefs, saveImages } from "../../engine/docker/image-archive.js";
import { ExitCode, HelkError } from "../../engine/errors.js";
import { VERSION } from "../../engine/host/version.js";
import { type ConfigFlagValues, configFlagAssignments } from "../config-flags.js";
import { type Printer, printJson, table } from "../output.js";

function configOf(opts: ConfigFlagValues) {
  return loadConfig({ ...(opts.config ? { configFile: opts.config } : {}), flags: configFlagAssignments(opts) }).value;
}

export async function runImagesList(opts: ConfigFlagValues & { json?: boolean }, printer: Printer): Promise<number> {
  const config = configOf(opts);
  const refs = profileImageRefs(config, VERSION);
  if (opts.json) printJson(printer, { profile: config.profile, addons: config.addons, ...refs });
  else {
    printer.out(
      table(
        ["IMAGE", "KIND"],
        [...refs.upstream.map((r) => [r, "upstream (images.*)"]), ...refs.built.map((r) => [r, "HELK's layer, built at install"])],
      ),
    );
  }
  return ExitCode.ok;
}

export async function runImagesSave(file: string, opts: ConfigFlagValues & { json?: boolean }, printer: Printer): Promise<number> {
  const config = configOf(opts);
  const manifest = await saveImages({ config, version: VERSION, file, onProgress: (m) => printer.err(m) });
  if (opts.json) printJson(printer, manifest);
  else {
    const mb = manifest.images.reduce((sum, i) => sum + i.bytes, 0) / 1e6;
    printer.out(`saved ${manifest.images.length} images (${mb.toFixed(0)} MB) of profile ${config.profile} into ${file}`);
    for (const i of manifest.images) printer.out(`  ${i.refs.join(", ")}  sha256:${i.sha256.slice(0, 12)}`);
  }
  return ExitCode.ok;
}

export async function runImagesLoad(file: string, opts: { json?: boolean }, printer: Printer): Promise<number> {
  if (!file) throw new HelkError("which archive?", { exitCode: ExitCode.usage, hint: "helk images load FILE" });
  const result = await loadImages(file, (m) => printer.err(m));
  if (opts.json) printJson(printer, result);
  else {
    for (const l of result.loaded) printer.out(`${l.skipped ? "present" : "loaded "} ${l.refs.join(", ")}`);
    printer.out(`all ${result.loaded.length} images verified (sha256 and id) from ${file}`);
  }
  return ExitCode.ok;
}
