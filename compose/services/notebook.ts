/**
 * Jupyter (PySpark) and a Spark standalone master and worker for the notebook profile. All three
 * run HELK's notebook image (compose/helk-images.ts), so the notebooks' driver, the cluster's
 * executors and the join job share one Spark, Java and Python.
 */
import { shellHealth } from "../compose-spec.js";
import { elasticsearchEndpoint, kafkaEndpoint } from "../endpoints.js";
import { SPARK_DAEMON_HEAP_MIB } from "../sizing.js";
import { clusterDependencies, INTERNAL, local, type ServiceDefinition, tcpCheck } from "./context.js";

/** Spark's daemons take a 1g heap by default, more than the master's limit: sizing.ts sets theirs. */
const DAEMON_ENV = { SPARK_DAEMON_MEMORY: `${SPARK_DAEMON_HEAP_MIB}m` };

/** Where HELK's notebook image keeps the worker's application dirs (a data volume). */
export const SPARK_WORKER_DIR = "/var/lib/helk/spark-work";

export const jupyter: ServiceDefinition = (ctx) => {
  const es = elasticsearchEndpoint(ctx.config);
  return {
    image: ctx.config.images.jupyter,
    hostname: "jupyter",
    command: ["start-notebook.py", "--ServerApp.base_url=/jupyter", "--ServerApp.trust_xheaders=True"],
    environment: {
      SPARK_MASTER: INTERNAL.sparkMaster,
      HELK_KAFKA_BOOTSTRAP: kafkaEndpoint(ctx.config).bootstrap,
      HELK_ES_URL: es.urls,
      // The notebooks' own read-only login (its password: secrets/jupyter.env).
      ...(es.reader ? { HELK_ES_USER: es.reader } : {}),
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
  };
};

/**
 * `--host spark-master` binds the master's RPC port (7077) to the container's own address, not
 * to 127.0.0.1; its web UI listens on every address. So the check asks the UI, from inside the
 * container, whether the master is ALIVE (a standby or recovering master is not).
 */
const masterAlive = `python3 -c "import json,urllib.request;s=json.load(urllib.request.urlopen('http://127.0.0.1:8080/json/',timeout=5));exit(0 if s.get('status')=='ALIVE' else 1)" || exit 1`;

export const sparkMaster: ServiceDefinition = (ctx) => ({
  image: ctx.config.images.jupyter,
  hostname: "spark-master",
  // spark-class is on the image's PATH ($SPARK_HOME/bin upstream); it runs in the foreground.
  command: ["spark-class", "org.apache.spark.deploy.master.Master", "--host", "spark-master", "--port", "7077", "--webui-port", "8080"],
  environment: DAEMON_ENV,
  ports: [local(ctx.config.ports.sparkUi, 8080)],
  healthcheck: shellHealth(masterAlive, "30s"),
});

export const sparkWorker: ServiceDefinition = (ctx) => ({
  image: ctx.config.images.jupyter,
  hostname: "spark-worker",
  command: [
    "spark-class",
    "org.apache.spark.deploy.worker.Worker",
    "--host",
    "spark-worker",
    "--webui-port",
    "8081",
    "--work-dir",
    SPARK_WORKER_DIR,
    INTERNAL.sparkMaster,
  ],
  environment: {
    ...DAEMON_ENV,
    SPARK_WORKER_MEMORY: `${ctx.memory.heapMiB ?? 1024}m`,
  },
  volumes: [`spark-work:${SPARK_WORKER_DIR}`],
  depends_on: { "spark-master": { condition: "service_healthy" } },
  // The worker's UI listens on every address, as the master's does.
  healthcheck: shellHealth(tcpCheck(8081), "30s"),
});
