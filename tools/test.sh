#!/usr/bin/env bash
# The whole test suite: starts project-local Redis and Postgres unless DATABASE_URL / REDIS_URL are
# given, prepares a migrated template database, runs ava under c8 (coverage), and ends with the
# runner's summary and a plain `N passed, N failed` line.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  bash tools/services.sh up || exit 1
  eval "$(bash tools/services.sh env)"
fi
export DATABASE_URL REDIS_URL NODE_ENV=test
# Services started by tests log at debug level here; the logs are searched for secrets afterwards.
export TEST_LOG_DIR="$PWD/.local/test-logs"
rm -rf "$TEST_LOG_DIR" && mkdir -p "$TEST_LOG_DIR"

# Static checks first: a type error or lint finding fails the suite like a failing test.
echo "test: type-check, lint and circular imports…" >&2
npm run -s check || { echo "0 passed, 1 failed"; exit 1; }
echo "test: preparing the migrated template database…" >&2
node_modules/.bin/tsx tests/support/prepare.ts || exit 1
# The Bull Board check runs in a real headless browser: install Debian's chromium up front when missing.
echo "test: looking for a headless Chromium (installing Debian's when missing)…" >&2
bash tools/browser.sh ensure >/dev/null || echo "test: no chromium; the browser check will fail" >&2
echo "test: running the suite under coverage…" >&2

# Coverage of the production code (api, workers, shared, sdk), every file counted even when no test
# loads it (--all); below the thresholds the run fails. The tools are reported apart below.
node_modules/.bin/c8 --reporter=lcov --reporter=json-summary --reporter=text-summary --report-dir=coverage \
  --all --include 'api/**' --include 'workers/**' --include 'shared/**' --include 'sdk/**' --exclude 'tests/**' \
  --check-coverage --lines 95 --branches 90 \
  node_modules/.bin/ava "$@" 2>&1 | tee .local/test-output.log
status=${PIPESTATUS[0]}

# One more check over the whole run: no secret, key, signature or card number in any log line.
node_modules/.bin/tsx tests/support/log-secrets.ts | tee -a .local/test-output.log
secrets_status=${PIPESTATUS[0]}

echo
echo "Coverage, production code (api, workers, shared, sdk):"
grep -E '^(Statements|Branches|Functions|Lines) ' .local/test-output.log | tail -4
# The tools (the Stripe simulator, a test double, and the CLI) have tests of their own: reported apart, no threshold.
echo "Coverage, tools (Stripe simulator, CLI):"
node_modules/.bin/c8 report --reporter=text-summary --reporter=json-summary --temp-directory=coverage/tmp --report-dir=coverage/tools \
  --include 'tools/**' --exclude 'tools/bench/**' 2>/dev/null | grep -E 'Statements|Branches|Functions|Lines' || true
# ava prints "N tests passed" only when nothing failed; otherwise its passes are the ✔ lines.
passed=$(grep -oE '^\s*([0-9]+) tests? passed' .local/test-output.log | grep -oE '[0-9]+' | tail -1 || true)
[ -n "$passed" ] || passed=$(grep -cE '^\s*✔' .local/test-output.log || true)
failed=$(grep -oE '^\s*([0-9]+) (tests?|hooks?) failed' .local/test-output.log | grep -oE '^\s*[0-9]+' | awk '{ n += $1 } END { print n + 0 }')
passed=${passed:-0}
if [ "$status" -ne 0 ] && [ "$failed" = 0 ]; then failed=1; fi
if [ "$secrets_status" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
echo "$passed passed, $failed failed"
exit "$status"
