import { ExitCode } from "../../engine/errors.js";
import { readRecord } from "../../engine/install/install-record.js";
import { readState } from "../../engine/secrets.js";
import { credentialsJson, installCredentials } from "../../engine/stack/credentials.js";
import { type ConfigFlagValues, locateInstallHome } from "../config-flags.js";
import { type Printer, printJson, table } from "../output.js";

export async function runCredentials(opts: ConfigFlagValues & { json?: boolean }, printer: Printer): Promise<number> {
  const home = await locateInstallHome(opts);
  const record = readRecord(home);
  const s = readState(home, "credentials").secrets;
  const list = installCredentials(record, s);
  if (!record.config.security.enabled && record.services.includes("elasticsearch"))
    printer.err("note: security is off in this install: Elasticsearch accepts requests without these passwords");
  if (opts.json) printJson(printer, credentialsJson(list));
  else
    printer.out(
      table(
        ["WHAT", "USER", "PASSWORD / TOKEN", "WHERE"],
        list.map((c) => [c.what, c.user ?? "-", c.secret, c.where]),
      ),
    );
  return ExitCode.ok;
}
