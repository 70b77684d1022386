/**
 * `helk reconfigure`: change settings of a running install (the host IP above all: a moved
 * machine breaks Kafka's advertised address and the TLS certificate). The recorded
 * configuration plus the flags goes through the install flow again: files re-rendered, the
 * certificate remade when its names no longer cover the host IP, and Compose recreates only
 * the services whose definition changed. Data volumes are never touched.
 */

import { INSTALL_STEPS } from "../../compose/install-steps.js";
import { loadConfig } from "../../engine/config-loader.js";
import { createDockerClient } from "../../engine/docker/docker-client.js";
import { ExitCode } from "../../engine/errors.js";
import { requireDockerAccess, requireWritableHome } from "../../engine/host/user-access.js";
import { readRecord, recordedConfig } from "../../engine/install/install-record.js";
import { externalSecretsFromEnv, readState } from "../../engine/secrets.js";
import { reconfigure } from "../../engine/stack/reconfigure.js";
import { type ConfigFlagValues, configFlagAssignments, locateInstallHome } from "../config-flags.js";
import { type Printer, printJson, withProgress } from "../output.js";

export async function runReconfigure(opts: ConfigFlagValues & { json?: boolean }, printer: Printer): Promise<number> {
  const home = await locateInstallHome(opts);
  const record = readRecord(home);
  // It runs the install flow, which rewrites the home and reads the secrets: as a user who is not
  // root that flow would see no secrets and make new ones, so say "sudo" before it starts.
  requireWritableHome(home, "reconfigure");
  readState(home, "reconfigure");
  requireDockerAccess("reconfigure");
  const { value: config } = loadConfig({
    base: recordedConfig(home, record),
    ...(opts.config ? { configFile: opts.config } : {}),
    flags: configFlagAssignments(opts),
  });
  // Reconfigure runs the install's steps again: the same progress view.
  const r = await withProgress(printer, { json: opts.json, steps: INSTALL_STEPS }, (sink) =>
    reconfigure({
      config,
      project: record.project,
      docker: createDockerClient(),
      externalSecrets: externalSecretsFromEnv(process.env),
      sink,
    }),
  );
  const { changedFiles, recreated, unchanged } = r;
  if (opts.json) printJson(printer, r);
  else {
    printer.out(changedFiles.length ? `changed: ${changedFiles.join(", ")}` : "no file changed");
    printer.out(recreated.length ? `recreated: ${recreated.join(", ")}` : "no service recreated");
    if (unchanged.length) printer.out(`left running as they were: ${unchanged.join(", ")}`);
    printer.out("data volumes kept");
  }
  return ExitCode.ok;
}
