# Sourced by the bake-*.sh scripts beside it (run as root in images/jupyter/Dockerfile): where
# the image's Spark is, which Spark and Scala it is, and how a Maven coordinate gets into Spark's
# own jars. No registry is named here: Spark's own resolver (spark-submit --packages) fetches
# from its default repositories, or the build fails saying what to do.
# The caller sets BAKE (its name, for messages) and `set -Eeuo pipefail`.
die() { echo "$BAKE: $*" >&2; exit 1; }

# Sets spark_home, jars, spark_scala (2.13) and spark_version (4.2.0) from the spark-core jar.
spark_layout() {
  # Upstream sets SPARK_HOME=/usr/local/spark; an image with a pip-installed PySpark has its
  # Spark inside the package.
  spark_home=${SPARK_HOME:-}
  if [ -z "$spark_home" ]; then
    spark_home=$(python3 -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null) ||
      die "the base image has no SPARK_HOME and no pyspark: images.jupyter must be a PySpark notebook image"
  fi
  jars=$spark_home/jars
  local core
  core=$(cd "$jars" && ls spark-core_*.jar 2>/dev/null | head -n1) || true
  [ -n "$core" ] || die "no spark-core jar in $jars: is images.jupyter a PySpark image?"
  # spark-core_2.13-4.2.0.jar -> Scala 2.13, Spark 4.2.0
  spark_scala=$(echo "$core" | sed -E 's/^spark-core_([0-9.]+)-.*$/\1/')
  spark_version=$(echo "$core" | sed -E 's/^spark-core_[0-9.]+-(.+)\.jar$/\1/')
}

# resolve_package COORDINATE [EXCLUDED group:artifact,...]: Spark's resolver fetches the
# coordinate and its dependencies into $ivy/jars (a new temporary folder), its output in $ivy/log.
# Returns spark-submit's status; RESOLVE_TIMEOUT (seconds), when set, bounds it (status 124).
resolve_package() {
  local coordinate=$1 excluded=${2:-}
  ivy=$(mktemp -d)
  : >"$ivy/noop.py"
  # spark-submit resolves --packages before it runs the (empty) application.
  ${RESOLVE_TIMEOUT:+timeout "$RESOLVE_TIMEOUT"} "$spark_home/bin/spark-submit" --packages "$coordinate" \
    ${excluded:+--exclude-packages "$excluded"} --conf "spark.jars.ivy=$ivy" "$ivy/noop.py" >"$ivy/log" 2>&1
}

# copy_resolved: copy into $jars every jar of $ivy/jars Spark does not already ship, then drop
# $ivy. Prints what it added.
copy_resolved() {
  local jar name artifact added=()
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
  echo "$BAKE: added to $jars: ${added[*]}"
}

# bake_package COORDINATE [EXCLUDED]: resolve_package, or fail the build saying what to do, then
# copy_resolved.
bake_package() {
  resolve_package "$@" ||
    die "could not fetch $1 (the build needs Spark's package repository; offline, use an images.jupyter that has it in \$SPARK_HOME/jars). Last lines:
$(tail -n 15 "$ivy/log")"
  copy_resolved
}
