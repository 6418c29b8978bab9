//! `cargo bench -p ticker-core --bench history`: long-range history and cold start-up, in
//! milliseconds, each against its baseline measured in the same run (the tick-by-tick paths
//! they replaced), as a markdown table with the targets of issue #17. Each row is the best of
//! a few rounds, the least disturbed by other load on a shared machine; cold rows build a
//! fresh market per round, so nothing is cached.
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use ticker_core::{CandleInterval, Market, MarketConfig, Seq, SessionTracker, SymbolId};

/// Milliseconds of the best of `rounds` runs of `op` (given a fresh `setup()` each).
fn best_ms<S, R>(rounds: usize, mut setup: impl FnMut() -> S, mut op: impl FnMut(&S) -> R) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..rounds {
        let s = setup();
        let start = Instant::now();
        black_box(op(&s));
        best = best.min(start.elapsed().as_secs_f64() * 1000.0);
    }
    best
}

/// CPU seconds of this process so far (user + system; Linux, 10 ms resolution).
fn cpu_s() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let f: Vec<u64> = s
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|v| v.parse().ok())
                .collect();
            Some(f.iter().sum::<u64>() as f64 / 100.0)
        })
        .unwrap_or(0.0)
}

fn market(interval_ms: u64) -> Market {
    Market::new(MarketConfig {
        interval_ms,
        ..MarketConfig::default()
    })
    .unwrap()
}

/// The tick of 2026-11-23 09:20 UTC (a morning: a third of the UTC day has passed) at
/// `interval_ms`.
fn morning(m: &Market) -> Seq {
    m.schedule()
        .tick_at(1_795_425_600_000 + 9 * 3_600_000 + 20 * 60_000)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 1 } else { 3 };
    let day: CandleInterval = "1d".parse().unwrap();
    let id = SymbolId(0);
    let mut rows: Vec<(String, f64, String, &str)> = Vec::new();

    // History at 1 s ticks: daily candles of the last 100 days and of the last year.
    let m = market(1000);
    let now = morning(&m);
    let to = m.schedule().time_of(now);
    for (days, target) in [(100, "< 10"), (365, "< 50")] {
        let from = to - days * 86_400_000;
        let candles = |m: &Market| m.candles(id, day, from, to, now);
        let baseline = best_ms(1, || (), |_| m.candles_tick_by_tick(id, day, from, to, now));
        let cold = best_ms(rounds, || market(1000), candles);
        let warm_market = market(1000);
        black_box(candles(&warm_market));
        let warm = best_ms(rounds.max(5), || (), |_| candles(&warm_market));
        assert_eq!(
            candles(&warm_market),
            m.candles_tick_by_tick(id, day, from, to, now)
        );
        let name = format!("{days} × 1d candles, 1 s ticks ({} ticks)", days * 86_400);
        rows.push((
            format!("{name}, cached"),
            warm,
            format!("{baseline:.1} ms tick by tick: {:.0}×", baseline / warm),
            target,
        ));
        rows.push((
            format!("{name}, cold (first request)"),
            cold,
            format!("{:.2}× the tick-by-tick time", cold / baseline),
            "",
        ));
    }

    // Start-up: every symbol's first quote (warm_up), at 1 s and 1 ms ticks, on a fresh
    // market. The baseline steps one symbol through the day; at 1 ms that is tens of seconds
    // per symbol, so it steps 2 000 000 ticks and is scaled to the day so far × symbols.
    for interval_ms in [1000u64, 1] {
        let m = market(interval_ms);
        let now = morning(&m);
        let day = m.calendar(id).locate(m.schedule(), now).day.unwrap();
        let ticks = now.0 + 1 - day.first.0;
        let sample = ticks.min(2_000_000);
        let stepped = best_ms(
            1,
            || (),
            |_| {
                let mut t = SessionTracker::new(id);
                t.step_through(&m, Seq(day.first.0 + sample - 1));
                t
            },
        );
        let baseline = stepped * ticks as f64 / sample as f64 * m.len() as f64;
        // Best wall time of the rounds, and the CPU (all threads) of that round.
        let (mut warm_up, mut cpu_ms) = (f64::INFINITY, 0.0);
        for _ in 0..rounds {
            let m = market(interval_ms);
            let mut trackers: Vec<SessionTracker> = m.ids().map(SessionTracker::new).collect();
            let (cpu0, start) = (cpu_s(), Instant::now());
            ticker_core::warm_up(&m, &mut trackers, now);
            let wall = start.elapsed().as_secs_f64() * 1000.0;
            if wall < warm_up {
                (warm_up, cpu_ms) = (wall, (cpu_s() - cpu0) * 1000.0);
            }
            black_box(trackers);
        }
        let projected = if sample < ticks { ", projected" } else { "" };
        rows.push((
            format!(
                "start-up: first quotes of {} symbols at {interval_ms} ms ticks, {ticks} ticks into the day",
                m.len()
            ),
            warm_up,
            format!(
                "{baseline:.0} ms stepping through the day{projected}: {:.0}×; CPU {cpu_ms:.0} ms \
                 a round on {} threads",
                baseline / warm_up,
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            ),
            "< 200",
        ));
    }

    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average (1, 5, 15 min) at the end: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!();
    println!("| operation | ms | baseline (same run) | target ms |");
    println!("| --- | ---: | --- | ---: |");
    for (name, ms, baseline, target) in rows {
        println!("| {name} | {ms:.2} | {baseline} | {target} |");
    }
}
