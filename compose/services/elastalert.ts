/** ElastAlert 2 (the alerting add-on): rules over HELK's Elasticsearch indices. */
import { shellHealth } from "../compose-spec.js";
import type { ServiceDefinition } from "./context.js";

export const elastalert: ServiceDefinition = (ctx) => ({
  image: ctx.config.images.elastalert,
  hostname: "elastalert",
  volumes: ["./config/elastalert/config.yaml:/opt/elastalert/config.yaml:ro", "./config/elastalert/rules:/opt/elastalert/rules:ro"],
  ...(ctx.config.security.enabled ? { env_file: ["./secrets/elastalert.env"] } : {}),
  depends_on: { elasticsearch: { condition: "service_healthy" } },
  healthcheck: shellHealth(`python3 -c "import socket;socket.create_connection(('elasticsearch',9200),5)" || exit 1`, "30s"),
});
