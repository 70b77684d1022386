#!/usr/bin/env bash
# Removes test stacks left by an earlier run that was killed before its cleanup. A test stack's
# Compose project is `helktest-NAME-PID` (test/helpers/test-stack.ts), external clusters'
# `helkext-NAME-PID` (test/helpers/external-clusters.ts); when no node process has
# that pid any more, the stack is stale. Its containers restart with the engine and hold
# loopback ports (an install's preflight then refuses them) and memory the tests need.
# Stacks of a test run still going (a live pid) are left alone.
set -uo pipefail

live() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = node ]; }

# Projects named by containers, and by the images a stack built for itself (`PROJECT/SERVICE`).
{
  docker ps -a --format '{{.Label "com.docker.compose.project"}}'
  docker images --format '{{.Repository}}' | sed 's|/.*||'
} | grep -E '^helk(test|ext)-.+-[0-9]+$' | sort -u |
  while read -r project; do
    live "${project##*-}" && continue
    echo "[test] removing stale test stack $project (its test process is gone)"
    docker ps -aq --filter "label=com.docker.compose.project=$project" | xargs -r docker rm -f >/dev/null
    docker volume ls -q --filter "label=com.docker.compose.project=$project" | xargs -r docker volume rm -f >/dev/null
    docker network ls -q --filter "label=com.docker.compose.project=$project" | xargs -r docker network rm >/dev/null
    docker images --format '{{.Repository}}:{{.Tag}}' | grep "^$project/" | xargs -r docker image rm >/dev/null
  done
exit 0
