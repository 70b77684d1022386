#!/usr/bin/env bash
# Put GraphFrames (its JVM jars in $SPARK_HOME/jars, its Python package importable by every
# python3) into HELK's notebook image where Spark's resolver can fetch it, so that
# 02-process-graph uses GraphFrame with nothing fetched at run time. Runs as root in
# images/jupyter/Dockerfile.
#   GRAPHFRAMES_VERSION (the Dockerfile's ARG): the io.graphframes release.
#   GRAPHFRAMES_RESOLVE_SECONDS: bound on the resolve (default 300). A coordinate the
#     repositories do not have fails in seconds (Ivy does not retry a "not found"); the bound
#     is for a repository that never answers.
# Where the configured repositories do not serve the coordinate, this says so in one line and
# succeeds: the notebooks answer the same graph questions with DataFrame joins.
set -Eeuo pipefail
BAKE=bake-graphframes
. "$(dirname "$0")/spark-jars.sh"
version=${GRAPHFRAMES_VERSION:?set GRAPHFRAMES_VERSION (the Dockerfile passes its ARG)}
spark_layout

# Since 0.9 GraphFrames publishes one artifact per Spark major and Scala build
# (graphframes-spark3_2.12, -spark3_2.13, -spark4_2.13).
case "$spark_version" in
  3.*|4.*) artifact=graphframes-spark${spark_version%%.*}_$spark_scala ;;
  *) die "no GraphFrames artifact for Spark $spark_version: io.graphframes publishes for Spark 3 and 4" ;;
esac
coordinate=io.graphframes:$artifact:$version

# The Python side: the jars of these releases carry no Python (older spark-packages jars had
# python/graphframes inside); upstream ships it as the graphframes-py package of the same version.
python_side() {
  python3 -c 'import graphframes' >/dev/null 2>&1 && return 0
  python3 -m pip install --no-cache-dir --no-deps "graphframes-py==$version" ||
    die "$coordinate is in $jars but pip could not install graphframes-py==$version (GraphFrames' Python package): give the build a Python package index that serves it"
  python3 -c 'import graphframes' || die "graphframes-py==$version is installed but python3 cannot import graphframes"
}

if ls "$jars/$artifact"-*.jar >/dev/null 2>&1; then
  echo "$BAKE: $jars already has $artifact"
  python_side
  exit 0
fi

status=0
RESOLVE_TIMEOUT=${GRAPHFRAMES_RESOLVE_SECONDS:-300} resolve_package "$coordinate" || status=$?
if [ "$status" -ne 0 ]; then
  # Not served (Ivy's "unresolved dependency") or no answer within the bound: the image goes
  # without it. Anything else (no Java, a broken Spark) fails the build.
  if [ "$status" -eq 124 ] || grep -q 'unresolved dependency' "$ivy/log"; then
    rm -rf "$ivy"
    echo "$BAKE: GraphFrames is not available from the configured repositories ($coordinate did not resolve): the notebooks answer the graph questions with DataFrame joins; to have it, build HELK's notebook image on a machine whose Maven repository serves $coordinate (\`helk install\` there, or \`helk images save\` there and \`helk images load\` here)"
    exit 0
  fi
  die "Spark's resolver failed on $coordinate. Last lines:
$(tail -n 15 "$ivy/log")"
fi
copy_resolved
ls "$jars/$artifact-$version.jar" >/dev/null 2>&1 || die "$coordinate was resolved but its jar is not in $jars"
python_side
