import { loadConfig } from "../../engine/config-loader.js";
import { createDockerClient } from "../../engine/docker/docker-client.js";
import { ExitCode, HelkError } from "../../engine/errors.js";
import { requireDockerAccess, requireWritableHome } from "../../engine/host/user-access.js";
import { readRecord, recordedConfig } from "../../engine/install/install-record.js";
import { readState } from "../../engine/secrets.js";
import { upgrade } from "../../engine/stack/upgrade.js";
import { type ConfigFlagValues, configFlagAssignments, locateInstallHome } from "../config-flags.js";
import { type Printer, printJson, withProgress } from "../output.js";

export async function runUpgrade(opts: ConfigFlagValues & { json?: boolean; snapshot?: boolean }, printer: Printer): Promise<number> {
  const home = await locateInstallHome(opts);
  const record = readRecord(home);
  const flags = configFlagAssignments(opts);
  if (!flags.some((f) => f.path.startsWith("images")) && !opts.config) {
    throw new HelkError("which images? upgrade needs at least one new image", {
      exitCode: ExitCode.usage,
      hint: "helk upgrade --image kafka=apache/kafka:4.1.2 (repeatable), or --config FILE with the new images.*",
    });
  }
  // Upgrade rewrites the install's files: as a user who is not root, stop before the snapshot.
  requireWritableHome(home, "upgrade");
  requireDockerAccess("upgrade");
  const { value: config } = loadConfig({
    base: recordedConfig(home, record),
    ...(opts.config ? { configFile: opts.config } : {}),
    flags,
  });
  const elasticPassword = record.config.security.enabled ? readState(home, "upgrade").secrets.elasticPassword : undefined;
  const result = await withProgress(printer, { json: opts.json }, (sink) =>
    upgrade({
      record,
      config,
      ...(elasticPassword ? { elasticPassword } : {}),
      docker: createDockerClient(),
      sink,
      noSnapshot: opts.snapshot === false,
    }),
  );
  const changed = Object.entries(result.changes);
  if (opts.json) printJson(printer, result);
  else if (changed.length === 0) printer.out("nothing to upgrade: every service already runs the configured image");
  else {
    for (const [service, [from, to]] of changed) printer.out(`upgraded ${service}: ${from} -> ${to}`);
    if (result.snapshot) printer.out(`Elasticsearch snapshot taken first: ${result.snapshot} (repository helk-upgrades)`);
    printer.out("data volumes kept");
  }
  return ExitCode.ok;
}
