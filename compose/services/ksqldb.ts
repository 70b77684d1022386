/** ksqlDB server (the Sysmon join) and its CLI, which starts on demand only. */
import { shellHealth } from "../compose-spec.js";
import { kafkaEndpoint } from "../endpoints.js";
import { clusterDependencies, heapOpts, INTERNAL, local, type ServiceDefinition } from "./context.js";

export const ksqldbServer: ServiceDefinition = (ctx) => ({
  image: ctx.config.images.ksqldb,
  hostname: "ksqldb-server",
  environment: {
    KSQL_BOOTSTRAP_SERVERS: kafkaEndpoint(ctx.config).bootstrap,
    KSQL_LISTENERS: "http://0.0.0.0:8088",
    KSQL_KSQL_SERVICE_ID: "helk_",
    KSQL_KSQL_STREAMS_STATE_DIR: "/var/lib/ksqldb",
    KSQL_KSQL_LOGGING_PROCESSING_STREAM_AUTO_CREATE: "true",
    KSQL_KSQL_LOGGING_PROCESSING_TOPIC_AUTO_CREATE: "true",
    KSQL_HEAP_OPTS: heapOpts(ctx.memory.heapMiB),
  },
  ports: [local(ctx.config.ports.ksqldb, 8088)],
  volumes: ["ksqldb-data:/var/lib/ksqldb"],
  depends_on: clusterDependencies(ctx, ["kafka"]),
  healthcheck: shellHealth("curl -fsS http://localhost:8088/info >/dev/null || exit 1", "60s"),
});

export const ksqldbCli: ServiceDefinition = (ctx) => ({
  image: ctx.config.images.ksqldbCli,
  hostname: "ksqldb-cli",
  entrypoint: ["/bin/sh"],
  stdin_open: true,
  tty: true,
  profiles: ["tools"],
  depends_on: { "ksqldb-server": { condition: "service_healthy" } },
  healthcheck: shellHealth(`curl -fsS ${INTERNAL.ksqldb}/info >/dev/null || exit 1`, "10s"),
});
