#!/usr/bin/env bash
# Put Spark's Kafka source (spark-sql-kafka-0-10 of the image's own Spark and Scala build) and
# the jars it needs that Spark lacks into $SPARK_HOME/jars, and make PySpark importable by
# every Python process of the image (`docker exec`, the job), not only by what upstream's
# start.sh starts. Runs as root in images/jupyter/Dockerfile. No registry is named here:
# Spark's own resolver (spark-submit --packages) fetches the coordinate from its default
# repository, or the build fails saying what to do.
set -Eeuo pipefail
die() { echo "bake-spark-kafka: $*" >&2; exit 1; }

# Upstream sets SPARK_HOME=/usr/local/spark; an image with a pip-installed PySpark has its
# Spark inside the package.
spark_home=${SPARK_HOME:-}
if [ -z "$spark_home" ]; then
  spark_home=$(python3 -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null) ||
    die "the base image has no SPARK_HOME and no pyspark: images.jupyter must be a PySpark notebook image"
fi
jars=$spark_home/jars
core=$(cd "$jars" && ls spark-core_*.jar 2>/dev/null | head -n1) || true
[ -n "$core" ] || die "no spark-core jar in $jars: is images.jupyter a PySpark image?"
# spark-core_2.13-4.2.0.jar -> Scala 2.13, Spark 4.2.0
scala=$(echo "$core" | sed -E 's/^spark-core_([0-9.]+)-.*$/\1/')
version=$(echo "$core" | sed -E 's/^spark-core_[0-9.]+-(.+)\.jar$/\1/')
connector=org.apache.spark:spark-sql-kafka-0-10_$scala:$version

if ls "$jars"/spark-sql-kafka-0-10_*.jar >/dev/null 2>&1; then
  echo "bake-spark-kafka: $jars already has Spark's Kafka source"
else
  ivy=$(mktemp -d)
  : >"$ivy/noop.py"
  # spark-submit resolves --packages before it runs the (empty) application.
  "$spark_home/bin/spark-submit" --packages "$connector" --conf "spark.jars.ivy=$ivy" "$ivy/noop.py" >"$ivy/log" 2>&1 ||
    die "could not fetch $connector (the build needs Spark's package repository; offline, use an images.jupyter that has it in \$SPARK_HOME/jars). Last lines:
$(tail -n 15 "$ivy/log")"
  added=()
  for jar in "$ivy"/jars/*.jar; do
    # Ivy names them <group>_<artifact>-<version>.jar; Spark's own jars are <artifact>-<version>.jar.
    name=${jar##*/}
    name=${name#*_}
    artifact=$(echo "$name" | sed -E 's/-[0-9][^-]*(-[A-Za-z0-9]+)?\.jar$//')
    # A jar Spark already ships (hadoop client, compression codecs, slf4j) stays Spark's version.
    if compgen -G "$jars/$artifact-[0-9]*.jar" >/dev/null; then continue; fi
    install -m 0644 "$jar" "$jars/$name"
    added+=("$name")
  done
  rm -rf "$ivy"
  ls "$jars"/spark-sql-kafka-0-10_*.jar >/dev/null 2>&1 || die "$connector was resolved but its jar is not in $jars"
  echo "bake-spark-kafka: added to $jars: ${added[*]}"
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
