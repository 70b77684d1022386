#!/usr/bin/env bash
# Build the stand-in images that installer lifecycle tests run instead of the real services.
# No container registry is reachable here, so the base is made with debootstrap and imported.
# Idempotent and fast when nothing changed: each image carries org.helk.inputs=<sha256 of its
# inputs> and is rebuilt only when that hash differs. One line per image: built / up to date.
#   bash scripts/build-test-images.sh
# Env: HELK_CACHE (default /var/cache/helk), HELK_DEBIAN_MIRROR (default: the host's apt mirror).
set -Eeuo pipefail
cd "$(dirname "$0")/.."

CACHE=${HELK_CACHE:-/var/cache/helk}
SUITE=bookworm
BASE=helk-test/debian:$SUITE
STANDIN=helk-test/standin:1
UNHEALTHY=helk-test/standin-unhealthy:1
CONTEXT=test/fixtures/images/standin
LOGS=$CACHE/logs

# shellcheck source=lib/image-build.sh
. scripts/lib/image-build.sh
# shellcheck source=lib/debian-base.sh
. scripts/lib/debian-base.sh
image_build_init build-test-images "$CACHE/build-test-images.lock" "$CACHE" "$LOGS"

# build IMAGE HASH DOCKER-BUILD-ARGS...: skip when the label matches; else build with the log
# kept in $LOGS, and drop the image it replaced so old builds do not pile up.
build() {
  local image=$1 hash=$2 t0
  shift 2
  t0=$(now)
  if [ "$(label_of "$image")" = "$hash" ]; then report "$image" "up to date" "$t0"; return; fi
  labelled_build "$image" "$hash" "$@"
  report "$image" "built" "$t0"
}

build_debian_base "$SUITE" "$CACHE" "$LOGS"

# Inputs: every file of the build context (names, contents) and the exact base it builds on.
standin_hash=$({ (cd "$CONTEXT" && find . -type f ! -name '*.pyc' | LC_ALL=C sort | xargs sha256sum); id_of "$BASE"; } | sha)
build "$STANDIN" "$standin_hash" "$CONTEXT"

# Same image, failing its healthchecks forever: a two-line Dockerfile on stdin, no context.
unhealthy_df=$(printf 'FROM %s\nENV STANDIN_HEALTHY=0\n' "$STANDIN")
unhealthy_hash=$({ echo "$unhealthy_df"; id_of "$STANDIN"; } | sha)
build "$UNHEALTHY" "$unhealthy_hash" - <<<"$unhealthy_df"

# Strict doubles of the upstream images that cannot be pulled here, one folder each under
# test/fixtures/images/doubles/<name>/ (a Dockerfile FROM $BASE or $STANDIN, and the CONTRACT.md
# that names the upstream sources it follows), tagged helk-test/<name>-double:1.
for ctx in test/fixtures/images/doubles/*/; do
  [ -f "$ctx/Dockerfile" ] || continue
  name=$(basename "$ctx")
  hash=$({ (cd "$ctx" && find . -type f ! -name '*.pyc' | LC_ALL=C sort | xargs sha256sum); id_of "$BASE"; id_of "$STANDIN"; } | sha)
  build "helk-test/$name-double:1" "$hash" "$ctx"
done
