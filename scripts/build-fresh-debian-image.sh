#!/usr/bin/env bash
# Build helk-test/fresh-debian:1, the fresh Debian 12 that test/engine/fresh-debian.test.ts runs
# the README's first command on: helk-test/debian:bookworm (run scripts/build-test-images.sh
# first) with Debian's .deb files for scripts/setup-host.sh downloaded, not installed, and an npm
# cache for package-lock.json filled here with the host's npm. Idempotent and fast when nothing
# changed: the image carries org.helk.inputs=<sha256 of its inputs>. One line: built / up to date.
#   bash scripts/build-fresh-debian-image.sh
# Env: HELK_CACHE (default /var/cache/helk).
set -Eeuo pipefail
cd "$(dirname "$0")/.."

CACHE=${HELK_CACHE:-/var/cache/helk}
LOGS=$CACHE/logs
BASE=helk-test/debian:bookworm
IMAGE=helk-test/fresh-debian:1
DIR=test/fixtures/images/fresh-debian
NPM_CACHE=$CACHE/fixtures/fresh-debian-npm

# shellcheck source=lib/image-build.sh
. scripts/lib/image-build.sh
image_build_init build-fresh-debian-image "$CACHE/build-fresh-debian-image.lock" "$CACHE/fixtures" "$LOGS"
[ -n "$(id_of "$BASE")" ] || die "$BASE is missing: run scripts/build-test-images.sh first"

WORK=$(mktemp -d "$CACHE/fresh-debian-build.XXXXXX")
trap 'rm -rf --one-file-system "$WORK"' EXIT

# $NPM_CACHE/_cacache holds every package of package-lock.json (the platform's optional ones
# included: the host's CPU is the engine's). Filled once per lockfile, by the host's npm.
fill_npm_cache() {
  local stamp log
  stamp=$NPM_CACHE/lock-$(sha <package-lock.json | cut -c1-16)
  [ -f "$stamp" ] && return
  command -v npm >/dev/null || die "npm is not installed on the host (run scripts/setup-host.sh --test)"
  log=$LOGS/fresh-debian-npm.log
  rm -rf "$NPM_CACHE" && mkdir -p "$NPM_CACHE"
  cp package.json package-lock.json "$WORK"/
  (cd "$WORK" && exec npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --cache "$NPM_CACHE") >"$log" 2>&1 ||
    die "npm could not fill $NPM_CACHE; last lines of $log:
$(tail -n 25 "$log")"
  rm -rf "$WORK/node_modules"
  touch "$stamp"
}

t0=$(now)
hash=$({ sha256sum "$DIR/Dockerfile" package-lock.json; id_of "$BASE"; } | sha)
if [ "$(label_of "$IMAGE")" = "$hash" ]; then report "$IMAGE" "up to date" "$t0"; exit 0; fi
fill_npm_cache
mkdir -p "$WORK/context"
cp "$DIR/Dockerfile" "$WORK/context/"
# Hard links when the cache and the context share a file system: no copy of the cache.
cp -al "$NPM_CACHE" "$WORK/context/npm-cache" 2>/dev/null ||
  { rm -rf "$WORK/context/npm-cache" && cp -r "$NPM_CACHE" "$WORK/context/npm-cache"; }
DOCKER_BUILDKIT=0 labelled_build "$IMAGE" "$hash" "$WORK/context"
report "$IMAGE" "built" "$t0"
