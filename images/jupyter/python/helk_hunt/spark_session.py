"""The notebooks' SparkSession: on HELK's Spark cluster when the profile has one, else in the kernel."""

import os
import socket
from urllib.parse import urlparse

ENV = os.environ


def _reachable(master, timeout=3.0):
    """SPARK_MASTER is set in every profile (compose/services/notebook.ts); only
    notebook-analysis runs the master, so `lab` falls back to local mode instead of hanging."""
    url = urlparse(master)
    if url.scheme != "spark" or not url.hostname:
        return False
    try:
        with socket.create_connection((url.hostname, url.port or 7077), timeout=timeout):
            return True
    except OSError:
        return False


def master():
    wanted = ENV.get("SPARK_MASTER", "")
    return wanted if wanted and _reachable(wanted) else ENV.get("HELK_SPARK_LOCAL", "local[*]")


def session(app="helk"):
    from pyspark.sql import SparkSession

    where = master()
    builder = (
        SparkSession.builder.appName(app)
        .master(where)
        .config("spark.sql.session.timeZone", "UTC")
        # A hunt's data fits a few partitions; Spark's default 200 makes every join slow here.
        # The streaming join sets its own, HELK_JOIN_PARTITIONS (jobs/sysmon_join.py): its
        # partitions are state stores a checkpoint pins, these are a batch's tasks.
        .config("spark.sql.shuffle.partitions", ENV.get("HELK_SPARK_PARTITIONS", "4"))
        .config("spark.ui.showConsoleProgress", "false")
    )
    if where.startswith("spark://"):
        # The worker offers its container's memory limit (sizing.ts); an executor asking Spark's
        # default 1g more than that would wait for resources forever.
        builder = builder.config("spark.executor.memory", ENV.get("HELK_SPARK_EXECUTOR_MEMORY", "512m"))
        builder = builder.config("spark.cores.max", ENV.get("HELK_SPARK_CORES_MAX", "1"))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(ENV.get("HELK_SPARK_LOG_LEVEL", "WARN"))
    return spark
