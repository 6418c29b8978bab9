//! `cargo bench -p ticker-core`: nanoseconds per operation of the model's hot paths, printed
//! as a markdown table with the targets. A plain harness (no criterion): each row runs
//! its operation for a fixed time budget, five rounds, and reports the best round, which is
//! the least disturbed by other load on a shared machine.
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use ticker_core::{
    Activity, Calendar, CalendarKind, Market, MarketConfig, Seq, SessionTracker, SymbolId,
    TradingTicks, Uniform,
};

/// The resident set of this process, KiB (Linux; 0 elsewhere).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Runs `op` in batches until `budget` elapses; returns nanoseconds per call.
fn ns_per_op(budget: Duration, mut op: impl FnMut(u64)) -> f64 {
    let mut best = f64::INFINITY;
    let mut i = 0u64;
    for _ in 0..5 {
        let start = Instant::now();
        let mut calls = 0u64;
        while start.elapsed() < budget {
            for _ in 0..256 {
                op(i);
                i += 1;
            }
            calls += 256;
        }
        best = best.min(start.elapsed().as_nanos() as f64 / calls as f64);
    }
    best
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let budget = Duration::from_millis(if quick { 40 } else { 300 });
    let market = Market::new(MarketConfig::default()).unwrap();
    let id = SymbolId(0);
    let now = Seq(93_000_000); // ~ late 2026 at the default 1 s interval

    let mut rows: Vec<(&str, f64, &str)> = Vec::new();

    let spread = |i: u64| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40; // pseudo-random offsets
    rows.push((
        "random-access price, n ≈ 9.3e7",
        ns_per_op(budget, |i| {
            black_box(market.price(id, Seq(now.0 + spread(i))));
        }),
        "< 2000",
    ));
    rows.push((
        "random-access price, n ≈ 2^40",
        ns_per_op(budget, |i| {
            black_box(market.price(id, Seq((1 << 40) + spread(i))));
        }),
        "< 2000",
    ));

    let example = {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../config/market.example.json");
        Market::new(MarketConfig::from_file(&path).unwrap()).unwrap()
    };
    let aapl = example.lookup("AAPL").unwrap();
    rows.push((
        "random-access price, us-equity, n ≈ 9.3e7",
        ns_per_op(budget, |i| {
            black_box(example.price(aapl, Seq(now.0 + spread(i))));
        }),
        "< 2000",
    ));
    rows.push((
        "random-access trades of a tick (summary)",
        ns_per_op(budget, |i| {
            black_box(market.trades(id, Seq(now.0 + spread(i))).count);
        }),
        "",
    ));
    rows.push((
        "random-access trades of a tick, us-equity",
        ns_per_op(budget, |i| {
            black_box(example.trades(aapl, Seq(now.0 + spread(i))).count);
        }),
        "",
    ));
    rows.push((
        "random-access last trade price",
        ns_per_op(budget, |i| {
            black_box(market.last_price(id, Seq(now.0 + spread(i))));
        }),
        "",
    ));
    let busy = (now.0..)
        .map(|n| market.trades(id, Seq(n)))
        .find(|t| t.count >= 8)
        .unwrap();
    let per_tick = busy.count.max(1) as f64;
    rows.push((
        "list trades (Trades::next), per trade",
        ns_per_op(budget, |_| {
            for t in busy.iter() {
                black_box(t);
            }
        }) / per_tick,
        "",
    ));

    let mut walk = market.log_offsets(id, now);
    rows.push((
        "sequential tick (log-price)",
        ns_per_op(budget, |_| {
            black_box(walk.next());
        }),
        "< 100",
    ));

    let mut tracker = SessionTracker::new(id);
    let mut seq = now.0;
    tracker.quote(&market, Seq(seq));
    rows.push((
        "sequential quote (tracker)",
        ns_per_op(budget, |_| {
            seq += 1;
            black_box(tracker.quote(&market, Seq(seq)));
        }),
        "",
    ));

    let mut trackers: Vec<SessionTracker> = market.ids().map(SessionTracker::new).collect();
    let mut at = now.0;
    ticker_core::warm_up(&market, &mut trackers, Seq(at));
    let symbols = trackers.len() as f64;
    rows.push((
        "tick of every symbol (tick_all: quote, trades, NBBO, bars), per symbol",
        ns_per_op(budget, |_| {
            at += 1;
            ticker_core::tick_all(&market, &mut trackers, Seq(at), |_, t| {
                black_box(t);
            });
        }) / symbols,
        "",
    ));
    let mut trackers: Vec<SessionTracker> = example.ids().map(SessionTracker::new).collect();
    let mut at = now.0;
    ticker_core::warm_up(&example, &mut trackers, Seq(at));
    let symbols = trackers.len() as f64;
    rows.push((
        "tick_all, example config (6 us-equity + 5 24/7), per symbol",
        ns_per_op(budget, |_| {
            at += 1;
            ticker_core::tick_all(&example, &mut trackers, Seq(at), |_, t| {
                black_box(t);
            });
        }) / symbols,
        "",
    ));

    let quote = market.quote(id, now);
    let mut buf = Vec::with_capacity(512);
    rows.push((
        "serialise quote (write_json)",
        ns_per_op(budget, |_| {
            buf.clear();
            black_box(&quote).write_json(&mut buf);
            black_box(&buf);
        }),
        "< 300",
    ));
    rows.push((
        "serialise quote (serde_json)",
        ns_per_op(budget, |_| {
            buf.clear();
            serde_json::to_writer(&mut buf, black_box(&quote)).unwrap();
            black_box(&buf);
        }),
        "",
    ));

    let minute = "1m".parse().unwrap();
    let to = market.schedule().time_of(now);
    let candle_ns = ns_per_op(budget, |_| {
        black_box(market.candles(id, minute, to - 500 * 60_000, to, now));
    });
    rows.push(("500 × 1m candles (30 000 ticks)", candle_ns, ""));

    // Business time: the model asks for a weight at every level of every descent.
    let us = Calendar::new(CalendarKind::UsEquity, 86_400_000, 0);
    let activity = us.activity();
    let t_base = 1_735_689_600_000i64; // 2025-01-01
    let span = |i: u64| {
        let t0 = t_base + (spread(i) % (2 * 365 * 86_400_000)) as i64;
        (t0, t0 + (spread(i ^ 0x5555) % 86_400_000) as i64)
    };
    rows.push((
        "activity weight: uniform (baseline)",
        ns_per_op(budget, |i| {
            let (t0, t1) = span(i);
            black_box(Uniform.variance_weight(black_box(t0), black_box(t1)));
        }),
        "",
    ));
    rows.push((
        "activity weight: us-equity variance",
        ns_per_op(budget, |i| {
            let (t0, t1) = span(i);
            black_box(activity.variance_weight(black_box(t0), black_box(t1)));
        }),
        "O(1), < 100",
    ));
    rows.push((
        "activity weight: us-equity volume",
        ns_per_op(budget, |i| {
            let (t0, t1) = span(i);
            black_box(activity.volume_weight(black_box(t0), black_box(t1)));
        }),
        "O(1), < 100",
    ));
    rows.push((
        "calendar phase_at (us-equity)",
        ns_per_op(budget, |i| {
            black_box(us.phase_at(black_box(span(i).0)));
        }),
        "",
    ));
    let ticks = TradingTicks::new(us, market.schedule());
    rows.push((
        "n-th trading tick (us-equity)",
        ns_per_op(budget, |i| {
            black_box(ticks.nth(black_box(spread(i) % 2_000_000_000)));
        }),
        "O(log days)",
    ));

    // A generated universe of 5 000 symbols: memory of the market and its trackers, and the
    // tick loop's cost per tick (quotes, trades, NBBO, bars of every symbol).
    let before = rss_kib();
    let universe = Market::new(MarketConfig {
        universe: 5000,
        ..MarketConfig::default()
    })
    .unwrap();
    let built = rss_kib();
    let mut trackers: Vec<SessionTracker> = universe.ids().map(SessionTracker::new).collect();
    // A minute into a UTC day: the warm-up replays 60 ticks per symbol.
    let start = Seq((now.0 / 86_400) * 86_400 + 60);
    ticker_core::warm_up(&universe, &mut trackers, start);
    let warmed = rss_kib();
    let mut at = start.0;
    rows.push((
        "tick of 5 005 symbols (tick_all), per tick",
        ns_per_op(budget, |_| {
            at += 1;
            ticker_core::tick_all(&universe, &mut trackers, Seq(at), |_, t| {
                black_box(t);
            });
        }),
        "< 10 000 000 (1 % of a 1 s tick)",
    ));

    println!("| operation | ns/op | target |");
    println!("| --- | ---: | ---: |");
    for (name, ns, target) in rows {
        println!("| {name} | {ns:.1} | {target} |");
    }
    println!();
    println!("| memory, 5 005 symbols (5 default + universe 5 000) | MiB |");
    println!("| --- | ---: |");
    println!(
        "| market (trees, spines) | {:.1} |",
        built.saturating_sub(before) as f64 / 1024.0
    );
    println!(
        "| one tracker per symbol, warm | {:.1} |",
        warmed.saturating_sub(built) as f64 / 1024.0
    );
}
