#!/usr/bin/env bash
# Starts everything locally without Docker, then plays a demo:
#   1. Redis and Postgres (tools/services.sh), unless DATABASE_URL and REDIS_URL are given;
#   2. the build and the migrations;
#   3. under PM2 (tools/local.config.cjs): the api (cluster), the workers (fork) and the Stripe
#      simulator (tools/stripe-sim), which signs its webhooks with a secret generated here and
#      delivers them to the api; api and workers call it through STRIPE_API_BASE. Given a real
#      STRIPE_SECRET_KEY (and STRIPE_WEBHOOK_SECRET), the simulator is left out and Stripe is used;
#   4. tools/demo.ts: an admin key, then one subscription.lifecycle scenario printing the demo
#      customer's entitlements after each step (simulator only);
#   5. the URLs.
# Safe to re-run: it replaces the processes (a fresh simulator, key and secret) and the demo key.
# Stop with `npm run stop` (processes) and `npm run services -- down` (Redis, Postgres).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  bash tools/services.sh up
  eval "$(bash tools/services.sh env)"
fi
export DATABASE_URL REDIS_URL
export PORT="${PORT:-3000}" METRICS_PORT="${METRICS_PORT:-9464}"
export CATALOG_FILE="${CATALOG_FILE:-$PWD/catalog.example.json}"
export API_INSTANCES="${API_INSTANCES:-2}" WORKER_INSTANCES="${WORKER_INSTANCES:-2}"

pm2=node_modules/.bin/pm2
random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() {
  for _ in $(seq 120); do
    if curl -fsS "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  return 1
}
fail_with_logs() { "$pm2" logs "$1" --nostream --lines 40 || true; echo "local: $2" >&2; exit 1; }

# Only this project's processes (named in the process file) are replaced.
"$pm2" delete tools/local.config.cjs >/dev/null 2>&1 || true

simulator=""
if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
  simulator=1
  export STRIPE_SIM_PORT="${STRIPE_SIM_PORT:-12111}"
  export STRIPE_API_BASE="http://127.0.0.1:$STRIPE_SIM_PORT"
  export STRIPE_SECRET_KEY="sk_test_local_$(random_hex 12)"
  export STRIPE_WEBHOOK_SECRET="whsec_$(random_hex 24)"
  # A new id seed per run: ids never collide with customers an earlier run left in the database.
  export STRIPE_SIM_RANDOM_SEED="$(( $(date +%s) % 1000000000 ))"
  if port_busy "$STRIPE_SIM_PORT"; then echo "local: port $STRIPE_SIM_PORT is taken (set STRIPE_SIM_PORT)" >&2; exit 1; fi
  only=()
  demo=()
else
  : "${STRIPE_WEBHOOK_SECRET:?give the whsec_… secret of your endpoint (or of stripe listen) with STRIPE_SECRET_KEY}"
  only=(--only billing-api,billing-worker)
  demo=(--skip-scenario)
fi

[ -n "${SKIP_BUILD:-}" ] || npm run -s build
node_modules/.bin/tsx tools/cli/main.ts migrate
"$pm2" start tools/local.config.cjs --update-env "${only[@]}" >/dev/null

wait_for "http://127.0.0.1:$PORT/readyz" || fail_with_logs billing-api "the api did not become ready"
if [ -n "$simulator" ]; then
  wait_for "$STRIPE_API_BASE/_sim/health" || fail_with_logs billing-stripe-sim "the Stripe simulator did not start"
fi
"$pm2" ls

node_modules/.bin/tsx tools/demo.ts --key-file .local/demo-admin-key "${demo[@]}"

last_worker_port=$((METRICS_PORT + WORKER_INSTANCES - 1))
cat <<INFO

  API             http://127.0.0.1:$PORT   (readiness /readyz, OpenAPI /openapi.json)
  Bull Board      http://127.0.0.1:$PORT/admin/queues   (log in with any user name and the admin key as password)
  API metrics     http://127.0.0.1:$PORT/metrics
  Worker metrics  http://127.0.0.1:$METRICS_PORT/metrics … :$last_worker_port/metrics (one port per worker)
INFO
if [ -n "$simulator" ]; then
  cat <<INFO
  Stripe sim      $STRIPE_API_BASE   (API /v1, state /_sim/state; events in: npx pm2 logs billing-stripe-sim)
                  more scenarios: npm run billing -- trigger refund --sim $STRIPE_API_BASE --wait
INFO
fi
cat <<INFO
  Admin key       $(cat .local/demo-admin-key)   (saved in .local/demo-admin-key)

  Logs: npx pm2 logs        Stop: npm run stop && npm run services -- down
INFO
