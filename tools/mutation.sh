#!/usr/bin/env bash
# Mutation testing (StrykerJS), slower than the suite and not part of `npm test`:
#   domain      shared/domain against the unit tests (stryker.config.js)
#   sync-inbox  the sync writer and the inbox against their Postgres tests (stryker.sync-inbox.config.js)
# With no argument both run. Starts project-local Redis and Postgres unless DATABASE_URL / REDIS_URL
# are given, and prepares the template database the integration tests copy. Reports go to reports/mutation/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(domain sync-inbox)
for part in "${parts[@]}"; do
  case "$part" in
    domain|sync-inbox) ;;
    *) echo "usage: tools/mutation.sh [domain] [sync-inbox]" >&2; exit 2 ;;
  esac
done

if [[ " ${parts[*]} " == *" sync-inbox "* ]]; then
  if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
    bash tools/services.sh up
    eval "$(bash tools/services.sh env)"
  fi
  export DATABASE_URL REDIS_URL NODE_ENV=test
  node_modules/.bin/tsx tests/support/prepare.ts
fi

for part in "${parts[@]}"; do
  case "$part" in
    domain) node_modules/.bin/stryker run stryker.config.js ;;
    sync-inbox) node_modules/.bin/stryker run stryker.sync-inbox.config.js ;;
  esac
done
