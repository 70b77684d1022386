/**
 * Kibana logs in to HELK's own Elasticsearch as the built-in kibana_system, Logstash as
 * helk_logstash_writer. The official Elasticsearch image sets only `elastic`'s password (from
 * ELASTIC_PASSWORD), and Kibana answers 503 on /api/status until its login works, so these logins
 * must exist before those services start: Elasticsearch is started on its own first, waited for,
 * given the logins, and only then does the caller start the rest.
 *
 * Why a phase of the engine rather than the one-shot `setup` container of Elastic's own compose
 * example (a curl loop that sets kibana_system's password, which Kibana's depends_on waits for with
 * `service_completed_successfully`): the logins are set by the same tested, idempotent code that
 * provisioning uses (engine/provision/elasticsearch-users.ts), the passwords go over Elasticsearch's
 * API from the engine instead of into another container's environment, and no container that exits
 * by design has to be explained to the health wait, `helk status`, doctor and the sizing budget.
 * The cost: a bare `docker compose up` on a wiped data volume does not set them; every helk verb
 * that starts services does (install, and so reconfigure and upgrade; start; restart).
 */
import type { HelkConfig } from "../../compose/config/schema.js";

export { needsLoginsFirst } from "../../compose/elasticsearch-first.js";

import { hostElasticsearchAccess } from "../../compose/elasticsearch-access.js";
import type { HelkSecrets } from "../../compose/secrets.js";
import type { Clock } from "../clock.js";
import { type ComposeTarget, runCompose } from "../docker/compose-runner.js";
import type { DockerClient } from "../docker/docker-client.js";
import { ExitCode, HelkError } from "../errors.js";
import type { ProgressSink } from "../events.js";
import { provisionElasticsearch } from "../provision/elasticsearch.js";
import { waitForHealthy } from "../stack/health-wait.js";
import type { InstallLog } from "./install-log.js";

export interface LoginsPhaseOptions {
  target: ComposeTarget;
  config: HelkConfig;
  secrets: HelkSecrets;
  docker: DockerClient;
  clock: Clock;
  sink: ProgressSink;
  log?: InstallLog;
  /** How Compose brings Elasticsearch up: `up -d` (install), `up -d --no-recreate` (start), `restart`. */
  composeArgs: string[];
  /** The image Elasticsearch must run once (re)created (an upgrade changes it). */
  expectedImage?: string;
}

/** Start Elasticsearch alone, wait until healthy, set the services' logins; returns what changed. */
export async function startElasticsearchWithLogins(o: LoginsPhaseOptions): Promise<string[]> {
  const abort = new AbortController();
  const up = runCompose(o.target, [...o.composeArgs, "elasticsearch"], { ...(o.log ? { log: o.log } : {}), signal: abort.signal });
  try {
    await waitForHealthy({
      docker: o.docker,
      project: o.config.projectName,
      services: ["elasticsearch"],
      timeoutSeconds: o.config.timeouts.healthSeconds,
      clock: o.clock,
      sink: o.sink,
      composeUp: up,
      ...(o.log ? { logFile: o.log.path } : {}),
      ...(o.expectedImage ? { expectedImages: { elasticsearch: o.expectedImage } } : {}),
    });
  } catch (err) {
    abort.abort();
    await up.catch(() => undefined);
    throw err;
  }
  // The index templates go in with the logins: a writer that can log in writes at once (the
  // Spark join's status document within seconds), and an index it creates before its template
  // exists keeps Elasticsearch's defaults (one replica: a yellow single node) for good.
  try {
    const r = await provisionElasticsearch({
      access: hostElasticsearchAccess(o.config, o.secrets),
      manageUsers: o.config.security.enabled,
      secrets: o.secrets,
      retentionDays: o.config.elasticsearch.retentionDays,
    });
    return r.changes;
  } catch (cause) {
    throw new HelkError(`setting the services' logins and templates on Elasticsearch failed: ${(cause as Error).message}`, {
      exitCode: ExitCode.failure,
      hint: "Kibana and Logstash cannot log in without them; check `helk logs elasticsearch`, then run the command again",
      cause,
    });
  }
}
