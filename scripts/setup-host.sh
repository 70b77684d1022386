#!/usr/bin/env bash
# Prepare a Debian 12 / Ubuntu 24.04 host (as root) for HELK: Docker engine, Docker Compose,
# openssl, Node.js (the distribution's), Node dependencies and the built CLI. Reuses whatever
# is already there; safe to re-run.
#   bash scripts/setup-host.sh          # what `helk install` needs
#   bash scripts/setup-host.sh --test   # plus what the test tiers need
set -euo pipefail
cd "$(dirname "$0")/.."

TEST=0
[ "${1:-}" = "--test" ] && TEST=1
COMPOSE_VERSION=v2.40.3
# The built CLI runs on Node.js 18.19+ (package.json engines; Debian 12 ships 18.20, Ubuntu
# 24.04 18.19). The test tiers need 20.19+: vitest 4 and its bundler refuse older ones.
NODE_MIN=18.19
[ "$TEST" = 1 ] && NODE_MIN=20.19
CACHE=${HELK_CACHE:-/var/cache/helk}
say() { printf '[setup] %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-host.sh needs root (it installs packages and starts the Docker engine): run it with sudo" >&2
  exit 3
fi

# --- Debian packages: only the missing ones, with one apt-get update --------------------
want=(docker.io docker-compose openssl ca-certificates curl)
# The test tiers also drive a pseudo-terminal (python3), unzip archives and run the replay peer.
[ "$TEST" = 1 ] && want+=(python3 unzip zip kcat time)
missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done

node_version() { node -p process.versions.node 2>/dev/null || true; }
node_ok() { local v; v=$(node_version); [ -n "$v" ] && dpkg --compare-versions "$v" ge "$NODE_MIN"; }
node_unusable() {
  local found
  found=$(node_version)
  {
    echo "HELK needs Node.js $NODE_MIN or newer$([ "$TEST" = 1 ] && echo " for the test tiers (vitest 4)"); $1"
    echo "found: ${found:+v$found at $(command -v node)}${found:-no node on PATH}"
    echo "Debian 12 and Ubuntu 24.04 ship Node.js 18 (it runs helk, not the test tiers); Ubuntu 22.04 ships 12, too old for either."
    echo "fix: install Node.js $NODE_MIN+ from another source (for example NodeSource's nodejs 20.x package, or: snap install node --classic --channel=20), then run this script again"
  } >&2
  exit 3
}
# Node.js: the distribution's nodejs when no node, or too old a one, is on PATH (apt upgrades
# an old packaged one); npm only when none is on PATH (NodeSource's nodejs brings its own).
node_ok || missing+=(nodejs)
need_npm=0
command -v npm >/dev/null 2>&1 || need_npm=1

if [ "${#missing[@]}" -gt 0 ] || [ "$need_npm" = 1 ]; then
  apt-get update -qq
  if [[ " ${missing[*]} " == *" nodejs "* ]]; then
    # Refuse before installing anything: a nodejs that cannot run helk helps nobody.
    candidate=$(apt-cache policy nodejs 2>/dev/null | awk '/Candidate:/ { print $2 }')
    if [ -z "$candidate" ] || [ "$candidate" = "(none)" ] || dpkg --compare-versions "$candidate" lt "$NODE_MIN"; then
      node_unusable "this distribution's nodejs package is ${candidate:-not available}"
    fi
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if ! command -v npm >/dev/null 2>&1; then
    say "installing npm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
fi
# Another node earlier on PATH (a tarball in /usr/local/bin, nvm) can still shadow the package's.
node_ok || node_unusable "the one on PATH is older (the distribution's is /usr/bin/node: put it first on PATH or remove the old one)"
say "node: $(node --version) ($(command -v node)), npm $(npm --version)"

# --- Compose v2 plugin: packaged where available, else built once from the Go module proxy ---
if ! docker compose version >/dev/null 2>&1; then
  bin="$CACHE/compose-$COMPOSE_VERSION/docker-compose"
  if [ ! -x "$bin" ] && command -v go >/dev/null 2>&1; then
    say "building the Docker Compose $COMPOSE_VERSION plugin (about 2 minutes, cached in $CACHE)"
    build="$CACHE/compose-$COMPOSE_VERSION/src"
    mkdir -p "$build"
    (
      cd "$build"
      [ -f go.mod ] || go mod init helk-compose-build >/dev/null 2>&1
      go get "github.com/docker/compose/v2/cmd@$COMPOSE_VERSION" >/dev/null 2>&1
      go build -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" -o ../docker-compose github.com/docker/compose/v2/cmd
    ) || say "building Compose v2 failed; falling back to docker-compose v1"
  fi
  if [ -x "$bin" ]; then
    mkdir -p /usr/local/lib/docker/cli-plugins
    install -m 0755 "$bin" /usr/local/lib/docker/cli-plugins/docker-compose
  fi
fi
docker compose version >/dev/null 2>&1 && say "compose: $(docker compose version --short) (v2 plugin)" || say "compose: docker-compose $(docker-compose version --short) (v1 fallback)"

# --- Docker engine: start it when nothing answers (no systemd as PID 1 here) --------------
if ! docker info >/dev/null 2>&1; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl start docker
  else
    say "starting dockerd in the background (log: /var/log/dockerd.log)"
    # Detached, stdin closed, output to a file: it must not hold the caller's pipe open.
    setsid nohup dockerd >/var/log/dockerd.log 2>&1 </dev/null &
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
docker info >/dev/null 2>&1 || { echo "the Docker engine did not start; see /var/log/dockerd.log" >&2; exit 4; }
say "docker engine: $(docker version --format '{{.Server.Version}}')"

# --- Node dependencies and the bundled CLI ----------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing Node dependencies"
  # The development tools (vitest, biome) declare Node 20+; only the test tiers run them, and
  # the build needs esbuild alone: a user's engine-strict setting must not fail the install.
  npm ci --no-audit --no-fund --loglevel=error --engine-strict=false
fi
npm run -s build
if [ "$TEST" = 0 ]; then
  ln -sf "$PWD/dist/helk.js" /usr/local/bin/helk
  say "helk is on PATH: $(command -v helk)"
fi
