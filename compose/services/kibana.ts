/** Kibana, reached through nginx only (no published port). */
import { shellHealth } from "../compose-spec.js";
import { caVolumes, elasticsearchEndpoint } from "../endpoints.js";
import { clusterDependencies, type ServiceDefinition } from "./context.js";

export const kibana: ServiceDefinition = (ctx) => {
  const secure = ctx.config.security.enabled;
  const es = elasticsearchEndpoint(ctx.config);
  return {
    image: ctx.config.images.kibana,
    hostname: "kibana",
    environment: {
      ELASTICSEARCH_HOSTS: JSON.stringify(es.urls.split(",")),
      // HELK's own node: the built-in kibana_system. An external cluster: the operator's user.
      ...(es.external
        ? es.writer
          ? { ELASTICSEARCH_USERNAME: es.writer }
          : {}
        : secure
          ? { ELASTICSEARCH_USERNAME: "kibana_system" }
          : {}),
      SERVER_NAME: "helk-kibana",
      SERVER_PUBLICBASEURL: `https://${ctx.hostIp}${ctx.config.ports.https === 443 ? "" : `:${ctx.config.ports.https}`}`,
      // The container healthcheck reads /api/status without credentials.
      STATUS_ALLOWANONYMOUS: "true",
      TELEMETRY_OPTIN: "false",
      NODE_OPTIONS: `--max-old-space-size=${Math.max(512, Math.floor(ctx.memory.limitMiB * 0.7))}`,
    },
    ...(secure ? { env_file: ["./secrets/kibana.env"] } : {}),
    volumes: ["kibana-data:/usr/share/kibana/data", ...caVolumes(ctx.config)],
    depends_on: clusterDependencies(ctx, ["elasticsearch"]),
    healthcheck: shellHealth(`curl -fsS http://localhost:5601/api/status | grep -q '"level":"available"' || exit 1`, "120s"),
  };
};
