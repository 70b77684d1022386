#!/usr/bin/env bash
# Put ES-Hadoop's Spark SQL source (org.elasticsearch.spark.sql) into $SPARK_HOME/jars when the
# image's Spark can run it, so that notebooks read and write Elasticsearch through it with
# nothing fetched at run time (helk_hunt.es_hadoop). Runs as root in images/jupyter/Dockerfile.
#   ES_HADOOP_VERSION (the Dockerfile's ARG): the elasticsearch-spark-30_2.12 release.
# The only release line the package registries here serve is elasticsearch-spark-30_2.12, built
# for Spark 3.4.x and Scala 2.12: Spark 3.5 changed internals it uses
# (elastic/elasticsearch-hadoop#2210), and Spark 4 is Scala 2.13 only. On any other Spark this
# says so in one line and succeeds: the image still reads Elasticsearch with the Python client.
set -Eeuo pipefail
BAKE=bake-es-hadoop
. "$(dirname "$0")/spark-jars.sh"
version=${ES_HADOOP_VERSION:?set ES_HADOOP_VERSION (the Dockerfile passes its ARG)}
spark_layout

case "$spark_version/$spark_scala" in
  3.4.*/2.12) ;;
  *)
    echo "$BAKE: ES-Hadoop is not available for Spark $spark_version (Scala $spark_scala): elasticsearch-spark-30_2.12 $version runs on Spark 3.4.x with Scala 2.12 only (Spark 3.5 breaks it, elastic/elasticsearch-hadoop#2210); notebooks use the Elasticsearch Python client"
    exit 0
    ;;
esac

if ls "$jars"/elasticsearch-spark-*.jar >/dev/null 2>&1; then
  echo "$BAKE: $jars already has ES-Hadoop"
  exit 0
fi
# Its published POM lists elasticsearch-hadoop-mr and elasticsearch-spark_2.12, which are not
# published on their own: their classes are inside the jar already. spark-yarn is for YARN
# clusters, which HELK does not run.
bake_package "org.elasticsearch:elasticsearch-spark-30_2.12:$version" \
  org.elasticsearch:elasticsearch-hadoop-mr,org.elasticsearch:elasticsearch-spark_2.12,org.apache.spark:spark-yarn_2.12
ls "$jars"/elasticsearch-spark-30_2.12-"$version".jar >/dev/null 2>&1 ||
  die "elasticsearch-spark-30_2.12:$version was resolved but its jar is not in $jars"
