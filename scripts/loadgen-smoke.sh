#!/usr/bin/env bash
# Starts a release ws-server on a free loopback port and runs 200 loadgen clients against it
# for 2 s; fails on any failed connection, early close, missed or duplicate seq. Keeps the
# load generator from rotting without making `cargo test` timing-dependent.
set -euo pipefail
cd "$(dirname "$0")/.."
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${CARGO_TARGET_DIR:-target}/release/ws-server" --port "$port" --interval-ms 50 >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done
"${CARGO_TARGET_DIR:-target}/release/loadgen" ws --url "ws://127.0.0.1:$port/ws" --clients 200 --hold-secs 2 \
  --server-pid "$pid" --assert-clean
