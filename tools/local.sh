#!/usr/bin/env bash
# Starts everything locally without Docker, then plays a demo:
#   1. Redis and Postgres (tools/services.sh), unless DATABASE_URL and REDIS_URL are given;
#   2. the build, a check of the configuration (catalog file included) and the migrations, all
#      before any running process is replaced, so a mistake leaves the previous stack running;
#   3. under PM2 (tools/local.config.cjs, daemon in .local/pm2 unless PM2_HOME is set): the api
#      (cluster), the workers (fork) and the Stripe simulator (tools/stripe-sim), which signs its
#      webhooks with a secret generated here and delivers them to the api; api and workers call it
#      through STRIPE_API_BASE. Given a real STRIPE_SECRET_KEY (and STRIPE_WEBHOOK_SECRET), the
#      simulator is left out and Stripe is used;
#   4. .local/env: the settings of this run, which the command line (`npm run billing`) reads;
#   5. tools/demo.ts: an admin key, then one subscription.lifecycle scenario printing the demo
#      customer's entitlements after each step (simulator only);
#   6. the URLs.
# The simulator keeps its state in memory, so each run starts a fresh one; with its own local
# services (not given DATABASE_URL/REDIS_URL) the run then empties the database and Redis too, so
# the mirror never holds customers the simulator does not know.
# A failed start stops what it started. `tools/local.sh stop` (npm run stop) stops the processes
# and the PM2 daemon; `npm run services -- down` stops Redis and Postgres.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export PM2_HOME="${PM2_HOME:-$PWD/.local/pm2}"
pm2=node_modules/.bin/pm2
say() { echo "local: $*" >&2; }

# Stops this project's processes; the daemon too when nothing else runs under it.
stop_processes() {
  "$pm2" delete tools/local.config.cjs >/dev/null 2>&1 || true
  if [ "$("$pm2" jlist 2>/dev/null | tr -d '[:space:]')" = "[]" ]; then "$pm2" kill >/dev/null 2>&1 || true; fi
}

case "${1:-start}" in
  stop) stop_processes; say "stopped (Redis and Postgres keep running: npm run services -- down)"; exit 0 ;;
  logs) shift; exec "$pm2" logs "$@" ;;
  start) ;;
  *) echo "usage: tools/local.sh [start|stop|logs]" >&2; exit 2 ;;
esac

started_at=$(date +%s)
own_services=""
services_were_running=""
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  own_services=1
  bash tools/services.sh status | grep -c running | grep -qx 2 && services_were_running=1
  bash tools/services.sh up
  eval "$(bash tools/services.sh env)"
fi
export DATABASE_URL REDIS_URL
export PORT="${PORT:-3000}" METRICS_PORT="${METRICS_PORT:-9464}" API_METRICS_PORT="${API_METRICS_PORT:-9454}"
export CATALOG_FILE="${CATALOG_FILE:-$PWD/catalog.example.json}"
export API_INSTANCES="${API_INSTANCES:-2}" WORKER_INSTANCES="${WORKER_INSTANCES:-2}"

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() {
  for _ in $(seq 120); do
    if curl -fsS "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  return 1
}

replaced=""
# A failed start leaves nothing behind: the processes it started, the daemon, and the services
# when this run started them.
cleanup_failed_start() {
  local status=$?
  [ "$status" -eq 0 ] && return
  if [ -n "$replaced" ]; then
    "$pm2" logs --nostream --lines 30 2>/dev/null | tail -60 >&2 || true
    stop_processes
    rm -f .local/env
  fi
  if [ -n "$own_services" ] && [ -z "$services_were_running" ]; then bash tools/services.sh down 2>/dev/null || true; fi
  if [ -n "$replaced" ]; then say "start failed (exit $status); stopped what this run had started"
  else say "start failed (exit $status) before replacing anything: what ran before still runs"; fi
  exit "$status"
}
trap cleanup_failed_start EXIT

simulator=""
if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
  simulator=1
  export STRIPE_SIM_PORT="${STRIPE_SIM_PORT:-12111}"
  export STRIPE_API_BASE="http://127.0.0.1:$STRIPE_SIM_PORT"
  export STRIPE_SECRET_KEY="sk_test_local_$(random_hex 12)"
  export STRIPE_WEBHOOK_SECRET="whsec_$(random_hex 24)"
  # A new id seed per run: ids never collide with customers an earlier run left in a database.
  export STRIPE_SIM_RANDOM_SEED="$(( $(date +%s) % 1000000000 ))"
  only=()
  demo=()
else
  : "${STRIPE_WEBHOOK_SECRET:?give the whsec_… secret of your endpoint (or of stripe listen) with STRIPE_SECRET_KEY}"
  only=(--only billing-api,billing-worker)
  demo=(--skip-scenario)
fi

if [ -z "${SKIP_BUILD:-}" ]; then
  say "building (tsc, about a minute on a first run)…"
  npm run -s build
fi
say "checking the configuration…"
node_modules/.bin/tsx tools/cli/main.ts config check --no-env-file

# From here on the previous stack is replaced.
replaced=1
stop_processes
ports=("$PORT" api:PORT)
for i in $(seq 0 $((API_INSTANCES - 1))); do ports+=("$((API_METRICS_PORT + i))" api:API_METRICS_PORT); done
for i in $(seq 0 $((WORKER_INSTANCES - 1))); do ports+=("$((METRICS_PORT + i))" worker:METRICS_PORT); done
[ -n "$simulator" ] && ports+=("$STRIPE_SIM_PORT" simulator:STRIPE_SIM_PORT)
for ((i = 0; i < ${#ports[@]}; i += 2)); do
  if port_busy "${ports[i]}"; then
    say "port ${ports[i]} (${ports[i+1]}) is taken by $(bash tools/services.sh holder "${ports[i]}"); set ${ports[i+1]#*:} to a free port"
    exit 1
  fi
done

if [ -n "$simulator" ] && [ -n "$own_services" ]; then
  say "a fresh Stripe simulator: emptying the local database and Redis to match it"
  bash tools/services.sh reset
fi
say "migrating…"
node_modules/.bin/tsx tools/cli/main.ts migrate --no-env-file

# The settings of this run, for the command line in any shell inside the checkout.
mkdir -p .local
umask 077
{
  for name in DATABASE_URL REDIS_URL PORT METRICS_PORT API_METRICS_PORT CATALOG_FILE STRIPE_SECRET_KEY STRIPE_WEBHOOK_SECRET STRIPE_API_BASE STRIPE_SIM_PORT PM2_HOME; do
    [ -n "${!name:-}" ] && printf '%s=%s\n' "$name" "${!name}"
  done
} >.local/env
umask 022

say "starting the processes under PM2…"
"$pm2" start tools/local.config.cjs --update-env "${only[@]}" >/dev/null

wait_for "http://127.0.0.1:$PORT/readyz" || { say "the api did not become ready"; exit 1; }
if [ -n "$simulator" ]; then
  wait_for "$STRIPE_API_BASE/_sim/health" || { say "the Stripe simulator did not start"; exit 1; }
fi
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then "$pm2" ls; else "$pm2" ls --no-color; fi
say "started in $(( $(date +%s) - started_at )) s"

node_modules/.bin/tsx tools/demo.ts --key-file .local/demo-admin-key "${demo[@]}"
trap - EXIT

last_worker_port=$((METRICS_PORT + WORKER_INSTANCES - 1))
cat <<INFO

  Start here      http://127.0.0.1:$PORT/   (links to everything below, and the API reference)
  API             http://127.0.0.1:$PORT   (readiness /readyz, OpenAPI /openapi.json, reference /docs)
  Admin console   http://127.0.0.1:$PORT/admin/console   (log in with the admin key; the demo user's story: /admin/console/customers/$(cat .local/demo-user 2>/dev/null || echo USER_ID))
  Bull Board      http://127.0.0.1:$PORT/admin/queues   (log in with any user name and the admin key as password)
  API metrics     http://127.0.0.1:$PORT/metrics
  Worker metrics  http://127.0.0.1:$METRICS_PORT/metrics … :$last_worker_port/metrics (one port per worker)
INFO
if [ -n "$simulator" ]; then
  cat <<INFO
  Stripe sim      $STRIPE_API_BASE   (API /v1, state /_sim/state; events in: npm run logs -- billing-stripe-sim)
                  more scenarios: npm run billing -- trigger refund --wait
INFO
fi
cat <<INFO
  Admin key       $(cat .local/demo-admin-key)   (saved in .local/demo-admin-key)
  Settings        .local/env (read by npm run billing inside this folder)

  Logs: npm run logs        Stop: npm run stop && npm run services -- down
INFO
