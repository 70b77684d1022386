#!/usr/bin/env bash
# Build the real-service images that end-to-end tests run in place of the upstream ones:
#   helk-test/kafka:4.1.1          real Apache Kafka (KRaft), drop-in for apache/kafka:4.1.1
#   helk-test/elasticsearch:8.19.5 real Elasticsearch, drop-in for the official 8.19.5 image
# No container registry is reachable, so both build on helk-test/debian:bookworm (made by
# scripts/build-test-images.sh, run first when missing) with Debian's Java 17; the Kafka jars
# and Elastic's integ-test-zip distribution are fetched on the host with Maven, by coordinates,
# into $HELK_CACHE/fixtures and copied into a temporary build context.
# Idempotent and fast when nothing changed: each image carries org.helk.inputs=<sha256 of its
# inputs> and is rebuilt only when that hash differs. One line per image: built / up to date.
#   bash scripts/build-fixture-images.sh
# Env: HELK_CACHE (default /var/cache/helk). Needs docker, mvn and a JDK 17 (javac) on the host.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
SELF=scripts/build-fixture-images.sh

CACHE=${HELK_CACHE:-/var/cache/helk}
FIXTURES=$CACHE/fixtures
LOGS=$CACHE/logs
M2=$FIXTURES/m2
BASE=helk-test/debian:bookworm

KAFKA_VERSION=4.1.1
KAFKA_IMAGE=helk-test/kafka:$KAFKA_VERSION
KAFKA_DIR=test/fixtures/images/kafka

ES_VERSION=8.19.5
ES_IMAGE=${HELK_ES_FIXTURE_TAG:-helk-test/elasticsearch:$ES_VERSION}
ES_DIR=test/fixtures/images/elasticsearch
ES_ARTIFACT=org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip

# Pinned so a fresh Maven repository resolves the same goals everywhere.
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

# shellcheck source=lib/image-build.sh
. scripts/lib/image-build.sh
image_build_init build-fixture-images "$CACHE/build-fixture-images.lock" "$FIXTURES" "$LOGS"
# Names and contents of every file under a directory of the repository, and of this script
# (it assembles the build contexts, so editing it must rebuild).
tree_sum() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); sha256sum "$SELF"; }

# Temporary build contexts and Maven projects, removed however the script ends.
WORK=$(mktemp -d "$CACHE/fixture-build.XXXXXX")
trap 'rm -rf --one-file-system "$WORK"' EXIT

need_host_tools() {
  command -v mvn >/dev/null || die "mvn is not installed on the host (apt-get install maven)"
  command -v javac >/dev/null || die "javac is not installed on the host (apt-get install openjdk-17-jdk-headless)"
}

# mvn_run DIR LOG ARGS...: quiet, batch mode, in DIR, with the fixtures' own local repository.
mvn_run() {
  local dir=$1 log=$2
  shift 2
  (cd "$dir" && exec mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$M2" "$@") >"$log" 2>&1 ||
    die "mvn $* failed; last lines of $log:
$(tail -n 25 "$log")"
}

# KAFKA_LIBS=$FIXTURES/kafka-<version>-<pom hash>/libs: the jars of $KAFKA_DIR/pom.xml (fetched once).
kafka_libs() {
  local dir log
  dir=$FIXTURES/kafka-$KAFKA_VERSION-$({ echo "$KAFKA_VERSION"; cat "$KAFKA_DIR/pom.xml"; } | sha | cut -c1-12)
  if [ ! -s "$dir/MANIFEST" ]; then
    need_host_tools
    log=$LOGS/kafka-libs.log
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/libs" "$WORK/kafka-pom"
    # Maven runs on a copy, so nothing (target/) is ever written into the repository.
    cp "$KAFKA_DIR/pom.xml" "$WORK/kafka-pom/pom.xml"
    mvn_run "$WORK/kafka-pom" "$log" -Dkafka.version="$KAFKA_VERSION" \
      "$DEPENDENCY_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory="$dir.tmp/libs"
    if [ ! -s "$dir.tmp/libs/kafka_2.13-$KAFKA_VERSION.jar" ] || [ ! -s "$dir.tmp/libs/kafka-tools-$KAFKA_VERSION.jar" ]; then
      die "Maven did not deliver the Kafka $KAFKA_VERSION jars; see $log"
    fi
    (cd "$dir.tmp/libs" && sha256sum -- *.jar) >"$dir.tmp/MANIFEST"
    # Jars of an earlier pom or version are of no further use (Maven's repository keeps them).
    find "$FIXTURES" -maxdepth 1 -name 'kafka-*' ! -name "$(basename "$dir").tmp" -exec rm -rf {} +
    mv "$dir.tmp" "$dir"
  fi
  KAFKA_LIBS=$dir/libs
}

# ES_ZIP=$FIXTURES/elasticsearch-<version>/elasticsearch-<version>.zip: Elastic's integ-test-zip
# (fetched once).
es_zip() {
  local dir=$FIXTURES/elasticsearch-$ES_VERSION log
  if [ ! -s "$dir/SHA256" ]; then
    need_host_tools
    log=$LOGS/elasticsearch-zip.log
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" "$WORK/es-mvn"
    # Run where no pom.xml is, so the goal needs no project.
    mvn_run "$WORK/es-mvn" "$log" "$DEPENDENCY_PLUGIN:copy" -Dartifact="$ES_ARTIFACT" -DoutputDirectory="$dir.tmp"
    [ -s "$dir.tmp/elasticsearch-$ES_VERSION.zip" ] || die "Maven did not deliver $ES_ARTIFACT; see $log"
    (cd "$dir.tmp" && sha256sum "elasticsearch-$ES_VERSION.zip") >"$dir.tmp/SHA256"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  ES_ZIP=$dir/elasticsearch-$ES_VERSION.zip
}


build_kafka() {
  local t0 hash ctx
  t0=$(now)
  # Inputs: the fixture files, the version and the exact base. Released Maven artifacts never
  # change, so the pom and version stand for the jars and an up-to-date check needs no Maven.
  hash=$({ tree_sum "$KAFKA_DIR"; echo "kafka $KAFKA_VERSION"; id_of "$BASE"; } | sha)
  if [ "$(label_of "$KAFKA_IMAGE")" = "$hash" ]; then report "$KAFKA_IMAGE" "up to date" "$t0"; return; fi
  kafka_libs
  ctx=$WORK/kafka-context
  mkdir -p "$ctx"
  cp -r "$KAFKA_DIR"/. "$ctx"/
  cp -r "$KAFKA_LIBS" "$ctx/libs"
  labelled_build "$KAFKA_IMAGE" "$hash" "$ctx"
  report "$KAFKA_IMAGE" "built" "$t0"
}

build_elasticsearch() {
  local t0 hash ctx module src
  t0=$(now)
  hash=$({ tree_sum "$ES_DIR"; echo "$ES_ARTIFACT"; id_of "$BASE"; } | sha)
  if [ "$(label_of "$ES_IMAGE")" = "$hash" ]; then report "$ES_IMAGE" "up to date" "$t0"; return; fi
  es_zip
  ctx=$WORK/es-context
  mkdir -p "$ctx"
  cp "$ES_DIR"/Dockerfile "$ES_DIR"/entrypoint.sh "$ES_DIR"/elasticsearch.yml "$ctx"/
  # Windows launchers are of no use in the image.
  unzip -q "$ES_ZIP" -x '*.bat' '*.exe' -d "$ctx" ||
    die "cannot unpack $ES_ZIP (delete $(dirname "$ES_ZIP") to fetch it again)"
  mv "$ctx/elasticsearch-$ES_VERSION" "$ctx/elasticsearch"
  need_host_tools
  # The fixture's own modules (see each one's source): security-analysis lets the node create its
  # .security index; stack-templates installs the built-in logs/metrics templates, whose JSON is
  # the distribution's own, taken from its template-resources jar into the module's jar.
  for module in security-analysis stack-templates; do
    src=$ES_DIR/$module
    rm -rf "$WORK/es-classes" && mkdir -p "$WORK/es-classes" "$ctx/$module"
    javac --release 17 -nowarn -d "$WORK/es-classes" -cp "$ctx/elasticsearch/lib/*" "$src"/*.java \
      >"$LOGS/es-$module.log" 2>&1 ||
      die "javac of $src failed; last lines of $LOGS/es-$module.log:
$(tail -n 25 "$LOGS/es-$module.log")"
    if [ "$module" = stack-templates ]; then
      unzip -q -o -d "$WORK/es-classes" "$ctx"/elasticsearch/modules/x-pack-core/x-pack-template-resources-"$ES_VERSION".jar \
        'logs@*.json' 'metrics@*.json' 'ecs@mappings.json' 'data-streams@mappings.json' ||
        die "the template resources are missing from the $ES_VERSION distribution"
    fi
    jar cf "$ctx/$module/helk-$module.jar" -C "$WORK/es-classes" .
    sed "s/@ES_VERSION@/$ES_VERSION/g" "$src/plugin-descriptor.properties" >"$ctx/$module/plugin-descriptor.properties"
  done
  labelled_build "$ES_IMAGE" "$hash" "$ctx"
  report "$ES_IMAGE" "built" "$t0"
}

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  bash scripts/build-test-images.sh || die "scripts/build-test-images.sh failed, so $BASE is missing"
fi
build_kafka
build_elasticsearch
