# Shared by the scripts that build the test images: errors, one lock, timing lines and the
# input-hash labels that decide whether an image is up to date. Source it, then call
# image_build_init NAME LOCK DIR... (the folders to create under the cache).

die() { echo "$IMAGE_BUILD_NAME: $*" >&2; exit 1; }

image_build_init() {
  IMAGE_BUILD_NAME=$1
  local lock=$2
  shift 2
  trap 'die "failed at line $LINENO: $BASH_COMMAND"' ERR
  docker info >/dev/null 2>&1 || die "the Docker engine does not answer (run scripts/setup-host.sh first)"
  mkdir -p "$@" || die "cannot create $* (run as root or set HELK_CACHE)"
  # Parallel test workers may all call a build: one at a time, the others then find it done.
  exec 9>"$lock"
  flock 9
}

now() { date +%s.%N; }
report() { awk -v i="$1" -v w="$2" -v a="$3" -v b="$(now)" 'BEGIN { printf "%-32s %-10s %6.1f s\n", i, w, b - a }'; }
label_of() { docker image inspect -f '{{index .Config.Labels "org.helk.inputs"}}' "$1" 2>/dev/null || true; }
id_of() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
sha() { sha256sum | cut -d' ' -f1; }

# labelled_build IMAGE HASH DOCKER-BUILD-ARGS...: build with the input hash as a label and the
# log in $LOGS; drop the image it replaced so old builds do not pile up (shared layers stay).
labelled_build() {
  local image=$1 hash=$2 old log
  shift 2
  old=$(id_of "$image")
  log="$LOGS/$(echo "$image" | tr '/:' '__').log"
  docker build --force-rm --label "org.helk.inputs=$hash" -t "$image" "$@" >"$log" 2>&1 ||
    die "docker build of $image failed; last lines of $log:
$(tail -n 25 "$log")"
  if [ -n "$old" ] && [ "$old" != "$(id_of "$image")" ]; then docker image rm "$old" >/dev/null 2>&1 || true; fi
}

# engine_arch: the Docker engine's CPU as wheel tags name it (the image's CPU, not necessarily
# this shell's): the wheels with compiled code are chosen for it.
engine_arch() {
  local a
  a=$(docker info -f '{{.Architecture}}')
  case $a in
    x86_64 | amd64) echo x86_64 ;;
    aarch64 | arm64) echo aarch64 ;;
    *) die "unsupported Docker engine architecture: $a" ;;
  esac
}
