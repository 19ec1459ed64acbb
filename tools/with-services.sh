#!/usr/bin/env bash
# Runs a command with this checkout's Redis and PostgreSQL (started when not running, as `npm test`
# does), unless DATABASE_URL and REDIS_URL are given: `bash tools/with-services.sh tsx tools/bench/main.ts`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  bash tools/services.sh up
  eval "$(bash tools/services.sh env)"
fi
export DATABASE_URL REDIS_URL
PATH="$PWD/node_modules/.bin:$PATH" exec "$@"
