#!/usr/bin/env bash
# Builds (release) and runs the whole system: ws-server on 8001 and rest-api on 8000, with
# the same market flags, log lines prefixed by service, URLs printed once both answer
# /health. Ctrl-C stops both; if either dies, the other is stopped and this exits non-zero.
#
#   scripts/run.sh                          # defaults: seed 42, 1 s ticks, 5 classic symbols
#   scripts/run.sh --seed 7 --interval 250  # market flags go to both services
#   scripts/run.sh --config my-market.json
#
# Ports: TICKER_REST_PORT (8000) and TICKER_WS_PORT (8001). Every other setting: --help of
# each binary, or docs/config.md.
set -euo pipefail
cd "$(dirname "$0")/.."

rest_port=${TICKER_REST_PORT:-8000}
ws_port=${TICKER_WS_PORT:-8001}
export TICKER_REST_PORT=$rest_port TICKER_WS_PORT=$ws_port
export TICKER_WS_URL=${TICKER_WS_URL:-ws://127.0.0.1:$ws_port}

cargo build --release --locked -p rest-api -p ws-server
bin=${CARGO_TARGET_DIR:-target}/release

prefix() { # name colour
  trap '' INT # keep printing the services' shutdown lines after Ctrl-C
  while IFS= read -r line; do printf '\033[%sm%-9s\033[0m| %s\n' "$2" "$1" "$line"; done
}
# Each service runs in its own session: Ctrl-C reaches only this script, whose trap stops
# both with SIGTERM, so a Ctrl-C is never mistaken for a service dying.
setsid "$bin/ws-server" "$@" > >(prefix ws-server 36) 2>&1 &
ws_pid=$!
setsid "$bin/rest-api" "$@" > >(prefix rest-api 35) 2>&1 &
rest_pid=$!

stop() {
  kill -TERM "$ws_pid" "$rest_pid" 2>/dev/null || true
  wait "$ws_pid" "$rest_pid" 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM

healthy() { # port: is GET /health answering 200?
  local status
  status=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" \
    && printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3 \
    && head -c 12 <&3) 2>/dev/null) || return 1
  [[ $status == HTTP/1.?" 200" ]]
}
for _ in $(seq 1 300); do
  if healthy "$rest_port" && healthy "$ws_port"; then
    cat <<MSG

  ticker is up
    REST       http://127.0.0.1:$rest_port/        (try /api/v1/latest/AAPL)
    WebSocket  ws://127.0.0.1:$ws_port/ws
    Dashboard  http://127.0.0.1:$rest_port/dashboard
  Ctrl-C stops both.

MSG
    break
  fi
  if ! kill -0 "$ws_pid" 2>/dev/null || ! kill -0 "$rest_pid" 2>/dev/null; then break; fi
  sleep 0.1
done

# Whichever exits first takes the other down. (A polling loop, not `wait -n`: bash defers the
# INT trap while it sits in `wait`, but runs it as soon as a short `sleep` returns.)
while kill -0 "$ws_pid" 2>/dev/null && kill -0 "$rest_pid" 2>/dev/null; do
  sleep 0.2
done
if kill -0 "$ws_pid" 2>/dev/null; then died=rest-api; dead=$rest_pid; else died=ws-server; dead=$ws_pid; fi
set +e
wait "$dead"
status=$?
set -e
echo "$died exited (status $status); stopping the other service" >&2
stop
exit $(( status == 0 ? 1 : status ))
