#!/usr/bin/env bash
# Moves the manual market clock of every ticker service in one call: POST /control/clock with
# the same command to each (the rest-api and the ws-server by default), so that they stay on
# the same tick. The services must run with `--clock manual` and the same `--control-token`.
#
#   scripts/clock.sh status                        # each service's clock and tick
#   scripts/clock.sh ticks 10                      # forward to the start of the 10th next tick
#   scripts/clock.sh advance 1500                  # forward by 1500 ms
#   scripts/clock.sh set 2026-11-17T14:30:00Z      # to a time (RFC 3339 or Unix ms), not back
#
# Environment:
#   TICKER_CONTROL_TOKEN   the services' control token (required)
#   TICKER_CLOCK_TARGETS   host:port of every service, space-separated
#                          (default: 127.0.0.1:$TICKER_REST_PORT 127.0.0.1:$TICKER_WS_PORT,
#                          ports 8000 and 8001 unless set); list every ws-server replica
#
# Prints one line per service: its address, the HTTP status and the JSON answer. Exits 0 when
# every service answered 200, 1 when one did not (its error is on its line), 2 on bad usage.
set -euo pipefail

usage() {
  echo "usage: scripts/clock.sh status | ticks N | advance MS | set TIME (see the top of this script)" >&2
  exit 2
}

token=${TICKER_CONTROL_TOKEN:-}
[[ -n $token ]] || { echo "clock.sh: set TICKER_CONTROL_TOKEN to the services' --control-token" >&2; exit 2; }
targets=${TICKER_CLOCK_TARGETS:-"127.0.0.1:${TICKER_REST_PORT:-8000} 127.0.0.1:${TICKER_WS_PORT:-8001}"}

method=POST
case ${1:-} in
  status) [[ $# -eq 1 ]] || usage; method=GET; body="" ;;
  ticks) [[ $# -eq 2 && $2 =~ ^[0-9]{1,9}$ ]] || usage; body="{\"ticks\":$2}" ;;
  advance) [[ $# -eq 2 && $2 =~ ^[0-9]{1,15}$ ]] || usage; body="{\"advance_ms\":$2}" ;;
  set)
    [[ $# -eq 2 ]] || usage
    if [[ $2 =~ ^[0-9]{1,15}$ ]]; then body="{\"set\":$2}"
    elif [[ $2 =~ ^[0-9A-Za-z:.+\ -]{1,40}$ ]]; then body="{\"set\":\"$2\"}"
    else usage; fi ;;
  *) usage ;;
esac

# One request over bash's /dev/tcp (no curl needed); prints "status body".
request() { # host port
  local reply status
  reply=$( (exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf '%s /control/clock HTTP/1.0\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
      "$method" "$1" "$token" "${#body}" "$body" >&3
    timeout 10 cat <&3) 2>/dev/null) || { echo "000 cannot connect"; return; }
  status=$(head -n1 <<<"$reply" | cut -d' ' -f2)
  echo "${status:-000} ${reply##*$'\r\n\r\n'}"
}

failed=0
for target in $targets; do
  host=${target%:*} port=${target##*:}
  [[ -n $host && $port =~ ^[0-9]+$ ]] || { echo "clock.sh: bad target \"$target\" (host:port)" >&2; exit 2; }
  answer=$(request "$host" "$port")
  echo "$target ${answer}"
  [[ $answer == 200\ * ]] || failed=1
done
exit $failed
