#!/usr/bin/env python3
"""Table rows for the WebSocket scenarios of scripts/bench.sh, from loadgen's --json lines.

  bench_ws.py fanout DIR CLIENTS FRAMING ROUNDS LOAD
      ws-server against the minimal broadcaster, ROUNDS interleaved rounds each
      (DIR/fanout-CLIENTS-FRAMING-{ws,base}-R.json).
  bench_ws.py scale DIR WINDOW_S SERVERS INTERVAL_MS SOURCES NOFILE
      the multi-process run (DIR/scale-gen-*.json from the load generators,
      DIR/scale-samples.jsonl: bench-scale.sh's samples of every process).
"""

import json
import os
import statistics
import sys
from pathlib import Path


def load(path):
    return json.loads(Path(path).read_text().strip().splitlines()[-1])


def us_per_frame(d):
    return d["server_cpu_s"] * 1e6 / max(d["frames"], 1) if d.get("server_cpu_s") is not None else float("nan")


def med_of(runs, key, fmt):
    """The median of a field over rounds, or "n/a" when a round could not measure it (e.g. no
    frame arrived, so loadgen could not place the tick grid to count what was due)."""
    values = [r[key] for r in runs if r.get(key) is not None]
    return fmt.format(statistics.median(values)) + ("" if len(values) == len(runs) else f" ({len(values)}/{len(runs)} rounds)") if values else "n/a"


def fanout(out, clients, framing, rounds, loadavg):
    rounds = int(rounds)
    ws = [load(f"{out}/fanout-{clients}-{framing}-ws-{r}.json") for r in range(1, rounds + 1)]
    base = [load(f"{out}/fanout-{clients}-{framing}-base-{r}.json") for r in range(1, rounds + 1)]
    measured = [(w, b) for w, b in zip(ws, base) if w.get("delivered_pct") is not None and b.get("delivered_pct") is not None]
    ratios = [w["p99_ms"] / max(b["p99_ms"], 1e-9) for w, b in measured] or [float("nan")]
    med = statistics.median

    def side(runs):
        return (
            f"{med_of(runs, 'delivered_pct', '{:.2f} %')} delivered, "
            f"p50 {med_of(runs, 'p50_ms', '{:.1f} ms')}, p99 {med_of(runs, 'p99_ms', '{:.1f} ms')}, "
            f"{med(us_per_frame(r) for r in runs):.2f} µs CPU per frame"
        )

    per_conn = ws[0].get("kib_per_conn")
    missed = sum(r["missed"] + r["duplicates"] for r in ws)
    delivered_gap = med([w["delivered_pct"] - b["delivered_pct"] for w, b in measured] or [float("nan")])
    due = ws[0]["due_per_s"] or 0
    per_round = " ".join(f"{x:.2f}" for x in ratios)
    cpus = " ".join(f"{w['server_cpu_s']:.1f}/{b['server_cpu_s']:.1f}" for w, b in zip(ws, base))
    return (
        f"WS fan-out {int(clients)} clients, {framing} framing @100 ms ({due:.0f} frames/s due) | "
        f"ws-server: {side(ws)}; missed or duplicate seq {missed}"
        + (f"; {per_conn:.1f} KiB per connection" if per_conn is not None else "")
        + f" | minimal broadcaster, same client, interleaved: {side(base)} | "
        f"**p99 ratio {med(ratios):.2f}** (per round: {per_round}; target ≤ 1.1), "
        f"delivered ws − baseline {delivered_gap:+.2f} points (target ≥ 0); "
        f"server CPU per round ws/base: {cpus} s; "
        f"load average {loadavg}"
    )


def scale(out, window, servers, interval_ms, sources, nofile):
    gens = [load(p) for p in sorted(Path(out).glob("scale-gen-*.json"))]
    samples = {}
    for line in Path(f"{out}/scale-samples.jsonl").read_text().splitlines():
        d = json.loads(line)
        samples[d.pop("label")] = d
    before, start, end = samples["before"], samples["start"], samples["end"]
    server_pids = list(before)[: int(servers)]
    gen_pids = [p for p in start if p not in server_pids]
    secs = float(window)
    connected = sum(g["connected"] for g in gens)
    failed = sum(g["failed"] + g["closed_early"] for g in gens)
    frames = sum(g["frames"] for g in gens)
    due = sum((g["due_per_s"] or 0) * g["window_s"] for g in gens)
    due_per_s = sum(g["due_per_s"] or 0 for g in gens)
    missed = sum(g["missed"] + g["duplicates"] for g in gens)
    p99 = max(g["p99_ms"] for g in gens)
    p50 = statistics.median(g["p50_ms"] for g in gens)

    def cpu(pids):
        return sum(end[p]["cpu_s"] - start[p]["cpu_s"] for p in pids if start.get(p) and end.get(p)) / secs

    rss = [start[p]["rss_kib"] for p in server_pids]
    rss_delta = sum(start[p]["rss_kib"] - before[p]["rss_kib"] for p in server_pids)
    held = " / ".join(str(start[p]["fds"]) for p in server_pids)
    limit = int(nofile)
    cores = os.cpu_count()
    return (
        f"WS past one process: {connected} clients over {len(server_pids)} ws-server processes on one "
        f"port (--reuse-port) and {len(gens)} load generators on 127.0.0.1–{sources}, {interval_ms} ms ticks | "
        f"{100 * frames / max(due, 1):.2f} % of {due_per_s:.0f} frames/s delivered; p50 {p50:.1f} ms "
        f"(median of the generators), p99 {p99:.1f} ms (worst generator); failed or closed early {failed}, "
        f"missed or duplicate seq {missed} | descriptors per server {held} (limit {limit} each); "
        f"server RSS {rss_delta / max(connected, 1):.2f} KiB per connection "
        f"({' / '.join(str(r // 1024) for r in rss)} MiB); CPU over {secs:.0f} s mid-hold: servers "
        f"{cpu(server_pids):.2f} cores, load generators {cpu(gen_pids):.2f} (of {cores}) | "
        f"bound here by the {limit} open files per process ({len(server_pids)} servers hold at most "
        f"~{len(server_pids) * (limit - 200)} clients, {len(gens)} generators ~{len(gens) * (limit - 100)}), "
        f"~28 000 ephemeral ports per loopback source address, and the {cores} cores servers and generators share"
    )


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    print({"fanout": fanout, "scale": scale}[cmd](*args))
