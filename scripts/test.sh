#!/usr/bin/env bash
# Set up and run every test tier: lint, typecheck, unit, cli and engine (real Docker
# Compose and engine). Names the checks on one line (`checks: lint ok|FAILED, typecheck ok|FAILED, event-scan ...`),
# then ends with one plain line that counts tests only, as they really ended:
# `N passed, N failed[, N skipped]`.
# A test that did not run because its beforeAll (or its file's import) failed counts as failed
# (scripts/lib/outcome-reporter.mjs); a failed check or setup step fails the run (exit 1).
# HELK_TEST_IMAGES=upstream runs the engine tier on the upstream images (test/helpers/doubles.ts).
set -uo pipefail
cd "$(dirname "$0")/.."

setup_failed() { echo "setup FAILED: $1"; echo "0 passed, 0 failed"; exit 1; }
bash scripts/setup-host.sh --test || setup_failed "scripts/setup-host.sh --test"
# Stacks an earlier, killed run left behind (they restart with the engine) would hold ports and
# memory this run needs, from the image builds on.
bash scripts/lib/prune-test-stacks.sh
# Images the engine tier runs (no registry is reachable; each is cached by a hash of its inputs):
# stand-ins for the services that cannot be obtained here, real Kafka and Elasticsearch.
bash scripts/build-test-images.sh || setup_failed "scripts/build-test-images.sh"
bash scripts/build-fixture-images.sh || setup_failed "scripts/build-fixture-images.sh"
# The fresh Debian of test/engine/fresh-debian.test.ts (Debian's .deb files, an npm cache): built
# here with the others, not inside the run, where a cold build would share the engine with a
# second test file.
bash scripts/build-fresh-debian-image.sh || setup_failed "scripts/build-fresh-debian-image.sh"
bash scripts/build-notebook-image.sh || setup_failed "scripts/build-notebook-image.sh"
# The same notebook fixture on Spark 3.4, the Spark ES-Hadoop runs on (test/engine/es-hadoop.test.ts).
bash scripts/build-notebook-image.sh spark-3.4 || setup_failed "scripts/build-notebook-image.sh spark-3.4"
# Real ElastAlert 2 on Debian trixie (test/engine/elastalert-sigma.test.ts). Cold: debootstrap of
# trixie (48 s, once) + wheels (26 s, 47 MB, once) + the build (69 s), measured here; warm: under 1 s.
bash scripts/build-elastalert-image.sh || setup_failed "scripts/build-elastalert-image.sh"

checks=()
checks_failed=0
check() {
  local name=$1; shift
  echo "== $name: $*"
  if "$@"; then checks+=("$name ok"); else checks+=("$name FAILED"); checks_failed=1; echo "== $name FAILED"; fi
}
check lint npx biome check .
check typecheck npx tsc --noEmit -p .
# Replay's line scanner is committed as WebAssembly (engine/replay/event-scan-wasm.ts) beside its
# Rust source: rebuilt and compared where Rust can build it, else named as not checked.
if command -v rustup >/dev/null && { rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
  timeout 120 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; }; then
  echo "== event-scan: node scripts/gen-event-scan.mjs --check"
  node scripts/gen-event-scan.mjs --check
  case $? in
    0) checks+=("event-scan ok") ;;
    3) checks+=("event-scan not checked (another rustc)") ;;
    *) checks+=("event-scan FAILED"); checks_failed=1 ;;
  esac
else
  checks+=("event-scan not checked (no Rust with the wasm32-unknown-unknown target)")
fi

mkdir -p .test-output
rm -f .test-output/outcome.json .test-output/engine-watch.log
# The engine and the host, sampled while the tests run (scripts/lib/engine-watch.sh): a run that
# hangs or times out then still says whether the engine stopped answering or a resource ran out.
# (Its output goes to the log only: not holding this run's stdout, it cannot keep a CI log open.)
bash scripts/lib/engine-watch.sh run .test-output/engine-watch.log </dev/null >/dev/null 2>&1 &
watch_pid=$!
# CI gives the whole run 90 minutes; vitest gets what is left of them less 5 minutes, so that a
# hung run still ends with its counts and the engine's summary instead of being cut off unread.
budget=$((${HELK_TEST_BUDGET_SECONDS:-5400} - SECONDS - 300))
[ "$budget" -lt 600 ] && budget=600
TEST_OUTCOME_FILE=.test-output/outcome.json timeout --kill-after=60 "$budget" node_modules/.bin/vitest run --reporter=default \
  --reporter=./scripts/lib/outcome-reporter.mjs --reporter=json --outputFile.json=.test-output/vitest.json
vitest_rc=$?
kill "$watch_pid" 2>/dev/null
[ "$vitest_rc" -eq 124 ] || [ "$vitest_rc" -eq 137 ] && echo "vitest was stopped at its budget of $budget s: the files it had not finished are not counted"
bash scripts/lib/engine-watch.sh summary .test-output/engine-watch.log
if grep -q "NO-ANSWER" .test-output/engine-watch.log; then
  grep -E "NO-ANSWER|process:|SIGUSR1" .test-output/engine-watch.log | head -n 20
  bash scripts/lib/engine-watch.sh stacks
fi

read -r passed failed skipped < <(node -e '
  try {
    const r = JSON.parse(require("fs").readFileSync(".test-output/outcome.json", "utf8"));
    console.log(r.passed, r.failed, r.skipped);
    for (const f of r.failures) {
      console.error("FAILED: " + f.name);
      for (const l of f.message) console.error("    " + l);
    }
  } catch { console.log("0 0 0"); }')
# A runner that died before reporting, or without failing a test, still fails the run.
runner=0
if [ "$vitest_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then runner=1; echo "vitest exited $vitest_rc without a failed test"; fi

echo "checks: $(IFS=,; echo "${checks[*]}" | sed 's/,/, /g')"
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ] && [ "$checks_failed" -eq 0 ] && [ "$runner" -eq 0 ]
