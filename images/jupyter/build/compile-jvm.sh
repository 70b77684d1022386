#!/usr/bin/env bash
# Compile HELK's JVM helpers (images/jupyter/jvm, Java sources) into class files under OUT, for
# the join's driver class path (compose/services/stream-join.ts). Upstream's notebook image has a
# JRE and no javac, so the compiler is Spark's own Janino (janino and commons-compiler are in
# every Spark's jars: Spark compiles its generated code with them). Runs as root in
# images/jupyter/Dockerfile.
#   bash compile-jvm.sh SOURCES OUT
set -Eeuo pipefail
BAKE=compile-jvm
. "$(dirname "$0")/spark-jars.sh"
spark_layout
src=$1 out=$2

# Janino's command-line compiler takes a plain class path (no `*`); Spark's jars hold the UDF
# interfaces (spark-sql-api in Spark 4, spark-sql in 3.x).
classpath=$(printf '%s:' "$jars"/*.jar)
mapfile -t sources < <(find "$src" -name '*.java' | LC_ALL=C sort)
[ "${#sources[@]}" -gt 0 ] || die "no Java sources under $src"
mkdir -p "$out"
java -cp "$classpath" org.codehaus.commons.compiler.samples.CompilerDemo \
  -d "$out" -classpath "$classpath" -encoding UTF-8 "${sources[@]}" ||
  die "Janino could not compile ${sources[*]} against $jars"
chmod -R a+rX "$out"
echo "$BAKE: compiled ${#sources[@]} source(s) into $out with Spark $spark_version's Janino"
