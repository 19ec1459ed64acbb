#!/usr/bin/env bash
# Starts everything locally without Docker: Redis and Postgres (tools/services.sh), migrations,
# the compiled api (PM2 cluster) and workers (PM2 fork), then waits for /readyz and prints the URLs.
# Stop with `npm run stop` (processes) and `npm run services -- down` (Redis, Postgres).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  bash tools/services.sh up
  eval "$(bash tools/services.sh env)"
fi
export DATABASE_URL REDIS_URL
export PORT="${PORT:-3000}" METRICS_PORT="${METRICS_PORT:-9464}"
export STRIPE_SECRET_KEY="${STRIPE_SECRET_KEY:-sk_test_local}"
export STRIPE_WEBHOOK_SECRET="${STRIPE_WEBHOOK_SECRET:-whsec_local_development_secret}"
export CATALOG_FILE="${CATALOG_FILE:-$PWD/catalog.example.json}"
export API_INSTANCES="${API_INSTANCES:-2}" WORKER_INSTANCES="${WORKER_INSTANCES:-2}"

[ -n "${SKIP_BUILD:-}" ] || npm run -s build
node_modules/.bin/tsx tools/cli/main.ts migrate
node_modules/.bin/pm2 delete ecosystem.config.cjs >/dev/null 2>&1 || true
node_modules/.bin/pm2 start ecosystem.config.cjs --update-env >/dev/null

for _ in $(seq 120); do
  if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null || { node_modules/.bin/pm2 logs --nostream --lines 40; echo "the api did not become ready" >&2; exit 1; }

node_modules/.bin/pm2 ls
cat <<INFO

  API            http://127.0.0.1:$PORT        (readiness: /readyz)
  API metrics    http://127.0.0.1:$PORT/metrics
  Worker metrics http://127.0.0.1:$METRICS_PORT/metrics (and the next ports, one per worker)

  Create an API key:  npm run -s billing -- keys create --name my-app --scope read
  Logs:               npx pm2 logs        Stop: npm run stop && npm run services -- down
INFO
