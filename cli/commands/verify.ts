/** `helk verify`: follow a synthetic Sysmon EID 1 + EID 3 pair (Winlogbeat 8 shape, dated now) through the live install. */
import { elasticsearchNeedsSecret, hostElasticsearchAccess } from "../../compose/elasticsearch-access.js";
import { hostKafkaAccess, kafkaNeedsSecret } from "../../compose/kafka-access.js";
import type { HelkSecrets } from "../../compose/secrets.js";
import { systemClock } from "../../engine/clock.js";
import { ExitCode, HelkError } from "../../engine/errors.js";
import { readRecord } from "../../engine/install/install-record.js";
import { readState } from "../../engine/secrets.js";
import { type HopResult, verify } from "../../engine/stack/verify.js";
import { VERIFY_HOST } from "../../engine/stack/verify-pair.js";
import { type ConfigFlagValues, locateInstallHome } from "../config-flags.js";
import { type Printer, printJson } from "../output.js";

export function hopLine(h: HopResult): string {
  const latency = h.latencyMs === undefined ? "-" : `${(h.latencyMs / 1000).toFixed(2)} s`;
  return `${h.hop.padEnd(11)} ${h.outcome.padEnd(8)} ${latency.padStart(8)}  ${h.path}: ${h.detail}`;
}

export async function runVerify(opts: ConfigFlagValues & { json?: boolean; timeout?: string }, printer: Printer): Promise<number> {
  const timeoutSeconds = Number(opts.timeout ?? 60);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
    throw new HelkError(`--timeout must be a whole number of seconds, got ${opts.timeout}`, {
      exitCode: ExitCode.usage,
      hint: "for example: helk verify --timeout 120",
    });
  }
  const home = await locateInstallHome(opts);
  const record = readRecord(home);
  let secrets: HelkSecrets | undefined;
  if (elasticsearchNeedsSecret(record.config) || kafkaNeedsSecret(record.config)) {
    // Verify logs in to Kafka and Elasticsearch with the install's users.
    secrets = readState(home, "verify").secrets;
  }
  if (!opts.json)
    printer.err(
      `verify: following a synthetic Sysmon EID 1 + EID 3 pair (Winlogbeat 8, host ${VERIFY_HOST}, dated now) through ${record.project} (each hop up to ${timeoutSeconds} s)`,
    );
  const result = await verify({
    record,
    elasticsearch: hostElasticsearchAccess(record.config, secrets),
    kafka: hostKafkaAccess(record.config, secrets),
    timeoutSeconds,
    clock: systemClock,
    ...(opts.json ? {} : { onHop: (h: HopResult) => printer.out(hopLine(h)) }),
  });
  if (opts.json) printJson(printer, result);
  else {
    for (const c of result.cleanup) printer.out(`cleanup: ${c}`);
    printer.out(
      result.ok
        ? `verify: passed (ProcessGuid ${result.processGuid})`
        : result.failedHop
          ? `verify: FAILED at hop ${result.failedHop}`
          : `verify: FAILED to remove its pair from Elasticsearch (see cleanup above)`,
    );
  }
  return result.ok ? ExitCode.ok : ExitCode.failure;
}
