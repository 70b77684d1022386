/** Elasticsearch, single node. Reached by containers on the project network and by the host on 127.0.0.1. */
import { shellHealth } from "../compose-spec.js";
import { heapOpts, local, type ServiceDefinition } from "./context.js";

/**
 * Where `helk upgrade` keeps its pre-upgrade snapshots: a filesystem repository inside the data
 * volume (owned by Elasticsearch's user, kept by `helk down`), so it needs no volume of its own.
 */
export const SNAPSHOT_LOCATION = "/usr/share/elasticsearch/data/snapshots";

export const elasticsearch: ServiceDefinition = (ctx) => {
  const secure = ctx.config.security.enabled;
  return {
    image: ctx.config.images.elasticsearch,
    hostname: "elasticsearch",
    environment: {
      "cluster.name": "helk-cluster",
      "node.name": "helk-1",
      "discovery.type": "single-node",
      "xpack.security.enabled": String(secure),
      // TLS terminates at nginx; Elasticsearch is published on loopback only.
      "xpack.security.http.ssl.enabled": "false",
      "xpack.license.self_generated.type": "basic",
      "path.repo": SNAPSHOT_LOCATION,
      ES_JAVA_OPTS: heapOpts(ctx.memory.heapMiB),
    },
    ...(secure ? { env_file: ["./secrets/elasticsearch.env"] } : {}),
    ports: [local(ctx.config.ports.elasticsearch, 9200)],
    volumes: ["es-data:/usr/share/elasticsearch/data"],
    // Elasticsearch wants 65535 open files; a host whose own hard limit is lower cannot grant it
    // (the container would not start), so ask for what the host allows.
    ulimits: { nofile: { soft: Math.min(65535, ctx.maxOpenFiles), hard: Math.min(65535, ctx.maxOpenFiles) } },
    healthcheck: shellHealth(
      `curl -fsS ${secure ? '-u "elastic:$$ELASTIC_PASSWORD" ' : ""}"http://localhost:9200/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null || exit 1`,
      "60s",
    ),
  };
};
