/**
 * The Spark Structured Streaming Sysmon join (images/jupyter/jobs/sysmon_join.py): Kafka
 * `winlogbeat` → EID 1 × EID 3 on ProcessGuid → Elasticsearch `sysmon-join`. Spark runs in
 * local mode inside this container, so the lab profile needs no Spark cluster; its checkpoint
 * lives in a data volume, so a restart resumes where it stopped.
 */
import { shellHealth } from "../compose-spec.js";
import { caVolumes } from "../endpoints.js";
import { clusterDependencies, clusterEnv, needsClusterSecrets, type ServiceDefinition } from "./context.js";

/** The job touches its heartbeat file every few seconds while its query runs. */
const HEARTBEAT = "/tmp/helk-stream-join.heartbeat";

/**
 * The JVM's quick compiler only (C1). Spark generates and compiles new code for each
 * micro-batch's plan, so the optimising compiler (C2) never settles: under a fleet's load it
 * used 6.1 of the driver's 20.0 CPU-seconds (30 s sampled after warm-up). With C1 alone the
 * join carried 11,045 events/s at p95 4.3 s where it had carried 9,832 events/s behind an
 * offered 11,647 (bench/join-fleet.ts; README, "The join at a fleet's rate").
 */
const JIT = "-XX:TieredStopAtLevel=1";

/**
 * HELK's JVM helpers, compiled into the image (images/jupyter/build/compile-jvm.sh): the join's
 * prefilter scans each record's bytes there instead of running a regex on its decoded text.
 * On the driver's class path (Spark runs in local mode here) and the executors' (the same image,
 * should HELK_SPARK_MASTER name a cluster).
 */
const JVM_CLASSES = "/opt/helk/jvm";

export const streamJoin: ServiceDefinition = (ctx) => {
  // Spark's driver is the whole job here: most of the limit, leaving room for Python workers.
  const driverMiB = Math.max(512, Math.floor((ctx.memory.limitMiB * 0.6) / 64) * 64);
  return {
    image: ctx.config.images.jupyter,
    hostname: "stream-join",
    entrypoint: ["tini", "-g", "--"],
    command: [
      "spark-submit",
      ...["--driver-memory", `${driverMiB}m`, "--driver-java-options", JIT],
      ...["--driver-class-path", JVM_CLASSES, "--conf", `spark.executor.extraClassPath=${JVM_CLASSES}`],
      "/opt/helk/jobs/sysmon_join.py",
    ],
    environment: {
      ...clusterEnv(ctx),
      HELK_JOIN_SOURCE_TOPIC: "winlogbeat",
      HELK_JOIN_INDEX: "sysmon-join",
      HELK_JOIN_CHECKPOINT: "/var/lib/helk/checkpoints/sysmon-join",
      HELK_JOIN_HEARTBEAT: HEARTBEAT,
    },
    ...(needsClusterSecrets(ctx) ? { env_file: ["./secrets/stream-join.env"] } : {}),
    volumes: ["stream-join-checkpoints:/var/lib/helk/checkpoints", ...caVolumes(ctx.config)],
    depends_on: clusterDependencies(ctx),
    // Healthy while the query runs: the heartbeat is younger than 30 s.
    healthcheck: shellHealth(
      `python3 -c "import os,sys,time;sys.exit(0 if time.time()-os.path.getmtime('${HEARTBEAT}')<30 else 1)" || exit 1`,
      "120s",
    ),
  };
};
