#!/usr/bin/env bash
# Builds (release) and runs the whole system: ws-server on 8001 and rest-api on 8000, with
# the same market flags, log lines prefixed by service. The URLs are printed once both of
# *its own* services answer /health (each reports its pid there, so another ticker already
# holding the ports is never mistaken for them). Ctrl-C stops both; if either dies, the
# other is stopped and this exits non-zero, with the fix when a port was taken.
#
#   scripts/run.sh                          # defaults: seed 42, 1 s ticks, 5 classic symbols
#   scripts/run.sh --seed 7 --interval 250  # market flags go to both services
#   scripts/run.sh --config my-market.json
#   scripts/run.sh --clock-speed 60 --clock-start 2026-11-17T14:30:00Z   # a virtual clock
#   scripts/run.sh --clock manual --control-token s3cret-token          # + scripts/clock.sh
#
# Environment:
#   TICKER_REST_PORT, TICKER_WS_PORT  the ports (8000, 8001)
#   TICKER_BIN_DIR     run rest-api and ws-server from this directory instead of building
#                      them (the tests use the debug builds this way)
#   TICKER_RUN_WAIT_S  seconds to wait for both services' /health before giving up (30)
#   NO_COLOR           set (non-empty) to print the prefixes without colour; there is none
#                      anyway when stdout is not a terminal
#   TICKER_CLOCK_ANCHOR  the wall time a virtual clock counts from; computed once here when
#                      unset and passed to both services, so that they agree on market time
# Every other setting: --help of each binary, or docs/config.md.
set -euo pipefail
bin=${TICKER_BIN_DIR:-}
if [[ -n $bin && $bin != /* ]]; then bin=$PWD/$bin; fi
cd "$(dirname "$0")/.."

die() { echo "run.sh: $*" >&2; exit 2; }

rest_port=${TICKER_REST_PORT:-8000}
ws_port=${TICKER_WS_PORT:-8001}
wait_s=${TICKER_RUN_WAIT_S:-30}
[[ $wait_s =~ ^[1-9][0-9]{0,5}$ ]] ||
  die "TICKER_RUN_WAIT_S: \"$wait_s\" is not a whole number of seconds (1 to 999999)"
export TICKER_REST_PORT=$rest_port TICKER_WS_PORT=$ws_port
export TICKER_WS_URL=${TICKER_WS_URL:-ws://127.0.0.1:$ws_port}
# One anchor for both services: a virtual clock maps wall time to market time from it, and a
# manual clock without --clock-start starts at it. The real clock (the default) ignores it.
now_ms() { local us=${EPOCHREALTIME//[!0-9]/}; echo "${us%???}"; }
export TICKER_CLOCK_ANCHOR=${TICKER_CLOCK_ANCHOR:-$(now_ms)}

if [[ -z $bin ]]; then
  cargo build --release --locked -p rest-api -p ws-server
  bin=${CARGO_TARGET_DIR:-target}/release
fi
for name in rest-api ws-server; do
  [[ -x $bin/$name ]] || die "no executable $bin/$name (TICKER_BIN_DIR must hold rest-api and ws-server)"
done

if [[ -t 1 && -z ${NO_COLOR:-} ]]; then colour=yes; else colour=; fi
prefix() { # name colour
  trap '' INT # keep printing the services' shutdown lines after Ctrl-C
  local line
  if [[ -n $colour ]]; then
    while IFS= read -r line; do printf '\033[%sm%-9s\033[0m| %s\n' "$2" "$1" "$line"; done
  else
    while IFS= read -r line; do printf '%-9s| %s\n' "$1" "$line"; done
  fi
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

# The pid reported by GET /health on 127.0.0.1:$1, if it answers 200. A peer that accepts
# but never answers costs at most a second per line: whatever holds a port must not hang us.
health_pid() {
  local response re='"pid":([0-9]+)'
  response=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    for _ in {1..64}; do
      IFS= read -r -t 1 line <&3 || { printf '%s' "$line"; break; }
      printf '%s\n' "$line"
    done) 2>/dev/null) || return 1
  [[ $response == HTTP/1.?" 200"* && $response =~ $re ]] || return 1
  echo "${BASH_REMATCH[1]}"
}
# Whether anything accepts connections on 127.0.0.1:$1.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# What answers /health on port $1 when it should be pid $2, for the give-up message.
who_answers() {
  local seen
  seen=$(health_pid "$1" || true)
  if [[ $seen == "$2" ]]; then echo "up"
  elif [[ -n $seen ]]; then echo "another process (pid $seen) answers on port $1"
  elif listening "$1"; then echo "port $1 accepts but /health does not answer 200"
  else echo "nothing answers on port $1"; fi
}

now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }
up=
deadline=$(($(now_us) + wait_s * 1000000))
while kill -0 "$ws_pid" 2>/dev/null && kill -0 "$rest_pid" 2>/dev/null; do
  if [[ $(health_pid "$rest_port" || true) == "$rest_pid" &&
        $(health_pid "$ws_port" || true) == "$ws_pid" ]]; then
    up=yes
    cat <<MSG

  ticker is up
    REST       http://127.0.0.1:$rest_port/        (try /api/v1/latest/AAPL)
    WebSocket  ws://127.0.0.1:$ws_port/ws
               ws://127.0.0.1:$rest_port/ws   (the same stream on the REST origin; classic arrays)
    Dashboard  http://127.0.0.1:$rest_port/dashboard
  Ctrl-C stops both.

MSG
    break
  fi
  if (($(now_us) >= deadline)); then
    echo "run.sh: the services did not answer /health within $wait_s s (TICKER_RUN_WAIT_S)" \
      "- rest-api: $(who_answers "$rest_port" "$rest_pid");" \
      "ws-server: $(who_answers "$ws_port" "$ws_pid"). Stopping both." >&2
    stop
    exit 1
  fi
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
if [[ -n $up ]]; then
  echo "run.sh: $died exited (status $status); stopping the other service" >&2
else
  echo "run.sh: $died exited (status $status) before it was up; stopping the other service" >&2
fi
stop
if [[ -z $up ]]; then
  # Our services are gone now: whatever still listens on their ports is someone else's.
  taken=()
  for port in "$rest_port" "$ws_port"; do
    if listening "$port"; then taken+=("$port"); fi
  done
  if ((${#taken[@]} > 0)); then
    # Suggest the same ports shifted by 1000 (8000/8001 -> 9000/9001), or 9000/9001.
    free_rest=9000 free_ws=9001
    if [[ $rest_port =~ ^[0-9]+$ && $ws_port =~ ^[0-9]+$ ]] &&
      ((rest_port + 1000 <= 65535 && ws_port + 1000 <= 65535)); then
      free_rest=$((rest_port + 1000)) free_ws=$((ws_port + 1000))
    fi
    args=""
    if (($# > 0)); then args=$(printf ' %q' "$@"); fi
    if ((${#taken[@]} == 1)); then held="port ${taken[0]} is"; else held="ports ${taken[0]} and ${taken[1]} are"; fi
    echo "run.sh: $held held by another process (another ticker?). Use free ports:" >&2
    echo "  TICKER_REST_PORT=$free_rest TICKER_WS_PORT=$free_ws scripts/run.sh$args" >&2
  fi
fi
exit $((status == 0 ? 1 : status))
