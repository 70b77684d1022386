/**
 * Logstash: Kafka topics in, normalised documents out to Elasticsearch. Its pipelines are part
 * of HELK's Logstash image (images/logstash), so nothing is mounted but its data.
 */
import { shellHealth } from "../compose-spec.js";
import { caVolumes, elasticsearchEndpoint } from "../endpoints.js";
import { clusterDependencies, clusterEnv, heapOpts, local, needsClusterSecrets, type ServiceDefinition } from "./context.js";

export const logstash: ServiceDefinition = (ctx) => ({
  image: ctx.config.images.logstash,
  hostname: "logstash",
  environment: {
    LS_JAVA_OPTS: heapOpts(ctx.memory.heapMiB),
    "api.http.host": "0.0.0.0",
    "xpack.monitoring.enabled": "false",
    "pipeline.ecs_compatibility": "disabled",
    ...clusterEnv(ctx),
    // The pipeline's output takes one host (compose/endpoints.ts externalModeProblems says so).
    HELK_ES_URL: elasticsearchEndpoint(ctx.config).urls.split(",")[0] as string,
    // The pipeline names both variables; with a writer user the password comes from the env file.
    ...(needsClusterSecrets(ctx) ? {} : { HELK_ES_PASSWORD: "" }),
  },
  ...(needsClusterSecrets(ctx) ? { env_file: ["./secrets/logstash.env"] } : {}),
  ports: [local(ctx.config.ports.logstashApi, 9600)],
  volumes: ["logstash-data:/usr/share/logstash/data", ...caVolumes(ctx.config)],
  depends_on: clusterDependencies(ctx),
  healthcheck: shellHealth("curl -fsS http://localhost:9600/_node/pipelines >/dev/null || exit 1", "90s"),
});
