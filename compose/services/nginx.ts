/** nginx: TLS and authentication in front of Kibana and Jupyter; the only UI entry point. */
import { shellHealth } from "../compose-spec.js";
import type { ServiceDefinition } from "./context.js";

export const nginx: ServiceDefinition = (ctx) => ({
  image: ctx.config.images.nginx,
  hostname: "nginx",
  ports: [`${ctx.hostIp}:${ctx.config.ports.https}:443`, `${ctx.hostIp}:${ctx.config.ports.http}:80`],
  volumes: ["./config/nginx/helk.conf:/etc/nginx/conf.d/default.conf:ro", "./config/nginx/tls.crt:/etc/nginx/tls/helk.crt:ro"],
  secrets: [
    { source: "tls_key", target: "/run/secrets/helk.key" },
    ...(ctx.config.security.enabled ? [{ source: "htpasswd", target: "/run/secrets/htpasswd" }] : []),
  ],
  depends_on: {
    kibana: { condition: "service_healthy" },
    ...(ctx.selected.has("jupyter") ? { jupyter: { condition: "service_healthy" as const } } : {}),
  },
  healthcheck: shellHealth("wget -q -O /dev/null http://127.0.0.1/healthz || exit 1", "10s"),
});
