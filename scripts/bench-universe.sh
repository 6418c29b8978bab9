#!/usr/bin/env bash
# One scenario of scripts/bench.sh, runnable alone: both services with a generated universe
# of 5 000 symbols (--universe 5000) at the default 1 s interval. Measures the start-up
# (until the ws-server answers /health and the rest-api's trackers are warm: both replay
# today's ticks of every symbol), the resident memory of each, the ws-server's CPU per tick
# (quotes, trades, NBBO and bars of every symbol, encoded), and the time of one REST request
# for all 5 005 quotes. The ws-server keeps --replay-ticks 60 (a minute) rather than the
# default 600: each kept tick holds every symbol's frame, ~1.9 MB at 5 005 symbols, so the
# default window alone would be ~1.1 GB (docs/performance.md).
#
#   scripts/bench-universe.sh [bin dir]     # prints "ROW: …" and "RAW: …" lines
#
# Needs: python3, curl; release binaries (bench.sh builds them; alone, run
# `cargo build --release -p rest-api -p ws-server` first).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-${CARGO_TARGET_DIR:-target}/release}
uni=${BENCH_UNIVERSE:-5000}
hold=${BENCH_UNIVERSE_HOLD:-10}

pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { python3 -c 'import time; print(int(time.time()*1000))'; }
rss_mib() { awk '/VmRSS/{printf "%.0f", $2/1024}' "/proc/$1/status"; }
cpu_s() {
  python3 -c 'import sys; f=open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")",1)[1].split(); print((int(f[11])+int(f[12]))/100)' "$1"
}
metric() { # port name -> value
  curl -fs "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2}'
}
wait_ok() { # url, seconds -> waits until it answers 200
  for _ in $(seq 1 $(($2 * 10))); do
    curl -fs -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench-universe: $1 did not answer within $2 s" >&2
  return 1
}

wp=$(free_port); rp=$(free_port)
t0=$(now_ms)
$bin/ws-server --port "$wp" --universe "$uni" --max-symbols 10000 --replay-ticks 60 >/dev/null 2>&1 & ws_pid=$!; pids+=("$ws_pid")
# No history warm-up: its memory (at most a quarter of --history-cache-mib) would make the
# RSS below depend on how far it got.
$bin/rest-api --port "$rp" --history-warm-days 0 --universe "$uni" --ws-url "ws://127.0.0.1:$wp/ws" >/dev/null 2>&1 & rest_pid=$!; pids+=("$rest_pid")
wait_ok "http://127.0.0.1:$wp/health" 600
ws_up=$(( $(now_ms) - t0 ))
# The REST quotes wait for the trackers' warm-up; /health does not.
wait_ok "http://127.0.0.1:$rp/api/v1/latest/AAPL" 600
rest_up=$(( $(now_ms) - t0 ))
ticks0=$(metric "$wp" ticker_ws_ticks_published_total); c0=$(cpu_s "$ws_pid")
sleep "$hold"
ticks1=$(metric "$wp" ticker_ws_ticks_published_total); c1=$(cpu_s "$ws_pid")
lag=$(metric "$wp" ticker_ws_publish_lag_milliseconds)
ws_rss=$(rss_mib "$ws_pid"); rest_rss=$(rss_mib "$rest_pid")
read -r all_ms all_bytes < <(python3 - "$rp" <<'PY'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/api/v1/latest"
best, size = None, 0
for _ in range(5):
    t = time.perf_counter()
    body = urllib.request.urlopen(url).read()
    ms = (time.perf_counter() - t) * 1000
    best = ms if best is None else min(best, ms)
    size = len(body)
print(f"{best:.1f} {size}")
PY
)
per_tick=$(python3 -c "t=$ticks1-$ticks0; print(f'{($c1-$c0)*1000/max(t,1):.1f}')")
echo "RAW: universe $uni: ws-server healthy after $ws_up ms, rest-api warm after $rest_up ms; RSS ws-server $ws_rss MiB, rest-api $rest_rss MiB; ws-server CPU $(python3 -c "print(f'{$c1-$c0:.2f}')") s over $((ticks1 - ticks0)) ticks ($per_tick ms per tick), publish lag $lag ms; GET /api/v1/latest (all symbols) best of 5 $all_ms ms, $all_bytes bytes"
day_s=$(( ($(now_ms) / 1000) % 86400 ))
echo "ROW: Universe of $((uni + 5)) symbols (--universe $uni, ws-server --replay-ticks 60) @1 s, ${day_s} s into the UTC day | ws-server $per_tick ms CPU per tick (every symbol's quote, trades, NBBO, bars, encoded), publish lag $lag ms; RSS ws-server $ws_rss MiB, rest-api $rest_rss MiB | start-up (both replay today's ticks of every symbol): ws-server healthy in $ws_up ms, rest-api quotes warm in $rest_up ms | GET /api/v1/latest of all $((uni + 5)) quotes $all_ms ms ($all_bytes bytes)"
