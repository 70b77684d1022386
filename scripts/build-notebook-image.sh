#!/usr/bin/env bash
# Build helk-test/pyspark-notebook:<Spark version>: real JupyterLab and real Spark with the layout of
# quay.io/jupyter/pyspark-notebook:spark-<same version> (test/fixtures/images/jupyter/CONTRACT.md):
# Spark under /usr/local/spark, no Kafka connector, no pip pyspark. The Spark version is the
# pyspark== pin of test/fixtures/images/jupyter/requirements.txt, the one HELK's default images
# run. No container registry is reachable, so it builds on helk-test/debian:bookworm (made by
# scripts/build-test-images.sh, run first when missing); the wheels of requirements.txt are
# fetched on the host with pip into $HELK_CACHE/fixtures/notebook-wheels and copied into a
# temporary build context, with the host's CA bundle (see the Dockerfile).
# Idempotent and fast when nothing changed: the image carries org.helk.inputs=<sha256 of its
# inputs> and is rebuilt only when that hash differs. One line: built / up to date.
#   bash scripts/build-notebook-image.sh            # HELK's default Spark (requirements.txt)
#   bash scripts/build-notebook-image.sh spark-3.4  # the same image on another Spark line
# A variant (test/fixtures/images/jupyter/variants/<name>.txt) replaces the pins of
# requirements.txt that it lists (pyspark and the py4j that pyspark pins), nothing else: same
# Dockerfile, same layout, tagged by its own Spark version (spark-3.4: ES-Hadoop's Spark).
# Env: HELK_CACHE (default /var/cache/helk), HELK_PYTHON (default python3: any Python 3 with
# pip on the host; the wheels are chosen for the image's CPython 3.11, not the host's).
set -Eeuo pipefail
cd "$(dirname "$0")/.."

CACHE=${HELK_CACHE:-/var/cache/helk}
FIXTURES=$CACHE/fixtures
LOGS=$CACHE/logs
BASE=helk-test/debian:bookworm
DIR=test/fixtures/images/jupyter
VARIANT=${1:-}
PINS=
if [ -n "$VARIANT" ]; then
  PINS=$DIR/variants/$VARIANT.txt
  [ -s "$PINS" ] || { echo "build-notebook-image: no variant $VARIANT (expected $PINS)" >&2; exit 1; }
fi
# requirements.txt with the variant's pins in place of its own (name==version lines, by name).
effective_requirements() {
  if [ -z "$PINS" ]; then cat "$DIR/requirements.txt"; return; fi
  awk -F'==' 'NR == FNR { if ($0 !~ /^#/ && NF == 2) pin[$1] = $0; next } ($1 in pin) { print pin[$1]; next } { print }' \
    "$PINS" "$DIR/requirements.txt"
}
SPARK_VERSION=$(effective_requirements | sed -n 's/^pyspark==//p')
[ -n "$SPARK_VERSION" ] || { echo "build-notebook-image: $DIR/requirements.txt has no pyspark== line" >&2; exit 1; }
IMAGE=helk-test/pyspark-notebook:$SPARK_VERSION
# One wheel cache per variant: each keeps only its newest set, and must not drop the other's.
WHEELS_ROOT=$FIXTURES/notebook-wheels${VARIANT:+-$VARIANT}
# The CAs Java in the image trusts besides Debian's (the Dockerfile says why).
HOST_CA=${HELK_HOST_CA:-/etc/ssl/certs/ca-certificates.crt}
PY=${HELK_PYTHON:-python3}
# Debian 12's python3, which runs the image's venv: the exact version, since some wheels need a
# later 3.11.x (pip refuses them in the image, so they must not be chosen here either).
PY_VERSION=3.11.2
PY_ABI=cp311

# shellcheck source=lib/image-build.sh
. scripts/lib/image-build.sh
image_build_init build-notebook-image "$CACHE/build-notebook-image.lock" "$FIXTURES" "$LOGS"
# Names and contents of every file under a directory of the repository; the variants' pins
# count only for the image that uses them (PINS, below).
tree_sum() { (cd "$1" && find . -type f ! -name '*.pyc' ! -path './variants/*' | LC_ALL=C sort | xargs sha256sum); }

# The engine's CPU, which is the image's: the wheels with compiled code are chosen for it.
ARCH=$(engine_arch)

# Temporary build context, removed however the script ends.
WORK=$(mktemp -d "$CACHE/notebook-build.XXXXXX")
trap 'rm -rf --one-file-system "$WORK"' EXIT
effective_requirements >"$WORK/requirements.txt"

# WHEELS=$WHEELS_ROOT/<arch>-<requirements hash>: a wheel for every line of requirements.txt
# (fetched once; a set for older requirements is deleted when a new one is complete).
notebook_wheels() {
  local req=$WORK/requirements.txt dir log pyspark glibc platforms
  # Keyed on the pins only: editing a comment refetches nothing.
  dir=$WHEELS_ROOT/$ARCH-$({ echo "$ARCH $PY_ABI"; grep -v '^#' "$req"; } | sha | cut -c1-12)
  if [ ! -s "$dir/MANIFEST" ]; then
    "$PY" -m pip --version >/dev/null 2>&1 ||
      die "$PY has no pip on the host (apt-get install python3-pip, or set HELK_PYTHON)"
    log=$LOGS/notebook-wheels.log
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    # Binary wheels for the image's Python and CPU, whichever Python runs pip here. Every
    # version is pinned, so pip only checks that the set is complete and consistent.
    # Older pips do not widen --platform to the older manylinux tags that glibc 2.36 also runs,
    # so all of them are listed (manylinux2014 = 2_17, 2010 = 2_12, 1 = 2_5).
    platforms=()
    for glibc in $(seq 36 -1 5); do platforms+=(--platform "manylinux_2_${glibc}_$ARCH"); done
    platforms+=(--platform "manylinux2014_$ARCH")
    if [ "$ARCH" = x86_64 ]; then platforms+=(--platform manylinux2010_x86_64 --platform manylinux1_x86_64); fi
    grep -v '^pyspark==' "$req" >"$WORK/binary-requirements.txt"
    "$PY" -m pip download --disable-pip-version-check --no-cache-dir --progress-bar off \
      --only-binary=:all: --python-version "$PY_VERSION" --implementation cp \
      --abi "$PY_ABI" --abi abi3 --abi none "${platforms[@]}" \
      -d "$dir.tmp" -r "$WORK/binary-requirements.txt" >"$log" 2>&1 ||
      die "pip download of the notebook wheels failed; last lines of $log:
$(tail -n 25 "$log")"
    # PySpark is published as a source archive only (Python plus Spark's jars, pure Python):
    # pip makes it a wheel here, once, rather than in every image build.
    pyspark=$(grep -m1 '^pyspark==' "$req") || die "$req has no pyspark== line"
    "$PY" -m pip wheel --disable-pip-version-check --no-cache-dir --progress-bar off --no-deps \
      -w "$dir.tmp" "$pyspark" >>"$log" 2>&1 ||
      die "pip wheel $pyspark failed; last lines of $log:
$(tail -n 25 "$log")"
    ls "$dir.tmp"/pyspark-*.whl >/dev/null 2>&1 || die "pip did not deliver a $pyspark wheel; see $log"
    (cd "$dir.tmp" && sha256sum -- *.whl) >"$dir.tmp/MANIFEST"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    find "$WHEELS_ROOT" -mindepth 1 -maxdepth 1 ! -name "$(basename "$dir")" -exec rm -rf --one-file-system {} +
  fi
  WHEELS=$dir
}

build_notebook() {
  local t0 hash ctx old log
  t0=$(now)
  # Inputs: the fixture files (requirements.txt pins every wheel), the CPU and the exact base.
  [ -s "$HOST_CA" ] || die "no CA bundle at $HOST_CA (install ca-certificates, or set HELK_HOST_CA)"
  hash=$({ tree_sum "$DIR"; echo "arch $ARCH"; id_of "$BASE"; sha <"$HOST_CA"; if [ -n "$PINS" ]; then sha <"$PINS"; fi; } | sha)
  if [ "$(label_of "$IMAGE")" = "$hash" ]; then report "$IMAGE" "up to date" "$t0"; return; fi
  notebook_wheels
  ctx=$WORK/context
  mkdir -p "$ctx"
  cp "$DIR"/Dockerfile "$WORK"/requirements.txt "$DIR"/*.py "$DIR"/*.sh "$ctx"/
  cp "$HOST_CA" "$ctx/host-ca.crt"
  # Hard links when the cache and the context share a file system: no 500 MB copy.
  cp -al "$WHEELS" "$ctx/wheels" 2>/dev/null || { rm -rf "$ctx/wheels" && cp -r "$WHEELS" "$ctx/wheels"; }
  old=$(id_of "$IMAGE")
  log="$LOGS/$(echo "$IMAGE" | tr '/:' '__').log"
  # The classic builder, whose log this parses below (and the engine here has no BuildKit).
  if ! DOCKER_BUILDKIT=0 docker build --force-rm --build-arg "SPARK_VERSION=$SPARK_VERSION" --label "org.helk.inputs=$hash" -t "$IMAGE" "$ctx" >"$log" 2>&1; then
    drop_leftovers "$log" failed
    die "docker build of $IMAGE failed; last lines of $log:
$(tail -n 25 "$log")"
  fi
  drop_leftovers "$log"
  if [ -n "$old" ] && [ "$old" != "$(id_of "$IMAGE")" ]; then docker image rm "$old" >/dev/null 2>&1 || true; fi
  report "$IMAGE" "built" "$t0"
}

# drop_leftovers LOG [failed]: the untagged images a classic multi-stage build leaves behind.
# The venv stage ends in one holding the wheels and the venv (about 1.3 GB) that the image only
# copied /opt/venv out of: the last " ---> <id>" before the second FROM. After a failure, also
# the last step that succeeded. Removing an image removes its untagged parents with it, and
# never one that another image still builds on.
drop_leftovers() {
  local log=$1 id keep
  keep=" $(id_of "$IMAGE" | sed 's/^sha256://' | cut -c1-12) $(id_of "$BASE" | sed 's/^sha256://' | cut -c1-12) "
  for id in \
    "$(awk '/^ ---> [0-9a-f]+$/ { id = $2 } /^Step [0-9]+\/[0-9]+ : FROM / { if (++n == 2) { print id; exit } }' "$log")" \
    "$([ "${2:-}" = failed ] && awk '/^ ---> [0-9a-f]+$/ { id = $2 } END { print id }' "$log")"; do
    if [ -z "$id" ] || [[ $keep == *" $id "* ]]; then continue; fi
    docker image rm "$id" >/dev/null 2>&1 || true
  done
}

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  bash scripts/build-test-images.sh || die "scripts/build-test-images.sh failed, so $BASE is missing"
fi
build_notebook
