/** `helk doctor`: find what is wrong with an install and say how to fix it. */
import { createDockerClient } from "../../engine/docker/docker-client.js";
import { writeBundle } from "../../engine/doctor/bundle.js";
import { gatherFacts } from "../../engine/doctor/facts.js";
import { diagnose } from "../../engine/doctor/rules.js";
import { ExitCode } from "../../engine/errors.js";
import { resolveHostIp } from "../../engine/host/host-facts.js";
import { requireDockerAccess } from "../../engine/host/user-access.js";
import { readRecord } from "../../engine/install/install-record.js";
import { readState, secretValues } from "../../engine/secrets.js";
import { type ConfigFlagValues, locateInstallHome } from "../config-flags.js";
import { type Printer, printJson } from "../output.js";

export async function runDoctor(opts: ConfigFlagValues & { json?: boolean; bundle?: string }, printer: Printer): Promise<number> {
  const home = await locateInstallHome(opts);
  const record = readRecord(home);
  // A bundle redacts every secret of the install, so it must read them: root only, asked first.
  const secrets = opts.bundle ? secretValues(readState(home, "doctor").secrets) : [];
  requireDockerAccess("doctor");
  const docker = createDockerClient();
  // The address clients use now: --host-ip when given, else the install's (detected again for "auto").
  const hostIpNow = opts.hostIp ?? (record.config.hostIp === "auto" ? resolveHostIp("auto") : record.hostIp);
  const facts = await gatherFacts(record, docker, hostIpNow);
  const findings = diagnose(facts);
  const errors = findings.filter((f) => f.severity === "error").length;
  const bundle = opts.bundle ? await writeBundle({ file: opts.bundle, record, docker, facts, findings, secrets }) : undefined;
  if (opts.json)
    printJson(printer, {
      project: record.project,
      ok: errors === 0,
      findings,
      ...(bundle ? { bundle: { file: opts.bundle, entries: bundle } } : {}),
    });
  else {
    for (const f of findings) {
      printer.out(`${f.severity === "error" ? "ERROR  " : "warning"} ${f.subject.padEnd(14)} ${f.message}`);
      printer.out(`        ${"".padEnd(14)} fix: ${f.fix}`);
    }
    printer.out(
      findings.length
        ? `${record.project}: ${errors} error${errors === 1 ? "" : "s"}, ${findings.length - errors} warning${findings.length - errors === 1 ? "" : "s"}`
        : `${record.project}: no problems found (host, engine, ${record.services.length} services, their logs)`,
    );
    if (bundle) printer.out(`support bundle: ${opts.bundle} (${bundle.length} files, secrets redacted)`);
  }
  return errors === 0 ? ExitCode.ok : ExitCode.failure;
}
