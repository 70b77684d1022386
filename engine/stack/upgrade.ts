/**
 * `upgrade`: move a running install to new image versions without losing data. Elasticsearch is
 * snapshotted first (a filesystem repository inside its data volume), then the install flow runs
 * with the new images (Compose recreates only the services whose image changed, volumes stay);
 * if that fails anywhere, the install flow runs again with the recorded configuration, which
 * puts the previous images back on the same volumes.
 */

import type { HelkConfig } from "../../compose/config/schema.js";
import { hostElasticsearchAccess } from "../../compose/elasticsearch-access.js";
import { imageKeyOf, type ServiceName, servicesFor } from "../../compose/profiles.js";
import { SNAPSHOT_LOCATION } from "../../compose/services/elasticsearch.js";
import type { DockerClient } from "../docker/docker-client.js";
import { esClient } from "../elasticsearch-client.js";
import { ExitCode, HelkError } from "../errors.js";
import type { ProgressSink } from "../events.js";
import { install } from "../install/install.js";
import type { InstallRecord } from "../install/install-record.js";

export const SNAPSHOT_REPOSITORY = "helk-upgrades";

export interface UpgradeResult {
  /** Service → [from, to] image. */
  changes: Record<string, [string, string]>;
  snapshot?: string;
  /** What could not be done and why (no error). */
  notes: string[];
}

/** Services whose image the new configuration changes. */
export function imageChanges(from: HelkConfig, to: HelkConfig): Record<string, [string, string]> {
  const out: Record<string, [string, string]> = {};
  for (const s of servicesFor(to) as ServiceName[]) {
    const a = from.images[imageKeyOf(s)];
    const b = to.images[imageKeyOf(s)];
    if (a !== b) out[s] = [a, b];
  }
  return out;
}

async function snapshot(config: HelkConfig, elasticPassword: string | undefined, name: string): Promise<void> {
  const es = esClient(hostElasticsearchAccess(config, elasticPassword ? { elasticPassword } : undefined), 300_000);
  try {
    await es.snapshot.createRepository({
      name: SNAPSHOT_REPOSITORY,
      repository: { type: "fs", settings: { location: SNAPSHOT_LOCATION } },
    });
    const r = await es.snapshot.create({
      repository: SNAPSHOT_REPOSITORY,
      snapshot: name,
      wait_for_completion: true,
      indices: "*,-.*",
      include_global_state: false,
    });
    const state = r.snapshot?.state;
    if (state !== "SUCCESS") throw new Error(`snapshot ${name} ended ${state ?? "without a state"}`);
  } finally {
    await es.close().catch(() => undefined);
  }
}

export async function upgrade(o: {
  record: InstallRecord;
  config: HelkConfig;
  elasticPassword?: string;
  docker: DockerClient;
  sink: ProgressSink;
  /** Skip the Elasticsearch snapshot (a site with its own backups). */
  noSnapshot?: boolean;
  now?: () => Date;
}): Promise<UpgradeResult> {
  const changes = imageChanges(o.record.config, o.config);
  const result: UpgradeResult = { changes, notes: [] };
  if (Object.keys(changes).length === 0) return result;

  if (o.record.services.includes("elasticsearch") && !o.noSnapshot) {
    const name = `pre-upgrade-${(o.now?.() ?? new Date())
      .toISOString()
      .replace(/[^0-9]/g, "")
      .slice(0, 14)}`;
    try {
      await snapshot(o.record.config, o.elasticPassword, name);
      result.snapshot = name;
    } catch (cause) {
      throw new HelkError(`could not snapshot Elasticsearch before the upgrade, so nothing was changed: ${(cause as Error).message}`, {
        exitCode: ExitCode.failure,
        hint: "check `helk status elasticsearch` and disk space; or pass --no-snapshot if you have your own backups",
        cause,
      });
    }
  }

  try {
    await install({ config: o.config, dryRun: false, yes: true, skipChecks: new Set(), docker: o.docker, sink: o.sink });
    return result;
  } catch (failure) {
    const why = failure instanceof Error ? failure.message : String(failure);
    try {
      await install({ config: o.record.config, dryRun: false, yes: true, skipChecks: new Set(), docker: o.docker, sink: o.sink });
    } catch (rollbackFailure) {
      throw new HelkError(
        `upgrade failed (${why}) and so did the rollback (${rollbackFailure instanceof Error ? rollbackFailure.message : String(rollbackFailure)})`,
        {
          exitCode: ExitCode.failure,
          hint: `data volumes are untouched${result.snapshot ? `; Elasticsearch snapshot ${result.snapshot} is in repository ${SNAPSHOT_REPOSITORY}` : ""}; see \`helk doctor\` and the install log`,
          cause: failure,
        },
      );
    }
    throw new HelkError(`upgrade failed and was rolled back to the previous images: ${why}`, {
      exitCode: failure instanceof HelkError ? failure.exitCode : ExitCode.failure,
      details: failure instanceof HelkError ? failure.details : [],
      hint: `data volumes are untouched${result.snapshot ? `; Elasticsearch snapshot ${result.snapshot} was taken first` : ""}`,
      cause: failure,
    });
  }
}
