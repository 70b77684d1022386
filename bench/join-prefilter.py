"""The join's prefilter alone, in HELK's notebook image (run by bench/join-prefilter.ts): the
records of /records/*.jsonl, repeated COPIES times and cached as Kafka values (binary), counted
through three filters on local[2], each ROUNDS times in turn, with the job's JIT setting:
- read: no test, each value read (the floor);
- regex: helk_hunt.parse.may_have_event_id on the decoded text (the job's prefilter until 2026-12-04, the peer);
- scan: helk_hunt.parse.event_id_scan on the bytes (the job's prefilter now).
Prints one JSON line: the counts and each filter's seconds per round."""

import glob
import json
import os
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from helk_hunt import parse

COPIES = int(os.environ.get("COPIES", "9"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))
IDS = [1, 3]

spark = (
    SparkSession.builder.master("local[2]")
    .config("spark.ui.enabled", "false")
    .config("spark.driver.extraClassPath", parse.JVM_CLASSES)
    .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
assert parse.register_event_id_scan(spark), f"HELK's jvm/ classes are not in {parse.JVM_CLASSES}"

lines = []
for path in sorted(glob.glob("/records/*.jsonl")):
    with open(path, encoding="utf-8") as f:
        lines += [line.rstrip("\n").encode() for line in f if line.strip()]
one = spark.createDataFrame([(v,) for v in lines], "value binary")
values = one
for _ in range(COPIES - 1):
    values = values.union(one)
values = values.repartition(2).cache()
records = values.count()

# As the job reads: the value, and its text where a filter needs it (Spark computes `raw` only then).
frame = values.withColumn("raw", F.col("value").cast("string"))
filters = {
    # The floor: each cached value read (a binary's length is its byte count, nothing is scanned).
    "read": F.length("value") > 0,
    "regex": parse.may_have_event_id(IDS),
    "scan": parse.event_id_scan(IDS),
}
seconds = {name: [] for name in filters}
kept = {}
for _ in range(ROUNDS):
    for name, test in filters.items():
        started = time.perf_counter()
        kept[name] = frame.where(test).count()
        seconds[name].append(round(time.perf_counter() - started, 3))
print(json.dumps({"records": records, "kept": kept, "seconds": seconds}))
