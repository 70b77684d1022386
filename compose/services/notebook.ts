/** Jupyter (PySpark) and a Spark standalone master and worker for the notebook profile. */
import { shellHealth } from "../compose-spec.js";
import { elasticsearchEndpoint, kafkaEndpoint } from "../endpoints.js";
import { clusterDependencies, INTERNAL, local, type ServiceDefinition, tcpCheck } from "./context.js";

export const jupyter: ServiceDefinition = (ctx) => ({
  image: ctx.config.images.jupyter,
  hostname: "jupyter",
  command: ["start-notebook.py", "--ServerApp.base_url=/jupyter", "--ServerApp.trust_xheaders=True"],
  environment: {
    SPARK_MASTER: INTERNAL.sparkMaster,
    HELK_KAFKA_BOOTSTRAP: kafkaEndpoint(ctx.config).bootstrap,
    HELK_ES_URL: elasticsearchEndpoint(ctx.config).urls,
  },
  env_file: ["./secrets/jupyter.env"],
  // Loopback only: the token guards it, and other profiles also serve it through nginx.
  ports: [local(ctx.config.ports.jupyter, 8888)],
  volumes: ["jupyter-notebooks:/home/jovyan/work"],
  depends_on: {
    ...(ctx.selected.has("spark-master") ? { "spark-master": { condition: "service_healthy" as const } } : {}),
    ...clusterDependencies(ctx, ["elasticsearch"]),
  },
  healthcheck: shellHealth(
    `python3 -c "import os,urllib.request;urllib.request.urlopen('http://localhost:8888/jupyter/api/status?token='+os.environ['JUPYTER_TOKEN'],timeout=5)" || exit 1`,
    "60s",
  ),
});

export const sparkMaster: ServiceDefinition = (ctx) => ({
  image: ctx.config.images.spark,
  hostname: "spark-master",
  command: ["/opt/spark/bin/spark-class", "org.apache.spark.deploy.master.Master", "--host", "spark-master"],
  environment: { SPARK_NO_DAEMONIZE: "true" },
  ports: [local(ctx.config.ports.sparkUi, 8080)],
  healthcheck: shellHealth(tcpCheck(7077), "20s"),
});

export const sparkWorker: ServiceDefinition = (ctx) => ({
  image: ctx.config.images.spark,
  hostname: "spark-worker",
  command: ["/opt/spark/bin/spark-class", "org.apache.spark.deploy.worker.Worker", INTERNAL.sparkMaster],
  environment: {
    SPARK_NO_DAEMONIZE: "true",
    SPARK_WORKER_MEMORY: `${ctx.memory.heapMiB ?? 1024}m`,
  },
  volumes: ["spark-work:/opt/spark/work"],
  depends_on: { "spark-master": { condition: "service_healthy" } },
  healthcheck: shellHealth(tcpCheck(8081), "20s"),
});
