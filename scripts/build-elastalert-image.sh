#!/usr/bin/env bash
# Build helk-test/elastalert2:<version>: real ElastAlert 2 with the layout of jertel/elastalert2:<same
# version> (test/fixtures/images/elastalert2/CONTRACT.md): user elastalert (1000), /opt/elastalert,
# run.sh creating the writeback index then running ElastAlert. The version is the elastalert2== pin
# of test/fixtures/images/elastalert2/requirements.txt. No container registry is reachable, so it
# builds on helk-test/debian:trixie (Python 3.13; debootstrapped from the host's apt mirror by
# scripts/lib/debian-base.sh when missing); the wheels are fetched on the host with pip into
# $HELK_CACHE/fixtures/elastalert-wheels and copied into a temporary build context, because pip
# inside a docker build cannot verify TLS here.
# Idempotent and fast when nothing changed: the image carries org.helk.inputs=<sha256 of its
# inputs> and is rebuilt only when that hash differs. One line: built / up to date.
#   bash scripts/build-elastalert-image.sh
# Env: HELK_CACHE (default /var/cache/helk), HELK_PYTHON (default python3: any Python 3 with pip on
# the host; the wheels are chosen for the image's CPython 3.13, not the host's).
set -Eeuo pipefail
cd "$(dirname "$0")/.."

CACHE=${HELK_CACHE:-/var/cache/helk}
FIXTURES=$CACHE/fixtures
LOGS=$CACHE/logs
SUITE=trixie
BASE=helk-test/debian:$SUITE
DIR=test/fixtures/images/elastalert2
VERSION=$(sed -n 's/^elastalert2==//p' "$DIR/requirements.txt")
IMAGE=helk-test/elastalert2:$VERSION
WHEELS_ROOT=$FIXTURES/elastalert-wheels
PY=${HELK_PYTHON:-python3}
# Debian 13's python3 (3.13.5) and glibc (2.41): pip must choose wheels the image can install.
PY_VERSION=3.13.5
PY_ABI=cp313
GLIBC_MINOR=41

# shellcheck source=lib/image-build.sh
. scripts/lib/image-build.sh
# shellcheck source=lib/debian-base.sh
. scripts/lib/debian-base.sh
[ -n "$VERSION" ] || { echo "build-elastalert-image: $DIR/requirements.txt has no elastalert2== line" >&2; exit 1; }
image_build_init build-elastalert-image "$CACHE/build-elastalert-image.lock" "$FIXTURES" "$LOGS"

# The engine's CPU, which is the image's: the wheels with compiled code are chosen for it.
ARCH=$(engine_arch)

WORK=$(mktemp -d "$CACHE/elastalert-build.XXXXXX")
trap 'rm -rf --one-file-system "$WORK"' EXIT

# pip_download DIR LOG: every wheel requirements.txt needs, for the image's Python and CPU.
pip_download() {
  local glibc platforms=()
  for glibc in $(seq "$GLIBC_MINOR" -1 5); do platforms+=(--platform "manylinux_2_${glibc}_$ARCH"); done
  platforms+=(--platform "manylinux2014_$ARCH")
  "$PY" -m pip download --disable-pip-version-check --no-cache-dir --progress-bar off \
    --only-binary=:all: --python-version "$PY_VERSION" --implementation cp \
    --abi "$PY_ABI" --abi abi3 --abi none "${platforms[@]}" --find-links "$1" \
    -d "$1" -r "$DIR/requirements.txt" >>"$2" 2>&1
}

# WHEELS=$WHEELS_ROOT/<arch>-<pins hash>, fetched once. A few of ElastAlert's dependencies
# (envparse, exotel) are published as source archives only: each one pip reports missing is made a
# wheel on the host (pure Python, checked) and the download is retried.
elastalert_wheels() {
  local dir log missing tries=0
  dir=$WHEELS_ROOT/$ARCH-$({ echo "$ARCH $PY_ABI $PY_VERSION"; grep -v '^#' "$DIR/requirements.txt"; } | sha | cut -c1-12)
  if [ ! -s "$dir/MANIFEST" ]; then
    "$PY" -m pip --version >/dev/null 2>&1 || die "$PY has no pip on the host (apt-get install python3-pip, or set HELK_PYTHON)"
    log=$LOGS/elastalert-wheels.log
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" && : >"$log"
    until pip_download "$dir.tmp" "$log"; do
      missing=$(sed -n 's/^ERROR: No matching distribution found for \(.*\)$/\1/p' "$log" | tail -n1)
      [ -n "$missing" ] && [ $((tries += 1)) -le 10 ] || die "pip download of the ElastAlert wheels failed; last lines of $log:
$(tail -n 25 "$log")"
      "$PY" -m pip wheel --disable-pip-version-check --no-cache-dir --progress-bar off --no-deps -w "$dir.tmp" "$missing" >>"$log" 2>&1 ||
        die "pip wheel $missing failed; see $log"
      ! ls "$dir.tmp" | grep -v -- '-none-any\.whl$' | grep -v -- "-$PY_ABI-\|-abi3-" >/dev/null ||
        die "$missing built a wheel for the host's Python only; see $log"
    done
    (cd "$dir.tmp" && sha256sum -- *.whl) >"$dir.tmp/MANIFEST"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    find "$WHEELS_ROOT" -mindepth 1 -maxdepth 1 ! -name "$(basename "$dir")" -exec rm -rf --one-file-system {} +
  fi
  WHEELS=$dir
}

build_elastalert() {
  local t0 hash ctx
  t0=$(now)
  # Inputs: the fixture's files (requirements.txt pins the top of the set), the CPU and the exact base.
  hash=$({ (cd "$DIR" && find . -type f | LC_ALL=C sort | xargs sha256sum); echo "arch $ARCH"; id_of "$BASE"; } | sha)
  if [ "$(label_of "$IMAGE")" = "$hash" ]; then report "$IMAGE" "up to date" "$t0"; return; fi
  elastalert_wheels
  ctx=$WORK/context
  mkdir -p "$ctx"
  cp "$DIR"/Dockerfile "$DIR"/requirements.txt "$ctx"/
  cp -al "$WHEELS" "$ctx/wheels" 2>/dev/null || { rm -rf "$ctx/wheels" && cp -r "$WHEELS" "$ctx/wheels"; }
  labelled_build "$IMAGE" "$hash" "$ctx"
  report "$IMAGE" "built" "$t0"
}

# The base's own line only when it had to be made (debootstrap: minutes, once per machine).
if ! docker image inspect "$BASE" >/dev/null 2>&1; then build_debian_base "$SUITE" "$CACHE" "$LOGS"; fi
build_elastalert
