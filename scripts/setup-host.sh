#!/usr/bin/env bash
# Prepare a Debian 12 host (as root) for HELK: Docker engine, Docker Compose, openssl,
# Node dependencies and the built CLI. Reuses whatever is already there; safe to re-run.
#   bash scripts/setup-host.sh          # what `helk install` needs
#   bash scripts/setup-host.sh --test   # plus what the test tiers need
set -euo pipefail
cd "$(dirname "$0")/.."

TEST=0
[ "${1:-}" = "--test" ] && TEST=1
COMPOSE_VERSION=v2.40.3
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
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

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
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=5)?0:1)' \
  || { echo "HELK needs Node.js 20.5 or newer (found $(node --version 2>/dev/null || echo none))" >&2; exit 3; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing Node dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run -s build
if [ "$TEST" = 0 ]; then
  ln -sf "$PWD/dist/helk.js" /usr/local/bin/helk
  say "helk is on PATH: $(command -v helk)"
fi
