//! The model on a non-uniform activity (business time): a synthetic calendar that is open the
//! first half of every UTC day, closed the second half, with an overnight gap realised as a
//! point mass at the open. Closed spans must not move or trade; the open carries the gap and
//! nothing else is special at the open or the close.

use std::sync::Arc;

use ticker_core::facts::Series;
use ticker_core::{Activity, Market, MarketConfig, Seq, SymbolId};

const DAY: i64 = 86_400_000;
const HALF: i64 = DAY / 2;
/// Share of a day's variance realised at the open (the overnight gap).
const GAP_SHARE: f64 = 0.2;
const YEAR_MS: f64 = 365.25 * 86_400_000.0;

/// Open 00:00–12:00 UTC with a constant rate, closed 12:00–24:00, a point mass at 00:00.
/// Normalised to one unit per millisecond on average, as [`Activity`] requires.
#[derive(Debug)]
struct HalfDays;

impl HalfDays {
    /// Variance per open millisecond: the rest of the day's 86.4 M units after the gap.
    const RATE: f64 = (1.0 - GAP_SHARE) * DAY as f64 / HALF as f64;
    const GAP: f64 = GAP_SHARE * DAY as f64;

    /// Open milliseconds in `[0, t)`.
    fn open_before(t: i64) -> i64 {
        t.div_euclid(DAY) * HALF + t.rem_euclid(DAY).min(HALF)
    }

    /// Opens (day starts) in `[t0, t1)`.
    fn opens(t0: i64, t1: i64) -> i64 {
        let first = |t: i64| (t + DAY - 1).div_euclid(DAY);
        first(t1) - first(t0)
    }
}

impl Activity for HalfDays {
    fn variance_weight(&self, t0: i64, t1: i64) -> f64 {
        if t1 <= t0 {
            return 0.0;
        }
        let open = (Self::open_before(t1) - Self::open_before(t0)) as f64;
        open * Self::RATE + Self::opens(t0, t1) as f64 * Self::GAP
    }

    fn volume_weight(&self, t0: i64, t1: i64) -> f64 {
        if t1 <= t0 {
            return 0.0;
        }
        (Self::open_before(t1) - Self::open_before(t0)) as f64 * 2.0
    }
}

fn market(seed: u64) -> Market {
    let config = MarketConfig {
        seed,
        interval_ms: 60_000,
        ..MarketConfig::default()
    };
    Market::with_activity(config, Arc::new(HalfDays)).unwrap()
}

/// Minute ticks per day, and the tick of a day's open (the epoch is a UTC midnight).
const PER_DAY: u64 = 1440;

#[test]
fn closed_spans_do_not_move_and_trade_nothing() {
    let m = market(5);
    for id in m.ids() {
        let xs: Vec<f64> = m
            .log_offsets(id, Seq(0))
            .take(60 * PER_DAY as usize)
            .map(|(_, x)| x)
            .collect();
        for day in 0..59 {
            let open = day * PER_DAY;
            // Ticks 720..=1440 of a day are 12:00 … 24:00: the span between any two is closed.
            let close = open + 720;
            for n in close..open + PER_DAY {
                let (a, b) = (xs[n as usize], xs[n as usize + 1]);
                assert_eq!(a.to_bits(), b.to_bits(), "{id:?}: moved at closed tick {n}");
            }
            // Tick n reports the interval [t(n−1), t(n)): ticks 721 ..= 1440 report closed
            // minutes.
            assert_eq!(
                m.volume_between(id, Seq(close + 1), Seq(open + PER_DAY + 1)),
                0
            );
            for n in close + 1..=open + PER_DAY {
                assert!(
                    m.trades(id, Seq(n)).is_empty(),
                    "{id:?}: traded at tick {n}"
                );
            }
            // The open half moves and trades.
            assert_ne!(xs[open as usize + 5], xs[open as usize + 6]);
            assert!(m.volume_between(id, Seq(open + 1), Seq(close + 1)) > 0);
        }
    }
}

/// The open tick carries the overnight gap, `σ²·(G + ρΔ)` against `σ²·ρΔ` for an ordinary
/// open tick; the ticks right after the open and right before the close are ordinary: no
/// seams at the boundaries.
#[test]
fn the_open_carries_the_gap_and_nothing_else_is_special() {
    let (mut gap, mut after_open, mut before_close, mut ordinary) = (0.0, 0.0, 0.0, 0.0);
    let (mut days, mut ordinary_n) = (0.0, 0.0);
    for seed in 1..=4 {
        let m = market(seed);
        for id in m.ids() {
            let sigma2 = m.info(id).volatility.powi(2);
            let xs: Vec<f64> = m
                .log_offsets(id, Seq(0))
                .take(365 * PER_DAY as usize + 2)
                .map(|(_, x)| x / sigma2.sqrt())
                .collect();
            let r2 = |n: u64| (xs[n as usize + 1] - xs[n as usize]).powi(2);
            for day in 1..365 {
                let open = day * PER_DAY;
                gap += r2(open);
                after_open += r2(open + 1);
                before_close += r2(open + 719);
                for n in open + 10..open + 710 {
                    ordinary += r2(n);
                    ordinary_n += 1.0;
                }
                days += 1.0;
            }
        }
    }
    let tick = 60_000.0;
    let want_ordinary = HalfDays::RATE * tick / YEAR_MS;
    let want_gap = (HalfDays::GAP + HalfDays::RATE * tick) / YEAR_MS;
    let ordinary = ordinary / ordinary_n;
    eprintln!(
        "per tick, in units of the configured variance: ordinary {:.3} of theory, gap {:.3}, \
         after the open {:.3}, before the close {:.3}",
        ordinary / want_ordinary,
        gap / days / want_gap,
        after_open / days / ordinary,
        before_close / days / ordinary
    );
    assert!(
        (ordinary / want_ordinary - 1.0).abs() < 0.1,
        "ordinary ticks"
    );
    assert!((gap / days / want_gap - 1.0).abs() < 0.2, "the open's gap");
    assert!(
        (after_open / days / ordinary - 1.0).abs() < 0.25,
        "the tick after the open"
    );
    assert!(
        (before_close / days / ordinary - 1.0).abs() < 0.25,
        "the last open tick"
    );
}

#[test]
fn volatility_and_volume_keep_their_meaning_on_a_calendar() {
    let m = market(9);
    for id in m.ids() {
        let s = Series::sample(&m, id, m.schedule().epoch_ms(), DAY, 365 * 30, true);
        let r = s.returns();
        let realized = (r.iter().map(|x| x * x).sum::<f64>() / 30.0).sqrt();
        let ratio = realized / m.info(id).volatility;
        assert!(
            (ratio - 1.0).abs() < 0.05,
            "{id:?}: realized / configured {ratio}"
        );
        let per_day = s.volumes.iter().sum::<f64>() / s.volumes.len() as f64;
        let want = m.info(id).avg_volume as f64;
        assert!(
            (per_day / want - 1.0).abs() < 0.01,
            "{id:?}: volume per day {per_day}"
        );
    }
}

#[test]
fn sequential_equals_random_access_across_opens_and_closes() {
    let m = market(3);
    for (id, start) in [
        (SymbolId(0), 700u64),
        (SymbolId(3), 5 * PER_DAY - 3),
        (SymbolId(4), 1 << 30),
    ] {
        for (seq, x) in m.log_offsets(id, Seq(start)).take(3 * PER_DAY as usize) {
            assert_eq!(
                x.to_bits(),
                m.log_offset(id, seq).to_bits(),
                "{id:?} tick {seq}"
            );
        }
        let q = m.quote(id, Seq(start + 2000));
        let day = m
            .calendar(id)
            .locate(m.schedule(), Seq(start + 2000))
            .day
            .unwrap();
        assert_eq!(q.volume, m.volume_between(id, day.first, Seq(start + 2001)));
    }
}
