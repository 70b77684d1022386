/** ElastAlert 2 (the alerting add-on): rules over HELK's Elasticsearch indices. */
import { shellHealth } from "../compose-spec.js";
import { elasticsearchEndpoint } from "../endpoints.js";
import { elastalertTarget } from "../files/elastalert-config.js";
import { clusterDependencies, type ServiceDefinition } from "./context.js";

/**
 * The version of the Elasticsearch HELK runs, from its image tag. ElastAlert otherwise asks
 * `GET /` for it at every start (elastalert/util.py get_version_from_cluster_info, overridden
 * by ES_VERSION); HELK knows it, so ElastAlert does not depend on that call (the test node,
 * which lacks the rest-root module, answers it 405). An external cluster's version is not
 * known here: ElastAlert asks it.
 */
function ownElasticsearchVersion(image: string, external: boolean): string | undefined {
  if (external) return undefined;
  return /:(\d+\.\d+\.\d+)$/.exec(image)?.[1];
}

export const elastalert: ServiceDefinition = (ctx) => {
  const target = elastalertTarget(ctx.config);
  const esVersion = ownElasticsearchVersion(ctx.config.images.elasticsearch, elasticsearchEndpoint(ctx.config).external);
  return {
    image: ctx.config.images.elastalert,
    hostname: "elastalert",
    volumes: ["./config/elastalert/config.yaml:/opt/elastalert/config.yaml:ro", "./config/elastalert/rules:/opt/elastalert/rules:ro"],
    ...(esVersion ? { environment: { ES_VERSION: esVersion } } : {}),
    ...(target.user ? { env_file: ["./secrets/elastalert.env"] } : {}),
    depends_on: clusterDependencies(ctx, ["elasticsearch"]),
    healthcheck: shellHealth(`python3 -c "import socket;socket.create_connection(('${target.host}',${target.port}),5)" || exit 1`, "30s"),
  };
};
