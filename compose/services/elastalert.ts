/** ElastAlert 2 (the alerting add-on): rules over HELK's Elasticsearch indices. */
import { shellHealth } from "../compose-spec.js";
import { elastalertTarget } from "../files/elastalert-config.js";
import { clusterDependencies, type ServiceDefinition } from "./context.js";

export const elastalert: ServiceDefinition = (ctx) => {
  const target = elastalertTarget(ctx.config);
  return {
    image: ctx.config.images.elastalert,
    hostname: "elastalert",
    volumes: ["./config/elastalert/config.yaml:/opt/elastalert/config.yaml:ro", "./config/elastalert/rules:/opt/elastalert/rules:ro"],
    ...(target.user ? { env_file: ["./secrets/elastalert.env"] } : {}),
    depends_on: clusterDependencies(ctx, ["elasticsearch"]),
    healthcheck: shellHealth(`python3 -c "import socket;socket.create_connection(('${target.host}',${target.port}),5)" || exit 1`, "30s"),
  };
};
