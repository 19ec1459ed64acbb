#!/usr/bin/env bash
# The full chaos run (tests/chaos with CHAOS_PROFILE=full): ≥ 10,000 events across ≥ 500 customers
# from the Stripe simulator, with duplicated, reordered and dropped webhooks, worker SIGKILLs, a
# Redis restart and a Postgres outage, against the real api and workers, while Stripe's API answers
# the service with 429s, 500s, dropped connections and slow answers and goes down for two minutes
# (longer than a job's attempts last). Starts project-local
# Redis and Postgres unless DATABASE_URL / REDIS_URL are given, prepares the template database,
# and prints the run's figures. Extra arguments go to ava. The suite (`npm test`) runs the short
# profile of the same test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  bash tools/services.sh up
  eval "$(bash tools/services.sh env)"
fi
export DATABASE_URL REDIS_URL NODE_ENV=test CHAOS_PROFILE=full

node_modules/.bin/tsx tests/support/prepare.ts
exec node_modules/.bin/ava --verbose tests/chaos "$@"
