#!/usr/bin/env bash
# Drives the README as a new user would: clones the committed checkout into a fresh folder of mode
# 700 (as under root's home), then runs every shell block of the README's Quick start (with "Try
# it"), Command line and Admin sections in order, each in a new shell inside the clone. The api,
# the simulator and the metrics get free ports (the README's :3000 becomes the api's port); Redis
# and Postgres pick free ports of their own. Each block is bounded; at the end everything the
# clone started is stopped and its data deleted.
#
#   bash tools/readme-check.sh [--screenshot FILE]   (npm run test:readme)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
screenshot=""
[ "${1:-}" = "--screenshot" ] && screenshot="$(realpath -m "${2:?--screenshot needs a file}")"
block_timeout="${README_BLOCK_TIMEOUT:-900}"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# A base port with `count` free ports from it, away from the usual ones.
free_ports() {
  local count="$1" base i
  for _ in $(seq 200); do
    base=$((20000 + RANDOM % 20000))
    for ((i = 0; i < count; i++)); do port_busy $((base + i)) && continue 2; done
    echo "$base"
    return 0
  done
  echo "readme: no free ports" >&2
  return 1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/readme-check.XXXXXX")"
chmod 700 "$work"
clone="$work/billing"
git clone --quiet "$root" "$clone"
export PORT="$(free_ports 1)" STRIPE_SIM_PORT="$(free_ports 1)" METRICS_PORT="$(free_ports 2)" API_METRICS_PORT="$(free_ports 2)"
unset DATABASE_URL REDIS_URL BILLING_PG_PORT BILLING_REDIS_PORT PM2_HOME STRIPE_SECRET_KEY STRIPE_WEBHOOK_SECRET STRIPE_API_BASE CATALOG_FILE

cleanup() {
  local status=$?
  (cd "$clone" && PATH="$clone/node_modules/.bin:$PATH" bash tools/local.sh stop >/dev/null 2>&1; bash tools/services.sh purge >/dev/null 2>&1) || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# Shell blocks of the wanted sections, one file each, the README's port replaced by the api's.
awk -v dir="$work" '
  /^#+ / { title = $0; sub(/^#+ /, "", title); wanted = (title ~ /^(Quick start|Try it|Command line|Admin API and Bull Board)$/); next }
  /^```sh$/ && wanted { n++; file = sprintf("%s/block-%02d.sh", dir, n); inblock = 1; next }
  /^```$/ && inblock { inblock = 0; close(file); next }
  inblock { print > file }
' "$clone/README.md"
blocks=("$work"/block-*.sh)
[ -e "${blocks[0]}" ] || { echo "readme: no shell blocks found" >&2; exit 1; }
sed -i "s/localhost:3000/127.0.0.1:$PORT/g; s/127\.0\.0\.1:3000/127.0.0.1:$PORT/g" "${blocks[@]}"

echo "readme: clone in $clone (mode 700 parent), api on $PORT, simulator on $STRIPE_SIM_PORT; ${#blocks[@]} blocks"
failed=0
for block in "${blocks[@]}"; do
  name="$(basename "$block" .sh)"
  echo "readme: --- $name: $(head -1 "$block")"
  started=$(date +%s)
  if (cd "$clone" && timeout "$block_timeout" bash -euo pipefail "$block") >"$work/$name.log" 2>&1; then
    echo "readme: $name passed in $(( $(date +%s) - started )) s"
    grep -E '^local: started in|started in [0-9]+ s' "$work/$name.log" | sed 's/^/readme:   /' || true
  else
    echo "readme: $name FAILED after $(( $(date +%s) - started )) s; its output ends:"
    tail -40 "$work/$name.log" | sed 's/^/    /'
    failed=$((failed + 1))
    break
  fi
done

if [ -n "$screenshot" ] && [ "$failed" = 0 ]; then
  browser="$(bash "$root/tools/browser.sh" ensure)"
  mkdir -p "$(dirname "$screenshot")"
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,860 \
    --screenshot="$screenshot" "http://127.0.0.1:$PORT/" >/dev/null 2>&1
  echo "readme: screenshot of / in $screenshot"
fi
echo "readme: $(( ${#blocks[@]} - failed )) of ${#blocks[@]} blocks ran; $failed failed"
[ "$failed" = 0 ]
