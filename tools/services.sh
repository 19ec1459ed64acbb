#!/usr/bin/env bash
# Project-local Redis and PostgreSQL, without Docker.
#
#   tools/services.sh up       install (as root, via apt) what is missing, start both, print URLs
#   tools/services.sh down     stop both
#   tools/services.sh status   say what runs
#   tools/services.sh env      print export lines for DATABASE_URL / REDIS_URL
#
# Data lives under .local/ (git-ignored). Ports default to 55432 (Postgres) and 56379 (Redis) so
# they never clash with system services; override with BILLING_PG_PORT / BILLING_REDIS_PORT.
# When DATABASE_URL and REDIS_URL are both given, nothing is started: the caller brings its own.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$root/.local"
pg_port="${BILLING_PG_PORT:-55432}"
redis_port="${BILLING_REDIS_PORT:-56379}"
pg_dir="$data/pg"
pg_run="$data/pgrun"
redis_dir="$data/redis"

die() { echo "services: $*" >&2; exit 1; }

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

apt_install() {
  [ "$(id -u)" = 0 ] || die "$* is missing and installing it needs root (run as root, or give DATABASE_URL and REDIS_URL)"
  command -v apt-get >/dev/null || die "$* is missing and there is no apt-get here (install it, or give DATABASE_URL and REDIS_URL)"
  if [ ! -f "$data/.apt-updated" ]; then
    apt-get update -qq >/dev/null
    mkdir -p "$data" && touch "$data/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

redis_running() { [ -f "$redis_dir/redis.pid" ] && kill -0 "$(cat "$redis_dir/redis.pid")" 2>/dev/null; }
pg_running() { [ -f "$pg_dir/postmaster.pid" ] && kill -0 "$(head -1 "$pg_dir/postmaster.pid")" 2>/dev/null; }

redis_up() {
  command -v redis-server >/dev/null || apt_install redis-server
  if redis_running; then return 0; fi
  port_busy "$redis_port" && die "port $redis_port is taken by another process (set BILLING_REDIS_PORT)"
  mkdir -p "$redis_dir"
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize yes \
    --maxmemory-policy noeviction --dir "$redis_dir" --pidfile "$redis_dir/redis.pid" \
    --logfile "$redis_dir/redis.log"
  for _ in $(seq 50); do port_busy "$redis_port" && return 0; sleep 0.1; done
  die "redis did not start; see $redis_dir/redis.log"
}

pg_up() {
  local bin
  bin="$(pg_bin)" || { apt_install postgresql; bin="$(pg_bin)" || die "no PostgreSQL server binaries after install"; }
  if pg_running; then return 0; fi
  port_busy "$pg_port" && die "port $pg_port is taken by another process (set BILLING_PG_PORT)"
  # postgres refuses to run as root: its folders belong to the postgres user, every parent traversable.
  local runas=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "the 'postgres' user does not exist (install the postgresql package)"
    runas=(runuser -u postgres --)
    chmod o+x "$root" "$data" 2>/dev/null || true
  fi
  mkdir -p "$pg_dir" "$pg_run"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$pg_dir" "$pg_run"
  chmod 700 "$pg_dir"
  if [ ! -f "$pg_dir/PG_VERSION" ]; then
    "${runas[@]}" "$bin/initdb" -D "$pg_dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  # Durability settings favour speed: this instance is for development and tests only.
  "${runas[@]}" "$bin/pg_ctl" -D "$pg_dir" -l "$pg_run/pg.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$pg_run -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || die "postgres did not start; see $pg_run/pg.log"
  "${runas[@]}" "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='billing'" | grep -q 1 ||
    "${runas[@]}" "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc "CREATE DATABASE billing" >/dev/null
}

print_env() {
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/billing"
  echo "export REDIS_URL=redis://127.0.0.1:$redis_port"
}

case "${1:-}" in
  up)
    if [ -n "${DATABASE_URL:-}" ] && [ -n "${REDIS_URL:-}" ]; then
      echo "services: DATABASE_URL and REDIS_URL are given; starting nothing" >&2
      exit 0
    fi
    redis_up
    pg_up
    echo "services: redis on 127.0.0.1:$redis_port, postgres on 127.0.0.1:$pg_port (data in .local/)" >&2
    ;;
  down)
    if redis_running; then kill "$(cat "$redis_dir/redis.pid")"; fi
    if pg_running; then
      bin="$(pg_bin)"
      if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D "$pg_dir" -m fast -w stop >/dev/null
      else "$bin/pg_ctl" -D "$pg_dir" -m fast -w stop >/dev/null; fi
    fi
    echo "services: stopped" >&2
    ;;
  status)
    redis_running && echo "redis: running on $redis_port" || echo "redis: stopped"
    pg_running && echo "postgres: running on $pg_port" || echo "postgres: stopped"
    ;;
  env) print_env ;;
  *) echo "usage: tools/services.sh up|down|status|env" >&2; exit 2 ;;
esac
