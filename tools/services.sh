#!/usr/bin/env bash
# Project-local Redis and PostgreSQL, without Docker.
#
#   tools/services.sh up       install (as root, via apt) what is missing, start both, print URLs
#   tools/services.sh down     stop both
#   tools/services.sh status   say what runs, where and on which ports
#   tools/services.sh env      print export lines for DATABASE_URL / REDIS_URL
#   tools/services.sh reset    empty both: a new `billing` database and an empty Redis
#   tools/services.sh purge    stop both and delete their data (and .local/ports)
#   tools/services.sh holder P say who listens on port P (this project's instance of which checkout)
#
# Each checkout has its own instances. Ports default to 55432 (Postgres) and 56379 (Redis); when
# one of those is held by anything else (another checkout's instance, a system service), this
# checkout picks free ports of its own and remembers them in .local/ports, so `env` and later
# `up`s agree. BILLING_PG_PORT / BILLING_REDIS_PORT force a port. An `up` finding this checkout's
# instances running reuses them.
#
# Redis keeps its data under .local/redis. PostgreSQL runs as the `postgres` user when started by
# root, and that user cannot traverse a checkout under a private folder (root's home is mode 700),
# so root's Postgres data lives in /var/lib/postgresql/billing-dev/<checkout key>/ (owned by
# postgres, keyed by the checkout's path); otherwise it lives in .local/pg.
# When DATABASE_URL and REDIS_URL are both given, nothing is started: the caller brings its own.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$root/.local"
ports_file="$data/ports"
redis_dir="$data/redis"
default_pg_port=55432
default_redis_port=56379

die() { echo "services: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

# Where this checkout's Postgres keeps its data. A data folder already inside the checkout keeps
# being used (it works there); a new one for root goes where the postgres user can reach it.
pg_home() {
  if [ -f "$data/pg/PG_VERSION" ] || ! is_root; then echo "$data"; return; fi
  local base key
  base="$(getent passwd postgres 2>/dev/null | cut -d: -f6)"
  [ -n "$base" ] && [ -d "$base" ] || base=/var/lib/postgresql
  key="$(basename "$root" | tr -c 'A-Za-z0-9_.\n-' _)-$(printf '%s' "$root" | sha256sum | cut -c1-12)"
  echo "$base/billing-dev/$key"
}
pg_home_dir="$(pg_home)"
pg_dir="$pg_home_dir/pg"
pg_run="$pg_home_dir/pgrun"

apt_install() {
  is_root || die "$* is missing and installing it needs root (run as root, or give DATABASE_URL and REDIS_URL)"
  command -v apt-get >/dev/null || die "$* is missing and there is no apt-get here (install it, or give DATABASE_URL and REDIS_URL)"
  if [ ! -f "$data/.apt-updated" ]; then
    echo "services: installing $* (apt-get, once)…" >&2
    apt-get update -qq >/dev/null
    mkdir -p "$data" && touch "$data/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

redis_pid() { cat "$redis_dir/redis.pid" 2>/dev/null; }
redis_running() { local pid; pid="$(redis_pid)" && kill -0 "$pid" 2>/dev/null; }
pg_running() { local pid; pid="$(head -1 "$pg_dir/postmaster.pid" 2>/dev/null)" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
running_pg_port() { sed -n 4p "$pg_dir/postmaster.pid"; }
running_redis_port() {
  local pid
  pid="$(redis_pid)"
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -oE ':[0-9]+' | tr -d : | head -1 || true
}

# Who listens on a port, in words: this project's instance of another checkout (named, with the
# command that stops it) or whatever process it is.
port_holder() {
  local port="$1" pid name cwd checkout=""
  pid="$(ss -ltnpH "sport = :$port" 2>/dev/null | grep -oE 'pid=[0-9]+' | head -1 | cut -d= -f2 || true)"
  [ -n "$pid" ] || { echo "another process (not visible to this user)"; return; }
  name="$(cat "/proc/$pid/comm" 2>/dev/null || echo '?')"
  cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null || true)"
  case "$cwd" in
    */.local/redis | */.local/pg) checkout="${cwd%/.local/*}" ;;
    *) [ -f "$cwd/../checkout" ] && checkout="$(cat "$cwd/../checkout")" ;;
  esac
  if [ -n "$checkout" ]; then
    echo "this project's $name (pid $pid) of the checkout $checkout; stop it with: (cd $checkout && npm run services -- down)"
  else
    echo "$name (pid $pid)"
  fi
}

# A port for one service: forced by the environment, remembered for this checkout, the default,
# or the first free one from a start derived from the checkout's path.
choose_port() {
  local kind="$1" forced="$2" default="$3" remembered candidate start
  if [ -n "$forced" ]; then echo "$forced"; return; fi
  remembered="$(sed -n "s/^$kind=//p" "$ports_file" 2>/dev/null || true)"
  if [ -n "$remembered" ]; then echo "$remembered"; return; fi
  if ! port_busy "$default"; then echo "$default"; return; fi
  start=$((default + 1 + $(printf '%s' "$root" | cksum | cut -d' ' -f1) % 400))
  for candidate in $(seq "$start" $((start + 200))); do
    if ! port_busy "$candidate"; then
      echo "services: port $default is held by $(port_holder "$default" | cut -d';' -f1); this checkout's $kind uses $candidate (saved in .local/ports)" >&2
      echo "$candidate"
      return
    fi
  done
  die "no free port for $kind near $start (set BILLING_$(echo "$kind" | tr a-z A-Z)_PORT)"
}

remember_ports() {
  mkdir -p "$data"
  printf 'pg=%s\nredis=%s\n' "$pg_port" "$redis_port" >"$ports_file"
}

# The ports `env` and `status` report: the running instances' own, else what `up` would choose.
current_ports() {
  redis_port="${BILLING_REDIS_PORT:-}"
  pg_port="${BILLING_PG_PORT:-}"
  if [ -z "$redis_port" ] && redis_running; then redis_port="$(running_redis_port)"; fi
  if [ -z "$pg_port" ] && pg_running; then pg_port="$(running_pg_port)"; fi
  redis_port="${redis_port:-$(sed -n 's/^redis=//p' "$ports_file" 2>/dev/null || true)}"
  pg_port="${pg_port:-$(sed -n 's/^pg=//p' "$ports_file" 2>/dev/null || true)}"
  redis_port="${redis_port:-$default_redis_port}"
  pg_port="${pg_port:-$default_pg_port}"
}

busy_message() {
  local port="$1" variable="$2"
  echo "port $port is taken by $(port_holder "$port"). Or set $variable to a free port (or unset it: this checkout then picks free ports itself)."
}

started_redis=""
started_pg=""

redis_up() {
  command -v redis-server >/dev/null || apt_install redis-server
  if redis_running; then
    [ "$(running_redis_port)" = "$redis_port" ] || die "this checkout's Redis already runs on port $(running_redis_port); stop it first (npm run services -- down) to move it to $redis_port"
    return 0
  fi
  port_busy "$redis_port" && die "$(busy_message "$redis_port" BILLING_REDIS_PORT)"
  mkdir -p "$redis_dir"
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize yes \
    --maxmemory-policy noeviction --dir "$redis_dir" --pidfile "$redis_dir/redis.pid" \
    --logfile "$redis_dir/redis.log"
  started_redis=1
  for _ in $(seq 50); do port_busy "$redis_port" && return 0; sleep 0.1; done
  die "redis did not start; see $redis_dir/redis.log"
}

# From /, which postgres can always enter (the caller's folder may be private to root).
as_postgres() { if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

pg_up() {
  local bin
  bin="$(pg_bin)" || { apt_install postgresql; bin="$(pg_bin)" || die "no PostgreSQL server binaries after install"; }
  if pg_running; then
    [ "$(running_pg_port)" = "$pg_port" ] || die "this checkout's Postgres already runs on port $(running_pg_port); stop it first (npm run services -- down) to move it to $pg_port"
    return 0
  fi
  port_busy "$pg_port" && die "$(busy_message "$pg_port" BILLING_PG_PORT)"
  # postgres refuses to run as root: its folders belong to the postgres user.
  if is_root; then
    id postgres >/dev/null 2>&1 || die "the 'postgres' user does not exist (install the postgresql package)"
  fi
  mkdir -p "$pg_dir" "$pg_run"
  if [ "$pg_home_dir" != "$data" ]; then
    printf '%s\n' "$root" >"$pg_home_dir/checkout"
    chmod 755 "$(dirname "$pg_home_dir")" "$pg_home_dir"
  fi
  is_root && chown postgres:postgres "$pg_dir" "$pg_run"
  chmod 700 "$pg_dir"
  if [ ! -f "$pg_dir/PG_VERSION" ]; then
    as_postgres "$bin/initdb" -D "$pg_dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null ||
      die "initdb failed in $pg_dir"
  fi
  # Durability settings favour speed: this instance is for development and tests only.
  started_pg=1
  as_postgres "$bin/pg_ctl" -D "$pg_dir" -l "$pg_run/pg.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$pg_run -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || die "postgres did not start; see $pg_run/pg.log"
  if [ "$(as_postgres "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='billing'")" != 1 ]; then
    as_postgres "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc "CREATE DATABASE billing" >/dev/null
  fi
}

stop_redis() {
  local pid
  pid="$(redis_pid)" || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}
stop_pg() { if pg_running; then as_postgres "$(pg_bin)/pg_ctl" -D "$pg_dir" -m fast -w stop >/dev/null; fi; }

# A failed `up` leaves nothing of its own running: what this call started, it stops.
cleanup_failed_up() {
  local status=$?
  [ "$status" -eq 0 ] && return
  [ -n "$started_pg" ] && { stop_pg || true; }
  [ -n "$started_redis" ] && { stop_redis || true; }
  [ -n "$started_pg$started_redis" ] && echo "services: start failed; stopped what this attempt had started" >&2
  exit "$status"
}

print_env() {
  current_ports
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/billing"
  echo "export REDIS_URL=redis://127.0.0.1:$redis_port"
}

case "${1:-}" in
  up)
    if [ -n "${DATABASE_URL:-}" ] && [ -n "${REDIS_URL:-}" ]; then
      echo "services: DATABASE_URL and REDIS_URL are given; starting nothing" >&2
      exit 0
    fi
    trap cleanup_failed_up EXIT
    redis_port="$(redis_running && [ -z "${BILLING_REDIS_PORT:-}" ] && running_redis_port || choose_port redis "${BILLING_REDIS_PORT:-}" "$default_redis_port")"
    pg_port="$(pg_running && [ -z "${BILLING_PG_PORT:-}" ] && running_pg_port || choose_port pg "${BILLING_PG_PORT:-}" "$default_pg_port")"
    redis_up
    pg_up
    remember_ports
    trap - EXIT
    echo "services: redis on 127.0.0.1:$redis_port, postgres on 127.0.0.1:$pg_port (data in .local/$([ "$pg_home_dir" = "$data" ] || echo " and $pg_home_dir"))" >&2
    ;;
  down)
    stop_redis
    stop_pg
    echo "services: stopped" >&2
    ;;
  status)
    current_ports
    redis_running && echo "redis: running on $redis_port (data in $redis_dir)" || echo "redis: stopped"
    pg_running && echo "postgres: running on $pg_port (data in $pg_dir)" || echo "postgres: stopped"
    ;;
  env) print_env ;;
  reset)
    current_ports
    redis_running && pg_running || die "not running here (npm run services -- up)"
    redis-cli -p "$redis_port" flushall >/dev/null
    as_postgres "$(pg_bin)/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc "DROP DATABASE IF EXISTS billing WITH (FORCE)" -c "CREATE DATABASE billing" >/dev/null
    echo "services: emptied the billing database and Redis" >&2
    ;;
  purge)
    stop_redis
    stop_pg
    rm -rf "$redis_dir" "$ports_file"
    [ "$pg_home_dir" = "$data" ] && rm -rf "$pg_dir" "$pg_run" || rm -rf "$pg_home_dir"
    echo "services: stopped and deleted their data" >&2
    ;;
  holder) port_holder "${2:?usage: tools/services.sh holder PORT}" ;;
  *) echo "usage: tools/services.sh up|down|status|env|reset|purge|holder PORT" >&2; exit 2 ;;
esac
