#!/usr/bin/env bash
# Browser tests: builds the site with cargo-leptos, starts the server on a fresh
# SQLite database with the demo workspace (as `make run` does on first start),
# runs Playwright against Debian's Chromium, and stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${TITAN_E2E_PORT:-3100}
# A fake HubSpot API (and landing page) that the learning-loop spec serves.
hubspot_port=$((port + 1))
work=$(mktemp -d /tmp/titan-e2e.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cargo leptos build

TITAN_ADDR="127.0.0.1:$port" \
DATABASE_URL="sqlite:$work/data/titan.db" \
TITAN_MEDIA_DIR="$work/data/media" \
LEPTOS_SITE_ROOT=target/site \
TITAN_SEED_DEMO=true \
TITAN_HUBSPOT_API_URL="http://127.0.0.1:$hubspot_port" \
  ./target/debug/titan-server >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/server.log" >&2; exit 1; fi
  sleep 0.2
done

status=0
(cd end2end && TITAN_E2E_BASE_URL="http://127.0.0.1:$port" \
  TITAN_E2E_CREDENTIALS="$work/data/demo-credentials.txt" \
  TITAN_E2E_WORK="$work" \
  TITAN_E2E_HUBSPOT_PORT="$hubspot_port" \
  npx playwright test "$@" 2>&1 | tee "$work/playwright.log"; exit "${PIPESTATUS[0]}") || status=$?
if [ "$status" -ne 0 ]; then
  echo "---- server log ----" >&2
  tail -n 80 "$work/server.log" >&2
  # Last, so that a log cut to its end still says which test failed and why.
  echo "---- failed browser tests ----" >&2
  grep -E -A12 '^\s+[0-9]+\) ' "$work/playwright.log" | head -n 120 >&2 || true
fi
exit "$status"
