/**
 * Logstash: Kafka topics in, normalised documents out to Elasticsearch. Its pipelines are part
 * of HELK's Logstash image (images/logstash), so nothing is mounted but its data.
 */
import { shellHealth } from "../compose-spec.js";
import { heapOpts, INTERNAL, local, type ServiceDefinition } from "./context.js";

export const logstash: ServiceDefinition = (ctx) => ({
  image: ctx.config.images.logstash,
  hostname: "logstash",
  environment: {
    LS_JAVA_OPTS: heapOpts(ctx.memory.heapMiB),
    "api.http.host": "0.0.0.0",
    "xpack.monitoring.enabled": "false",
    "pipeline.ecs_compatibility": "disabled",
    HELK_KAFKA_BOOTSTRAP: INTERNAL.kafka,
    HELK_ES_URL: INTERNAL.elasticsearch,
    HELK_ES_USER: ctx.config.security.enabled ? "helk_logstash_writer" : "",
    // The pipeline names both variables; with security on the password comes from the env file.
    ...(ctx.config.security.enabled ? {} : { HELK_ES_PASSWORD: "" }),
  },
  ...(ctx.config.security.enabled ? { env_file: ["./secrets/logstash.env"] } : {}),
  ports: [local(ctx.config.ports.logstashApi, 9600)],
  volumes: ["logstash-data:/usr/share/logstash/data"],
  depends_on: {
    kafka: { condition: "service_healthy" },
    elasticsearch: { condition: "service_healthy" },
  },
  healthcheck: shellHealth("curl -fsS http://localhost:9600/_node/pipelines >/dev/null || exit 1", "90s"),
});
