/**
 * How a client on this host (provisioning, probes, verify, status) reaches the install's
 * Elasticsearch: HELK's own node on 127.0.0.1 as `elastic`, or the operator's cluster
 * (elasticsearch.external) as its configured user. Pure: the secrets come in.
 */
import type { HelkConfig } from "./config/schema.js";
import type { HelkSecrets } from "./secrets.js";

export interface ElasticsearchAccess {
  nodes: string[];
  username?: string;
  password?: string;
  /** Encoded API key (base64 of id:key), instead of a user. */
  apiKey?: string;
  /** PEM CA file for https:// nodes; the system's CAs when absent. */
  caFile?: string;
  /** The operator's cluster: HELK manages neither its users nor its snapshots. */
  external: boolean;
}

type EsSecrets = Pick<HelkSecrets, "elasticPassword" | "externalElasticsearchPassword" | "externalElasticsearchApiKey">;

export function hostElasticsearchAccess(config: HelkConfig, secrets: Partial<EsSecrets> | undefined): ElasticsearchAccess {
  const ext = config.elasticsearch.external;
  if (ext) {
    const password = secrets?.externalElasticsearchPassword;
    return {
      nodes: ext.urls.map((u) => u.replace(/\/$/, "")),
      external: true,
      ...(ext.username && password ? { username: ext.username, password } : {}),
      ...(ext.apiKey && secrets?.externalElasticsearchApiKey ? { apiKey: secrets.externalElasticsearchApiKey } : {}),
      ...(ext.caFile ? { caFile: ext.caFile } : {}),
    };
  }
  const password = config.security.enabled ? secrets?.elasticPassword : undefined;
  return {
    nodes: [`http://127.0.0.1:${config.ports.elasticsearch}`],
    external: false,
    ...(password ? { username: "elastic", password } : {}),
  };
}

/** Does reaching it need a password from the state file? */
export function elasticsearchNeedsSecret(config: HelkConfig): boolean {
  const ext = config.elasticsearch.external;
  return ext ? ext.username !== undefined || ext.apiKey : config.security.enabled;
}
