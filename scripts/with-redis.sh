#!/usr/bin/env bash
# Runs a command beside a throw-away Redis on loopback:
#   scripts/with-redis.sh target/release/examples/bench_load
# The server (Debian's redis-server) keeps nothing on disk, listens on
# 127.0.0.1 only, and is stopped when the command ends. The command sees
# TITAN_TEST_REDIS_URL.
set -euo pipefail

command -v redis-server >/dev/null || { echo "redis-server not found: run scripts/setup.sh" >&2; exit 1; }
port=${TITAN_TEST_REDIS_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning >/dev/null &
redis_pid=$!
stop() { kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; }
trap stop EXIT
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.05
done

export TITAN_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
echo "with-redis: $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
