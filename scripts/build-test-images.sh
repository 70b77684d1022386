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
TARBALL=$CACHE/debian-$SUITE-minbase.tar
LOGS=$CACHE/logs

# shellcheck source=lib/image-build.sh
. scripts/lib/image-build.sh
image_build_init build-test-images "$CACHE/build-test-images.lock" "$CACHE" "$LOGS"

# The Debian mirror the host's apt already uses (one-line or deb822 sources), so the base image
# fetches from wherever this machine is allowed to; nothing is hard-coded in the repository.
host_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v s="$SUITE" '$1=="deb" { sub(/\[[^]]*\] */, ""); if ($3==s) { print $2; exit } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # Stanzas are separated by blank lines; pick the first deb stanza whose Suites has $SUITE.
    awk -v s="$SUITE" '
      function flush() { if (deb && (" " suites " ") ~ (" " s " ") && uri != "") { print uri; exit } deb=0; suites=""; uri="" }
      /^[[:space:]]*$/ { flush(); next }
      /^Types:/ { deb = ($0 ~ /[[:space:]]deb([[:space:]]|$)/) }
      /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites=$0 }
      /^URIs:/ { uri=$2 }
      END { flush() }' "$f"
  done
}

# A failed debootstrap can leave /proc or device binds mounted inside the target: unmount
# before deleting, and never let rm cross into another file system.
remove_rootfs() {
  local dir=$1 m
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  awk -v d="$dir" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$dir"
}

build_base() {
  local t0 rootfs mirror
  t0=$(now)
  if docker image inspect "$BASE" >/dev/null 2>&1; then report "$BASE" "up to date" "$t0"; return; fi
  if [ ! -s "$TARBALL" ]; then
    [ "$(id -u)" -eq 0 ] || die "debootstrap needs root to build $TARBALL"
    if ! command -v debootstrap >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
        die "cannot install debootstrap"
    fi
    mirror=${HELK_DEBIAN_MIRROR:-$(host_mirror | head -n1)}
    [ -n "$mirror" ] || echo "build-test-images: no $SUITE mirror in the host's apt sources; using debootstrap's default" >&2
    rootfs=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    trap 'remove_rootfs "$rootfs"' EXIT
    debootstrap --variant=minbase "$SUITE" "$rootfs" ${mirror:+"$mirror"} >"$LOGS/debootstrap.log" 2>&1 ||
      die "debootstrap failed; last lines of $LOGS/debootstrap.log:
$(tail -n 15 "$LOGS/debootstrap.log")"
    # Docker supplies /dev, /proc, /sys, hostname and resolv.conf itself. Test images need no
    # docs, man pages or translations (about 45 MB): drop them, and have dpkg skip them later too.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/*
    rm -f "$rootfs"/etc/hostname && : >"$rootfs"/etc/resolv.conf
    printf 'path-exclude=/usr/share/%s/*\n' doc man info locale >"$rootfs"/etc/dpkg/dpkg.cfg.d/helk-slim
    tar --numeric-owner -C "$rootfs" -cf "$TARBALL.tmp" \
      --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
      --exclude='./usr/share/doc/*' --exclude='./usr/share/man/*' --exclude='./usr/share/info/*' --exclude='./usr/share/locale/*' .
    mv "$TARBALL.tmp" "$TARBALL"
    remove_rootfs "$rootfs"
    trap - EXIT
  fi
  docker import --change "LABEL org.helk.inputs=debootstrap-minbase-$SUITE" --change 'CMD ["/bin/bash"]' \
    "$TARBALL" "$BASE" >/dev/null || die "docker import of $TARBALL failed"
  report "$BASE" "built" "$t0"
}

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

build_base

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
