/** `helk provision`: topics, templates, retention and users of an installed stack. */

import { createDockerClient } from "../../engine/docker/docker-client.js";
import { ExitCode } from "../../engine/errors.js";
import { requireDockerAccess } from "../../engine/host/user-access.js";
import { readRecord } from "../../engine/install/install-record.js";
import { provision } from "../../engine/provision/provision.js";
import { provisionTargets } from "../../engine/provision/targets.js";
import { readState } from "../../engine/secrets.js";
import { type ConfigFlagValues, locateInstallHome } from "../config-flags.js";
import { type Printer, printJson } from "../output.js";

export async function runProvision(opts: ConfigFlagValues & { json?: boolean }, printer: Printer): Promise<number> {
  const home = await locateInstallHome(opts);
  const record = readRecord(home);
  // The secrets first: as a user who is not root, "use sudo" is the answer, not a Docker error.
  const { secrets } = readState(home, "provision");
  requireDockerAccess("provision");
  const result = await provision(record.config, record.services, secrets, await provisionTargets(createDockerClient(), record.project));
  if (opts.json) printJson(printer, result);
  else {
    printer.out(
      result.changes.length ? result.changes.map((c) => `changed: ${c}`).join("\n") : "nothing to change: everything is as configured",
    );
    for (const n of result.notes) printer.err(`note: ${n}`);
  }
  return ExitCode.ok;
}
