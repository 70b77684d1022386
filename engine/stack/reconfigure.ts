/**
 * `reconfigure`: the recorded configuration plus the user's changes, through the install flow
 * again (files re-rendered, the certificate remade when its names no longer cover the host IP,
 * Compose recreating only what changed). Returns what changed, as data: which containers Compose
 * replaced, judged by container id before and after, and which files changed.
 */
import type { HelkConfig } from "../../compose/config/schema.js";
import type { DockerClient } from "../docker/docker-client.js";
import type { ProgressSink } from "../events.js";
import { install } from "../install/install.js";
import type { ExternalSecrets } from "../secrets.js";

export interface ReconfigureResult {
  hostIp: string;
  changedFiles: string[];
  /** Services whose container Compose replaced. */
  recreated: string[];
  /** Services left running as they were (same container). */
  unchanged: string[];
  /** The install log the run wrote to (absent only for a dry run, which reconfigure never is). */
  logFile?: string;
}

export async function reconfigure(o: {
  config: HelkConfig;
  project: string;
  docker: DockerClient;
  externalSecrets: ExternalSecrets;
  sink: ProgressSink;
}): Promise<ReconfigureResult> {
  const ids = async () => Object.fromEntries((await o.docker.containers.list(o.project)).map((c) => [c.service, c.id]));
  const before = await ids();
  const result = await install({
    config: o.config,
    dryRun: false,
    yes: true,
    skipChecks: new Set(),
    externalSecrets: o.externalSecrets,
    docker: o.docker,
    sink: o.sink,
  });
  const after = await ids();
  return {
    hostIp: result.hostIp,
    changedFiles: result.files.filter((f) => f.change !== "unchanged").map((f) => f.path),
    recreated: Object.keys(after).filter((s) => before[s] !== after[s]),
    unchanged: Object.keys(after).filter((s) => before[s] === after[s]),
    ...(result.logFile ? { logFile: result.logFile } : {}),
  };
}
