#!/usr/bin/env bash
# Put Spark's Kafka source (spark-sql-kafka-0-10 of the image's own Spark and Scala build) and
# the jars it needs that Spark lacks into $SPARK_HOME/jars, and make PySpark importable by
# every Python process of the image (`docker exec`, the job), not only by what upstream's
# start.sh starts. Runs as root in images/jupyter/Dockerfile; spark-jars.sh resolves.
set -Eeuo pipefail
BAKE=bake-spark-kafka
. "$(dirname "$0")/spark-jars.sh"
spark_layout
connector=org.apache.spark:spark-sql-kafka-0-10_$spark_scala:$spark_version

if ls "$jars"/spark-sql-kafka-0-10_*.jar >/dev/null 2>&1; then
  echo "$BAKE: $jars already has Spark's Kafka source"
else
  bake_package "$connector"
  ls "$jars"/spark-sql-kafka-0-10_*.jar >/dev/null 2>&1 || die "$connector was resolved but its jar is not in $jars"
fi

# PySpark for every python3: upstream puts $SPARK_HOME/python and the py4j zip on PYTHONPATH
# only in start.sh's before-notebook hook.
if ! python3 -c 'import pyspark' >/dev/null 2>&1; then
  py4j=$(ls "$spark_home"/python/lib/py4j-*-src.zip 2>/dev/null | head -n1) || true
  [ -n "$py4j" ] || die "no py4j zip in $spark_home/python/lib"
  site=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  printf '%s\n' "$spark_home/python" "$py4j" >"$site/helk-pyspark.pth"
  python3 -c 'import pyspark' || die "pyspark is still not importable after $site/helk-pyspark.pth"
fi
