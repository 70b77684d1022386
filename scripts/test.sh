#!/usr/bin/env bash
# Set up and run every test tier: lint, typecheck, unit, cli and engine (real Docker
# Compose and engine). Ends with one line: `N passed, N failed[, N skipped]`.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-host.sh --test || { echo "0 passed, 1 failed"; exit 1; }
# Images the engine tier runs (no registry is reachable; each is cached by a hash of its inputs):
# stand-ins for the services that cannot be obtained here, real Kafka and Elasticsearch.
bash scripts/build-test-images.sh || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/build-fixture-images.sh || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/build-notebook-image.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
check() {
  local name=$1; shift
  echo "== $name: $*"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "== $name FAILED"; fi
}
check lint npx biome check .
check typecheck npx tsc --noEmit -p .

mkdir -p .test-output
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-output/vitest.json
vitest_rc=$?

read -r vp vf vs < <(node -e '
  try {
    const r = JSON.parse(require("fs").readFileSync(".test-output/vitest.json", "utf8"));
    console.log(r.numPassedTests, r.numFailedTests, r.numPendingTests + r.numTodoTests);
  } catch { console.log("0 1 0"); }')
passed=$((passed + vp))
failed=$((failed + vf))
# A runner that died without failing a test still fails the run.
if [ "$vitest_rc" -ne 0 ] && [ "$vf" -eq 0 ]; then failed=$((failed + 1)); fi

line="$passed passed, $failed failed"
[ "$vs" -gt 0 ] && line="$line, $vs skipped"
echo "$line"
[ "$failed" -eq 0 ]
