# Debian minbase images for the test fixtures (helk-test/debian:<suite>), debootstrapped from the
# host's apt mirror and imported: no container registry is reachable here. Shared by
# scripts/build-test-images.sh (bookworm) and scripts/build-elastalert-image.sh (trixie, whose
# Python 3.13 ElastAlert 2 needs). Source scripts/lib/image-build.sh first (die, now, report).

# host_mirror SUITE: the Debian mirror the host's apt already uses (one-line or deb822 sources),
# so the base image fetches from wherever this machine is allowed to; nothing is hard-coded in
# the repository. A suite the host does not list (trixie on a bookworm host) comes from the
# mirror of the host's own Debian release: one archive serves every suite.
host_mirror() {
  local suite=$1 own
  own=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  mirror_of "$suite"
  [ -z "$own" ] || [ "$own" = "$suite" ] || mirror_of "$own"
}

mirror_of() {
  local s=$1 f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v s="$s" '$1=="deb" { sub(/\[[^]]*\] */, ""); if ($3==s) { print $2; exit } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # Stanzas are separated by blank lines; pick the first deb stanza whose Suites has $s.
    awk -v s="$s" '
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

# debian_minbase_tarball SUITE TARBALL LOGS: debootstrap SUITE's minbase once into TARBALL.
debian_minbase_tarball() {
  local suite=$1 tarball=$2 logs=$3 rootfs mirror
  [ -s "$tarball" ] && return 0
  [ "$(id -u)" -eq 0 ] || die "debootstrap needs root to build $tarball"
  if ! command -v debootstrap >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
      die "cannot install debootstrap"
  fi
  mirror=${HELK_DEBIAN_MIRROR:-$(host_mirror "$suite" | head -n1)}
  [ -n "$mirror" ] || echo "$IMAGE_BUILD_NAME: no Debian mirror in the host's apt sources; using debootstrap's default" >&2
  rootfs=$(mktemp -d "$(dirname "$tarball")/rootfs.XXXXXX")
  trap 'remove_rootfs "$rootfs"' EXIT
  debootstrap --variant=minbase "$suite" "$rootfs" ${mirror:+"$mirror"} >"$logs/debootstrap-$suite.log" 2>&1 ||
    die "debootstrap $suite failed; last lines of $logs/debootstrap-$suite.log:
$(tail -n 15 "$logs/debootstrap-$suite.log")"
  # Docker supplies /dev, /proc, /sys, hostname and resolv.conf itself. Test images need no
  # docs, man pages or translations (about 45 MB): drop them, and have dpkg skip them later too.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/*
  rm -f "$rootfs"/etc/hostname && : >"$rootfs"/etc/resolv.conf
  printf 'path-exclude=/usr/share/%s/*\n' doc man info locale >"$rootfs"/etc/dpkg/dpkg.cfg.d/helk-slim
  tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    --exclude='./usr/share/doc/*' --exclude='./usr/share/man/*' --exclude='./usr/share/info/*' --exclude='./usr/share/locale/*' .
  mv "$tarball.tmp" "$tarball"
  remove_rootfs "$rootfs"
  trap - EXIT
}

# build_debian_base SUITE CACHE LOGS: helk-test/debian:SUITE, imported from the minbase tarball
# (kept in CACHE so a removed image comes back without debootstrap). Sets nothing; one line.
build_debian_base() {
  local suite=$1 cache=$2 logs=$3 image="helk-test/debian:$1" tarball="$2/debian-$1-minbase.tar" t0
  t0=$(now)
  if docker image inspect "$image" >/dev/null 2>&1; then report "$image" "up to date" "$t0"; return; fi
  debian_minbase_tarball "$suite" "$tarball" "$logs"
  docker import --change "LABEL org.helk.inputs=debootstrap-minbase-$suite" --change 'CMD ["/bin/bash"]' \
    "$tarball" "$image" >/dev/null || die "docker import of $tarball failed"
  report "$image" "built" "$t0"
}
