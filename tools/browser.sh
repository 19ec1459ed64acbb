#!/usr/bin/env bash
# Debian's headless Chromium for the browser checks (playwright-core drives it; it downloads no browser of its own).
#
#   tools/browser.sh ensure   install Debian's chromium via apt-get when missing (needs root), print its path
#   tools/browser.sh path     print the path of the browser, or fail
#
# CHROMIUM may name a browser binary to use instead of searching.
set -euo pipefail

die() { echo "browser: $*" >&2; exit 1; }

find_browser() {
  local candidate
  for candidate in "${CHROMIUM:-}" chromium chromium-browser google-chrome-stable google-chrome; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return 0; fi
  done
  return 1
}

ensure() {
  if find_browser; then return 0; fi
  [ "$(id -u)" = 0 ] || die "chromium is missing and installing it needs root (run: sudo apt-get install chromium, or set CHROMIUM)"
  command -v apt-get >/dev/null || die "chromium is missing and there is no apt-get here (install a Chromium, or set CHROMIUM)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  find_browser || die "chromium was installed but is not on PATH"
}

case "${1:-}" in
  ensure) ensure ;;
  path) find_browser || die "no chromium found (run tools/browser.sh ensure)" ;;
  *) die "usage: tools/browser.sh ensure|path" ;;
esac
