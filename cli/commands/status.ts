/** `helk status`: observed through the Docker API only, so it starts fast (no Compose, no schema). */
import { createDockerClient } from "../../engine/docker/docker-client.js";
import { ExitCode } from "../../engine/errors.js";
import { requireDockerAccess } from "../../engine/host/user-access.js";
import { readRecord } from "../../engine/install/install-record.js";
import * as engine from "../../engine/stack/status.js";
import { type ConfigFlagValues, locateInstallHome } from "../config-flags.js";
import { type Printer, printJson, table } from "../output.js";

export function formatUptime(seconds: number | undefined): string {
  if (seconds === undefined) return "-";
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** "alerts: 3 alerts in the last hour (Bitsadmin download 2, ...)": the rules that fired, most first. */
export function alertsLine(a: NonNullable<engine.StatusResult["alerts"]>): string {
  const fired = Object.entries(a.lastHour ?? {})
    .filter(([, n]) => n > 0)
    .sort((x, y) => y[1] - x[1]);
  return `alerts: ${a.detail}${fired.length ? ` (${fired.map(([name, n]) => `${name} ${n}`).join(", ")})` : ""}`;
}

export async function runStatus(opts: ConfigFlagValues & { json?: boolean; probes?: boolean }, printer: Printer): Promise<number> {
  const record = readRecord(await locateInstallHome(opts));
  requireDockerAccess("status");
  const result = await engine.status({ record, docker: createDockerClient() }, { probes: opts.probes !== false });
  if (opts.json) printJson(printer, result);
  else {
    printer.out(
      table(
        ["SERVICE", "STATE", "HEALTH", "UPTIME", "IMAGE", "PORTS", "DETAIL"],
        result.services.map((s) => [s.name, s.state, s.health, formatUptime(s.uptimeSeconds), s.image, s.ports.join(",") || "-", s.detail]),
      ),
    );
    if (result.alerts) printer.out(alertsLine(result.alerts));
    printer.out(result.healthy ? `${result.project}: all ${result.services.length} services healthy` : `${result.project}: NOT healthy`);
  }
  return result.healthy ? ExitCode.ok : ExitCode.notHealthy;
}
