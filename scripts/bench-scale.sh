#!/usr/bin/env bash
# Past one process's open-file limit: SCALE_CLIENTS WebSocket clients (50 000) spread over
# SCALE_SERVERS ws-server processes sharing one port with --reuse-port (3) and SCALE_LOADGENS
# load generators (4) on loopback source addresses 127.0.0.1..SCALE_SOURCES (8). Every process
# stays under the 20 000 open-file limit; together they hold more than any one could.
# Prints one markdown row for bench.sh's table (`scripts/bench.sh --scale` runs it); the raw
# figures stay in OUT_DIR/scale-*.json.
#
#   scripts/bench-scale.sh [OUT_DIR]      # needs release builds of ws-server and loadgen
set -euo pipefail
cd "$(dirname "$0")/.."

total=${SCALE_CLIENTS:-50000}
servers=${SCALE_SERVERS:-3}
gens=${SCALE_LOADGENS:-4}
sources=${SCALE_SOURCES:-8}
hold=${SCALE_HOLD_SECS:-30}
interval=${SCALE_INTERVAL_MS:-1000}
ramp=${SCALE_RAMP:-1000} # new connections per second per load generator
bin=${CARGO_TARGET_DIR:-target}/release
out=${1:-${CARGO_TARGET_DIR:-target}/bench}
mkdir -p "$out"
rm -f "$out"/scale-*.json
ulimit -n 20000 2>/dev/null || true
nofile=$(ulimit -n)
per_server=$(( (total + servers - 1) / servers ))
per_gen=$(( (total + gens - 1) / gens ))
if [ "$per_server" -ge "$nofile" ] || [ "$per_gen" -ge "$nofile" ]; then
  echo "bench-scale: $per_server clients per server or $per_gen per load generator would not fit the open-file limit of $nofile; add processes" >&2
  exit 1
fi

pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
server_pids=()
for _ in $(seq 1 "$servers"); do
  # Each server's limit: its share plus headroom for an uneven spread.
  "$bin/ws-server" --port "$port" --reuse-port --interval-ms "$interval" \
    --max-connections $(( nofile - 200 )) >/dev/null 2>&1 &
  server_pids+=("$!"); pids+=("$!")
done
# Wait until every server listens: count LISTEN sockets on the port in /proc/net/tcp.
python3 - "$port" "$servers" <<'PY'
import sys, time
port, want = int(sys.argv[1]), int(sys.argv[2])
for _ in range(600):
    lines = open("/proc/net/tcp").read().splitlines()[1:]
    listening = sum(1 for l in lines if l.split()[1].endswith(":%04X" % port) and l.split()[3] == "0A")
    if listening >= want:
        sys.exit(0)
    time.sleep(0.1)
sys.exit(f"only {listening} of {want} servers listen on {port}")
PY

sample() { # label pid... -> one JSON line: CPU seconds, RSS KiB and open descriptors per pid
  python3 - "$@" <<'PY'
import json, os, sys
label, *pids = sys.argv[1:]
out = {"label": label}
for pid in pids:
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        rss = next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:"))
        out[pid] = {"cpu_s": (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK"), "rss_kib": rss,
                    "fds": len(os.listdir(f"/proc/{pid}/fd"))}
    except OSError:
        out[pid] = None
print(json.dumps(out))
PY
}
sample before "${server_pids[@]}" >"$out/scale-samples.jsonl"

gen_pids=()
for g in $(seq 1 "$gens"); do
  "$bin/loadgen" ws --url "ws://127.0.0.1:$port/ws" --clients "$per_gen" --ramp "$ramp" \
    --concurrency 128 --sources "$sources" --hold-secs "$hold" --json \
    >"$out/scale-gen-$g.json" 2>/dev/null &
  gen_pids+=("$!"); pids+=("$!")
done
# The ramp is over when the servers hold every client (one descriptor each, plus a few).
deadline=$(( $(date +%s) + total / (ramp * gens) + 60 ))
while :; do
  held=$(sample ramp "${server_pids[@]}" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(v["fds"] for k, v in d.items() if k != "label" and v))')
  [ "$held" -ge "$total" ] && break
  if [ "$(date +%s)" -gt "$deadline" ]; then
    echo "bench-scale: the servers hold only $held of $total clients" >&2; break
  fi
  sleep 0.5
done
# Measure over the middle of the hold.
sleep 2
window=$(( hold / 2 ))
sample start "${server_pids[@]}" "${gen_pids[@]}" >>"$out/scale-samples.jsonl"
sleep "$window"
sample end "${server_pids[@]}" "${gen_pids[@]}" >>"$out/scale-samples.jsonl"
for p in "${gen_pids[@]}"; do wait "$p" || true; done
python3 scripts/bench_ws.py scale "$out" "$window" "${#server_pids[@]}" "$interval" "$sources" "$nofile"
