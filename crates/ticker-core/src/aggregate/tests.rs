//! The fast paths against the tick-by-tick ones, on random ranges, candle widths, symbols,
//! calendars (24/7 and `us-equity`, whose nights and weekends stand still), tick intervals and
//! scenarios (halts, jumps, volatility, wider spreads): candles from range aggregates equal
//! candles from walking every tick, and a tracker that jumps to a tick equals one that
//! stepped through the whole day to it, field for field.

use crate::candle::{CandleInterval, TickRange};
use crate::clock::Seq;
use crate::config::MarketConfig;
use crate::market::Market;
use crate::noise::mix64;
use crate::scenario::{At, EventKind, EventSpec, Scenario, Span, Target};
use crate::session::SessionTracker;
use crate::symbol::SymbolId;

fn example() -> MarketConfig {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/market.example.json");
    MarketConfig::from_file(&path).unwrap()
}

/// Every kind of event that changes prices or trades, around tick `t` (at `interval_ms`).
fn with_scenario(config: MarketConfig, t: u64) -> MarketConfig {
    let ev = |kind, at: u64| EventSpec {
        kind,
        at: At::Tick(at),
        symbols: Target::All,
        percent: None,
        duration: None,
        factor: None,
        reason: None,
        reopen_gap_percent: None,
        halt: None,
    };
    let minutes = |n| Some(Span::minutes(n));
    let events = vec![
        EventSpec {
            duration: minutes(20),
            reopen_gap_percent: Some(-6.0),
            ..ev(EventKind::Halt, t)
        },
        EventSpec {
            percent: Some(9.0),
            ..ev(EventKind::Jump, t + 5_000)
        },
        EventSpec {
            factor: Some(8.0),
            duration: minutes(90),
            ..ev(EventKind::Volatility, t + 6_000)
        },
        EventSpec {
            factor: Some(4.0),
            duration: minutes(60),
            ..ev(EventKind::Spread, t + 7_000)
        },
    ];
    MarketConfig {
        scenarios: vec![Scenario {
            name: "test".into(),
            description: String::new(),
            events,
        }],
        scenario: Some("test".into()),
        ..config
    }
}

/// (market, a tick where things happen): 24/7 at 1 s, with a scenario, `us-equity` at 1 s
/// and with a scenario, and 24/7 at 250 ms.
fn markets() -> Vec<(Market, u64)> {
    const T: u64 = 91_377_000; // 2026-11-23 14:30 UTC at 1 s
    let fast = MarketConfig {
        interval_ms: 250,
        ..MarketConfig::default()
    };
    vec![
        (Market::new(MarketConfig::default()).unwrap(), T),
        (
            Market::new(with_scenario(MarketConfig::default(), T)).unwrap(),
            T,
        ),
        (Market::new(example()).unwrap(), T),
        (Market::new(with_scenario(example(), T)).unwrap(), T),
        (Market::new(fast).unwrap(), 4 * T),
    ]
}

#[test]
fn candles_from_aggregates_equal_candles_from_every_tick() {
    let intervals: Vec<CandleInterval> = CandleInterval::all().collect();
    let mut x = 0x00C0_FFEE_u64;
    for (m, t) in markets() {
        let s = *m.schedule();
        for round in 0..24 {
            x = mix64(x);
            let id = SymbolId((x % m.len() as u64) as u16);
            let interval = intervals[(x >> 8) as usize % intervals.len()];
            // Around the events, or anywhere in the last two years.
            let at = if round % 2 == 0 {
                t - 20_000 + (x >> 16) % 40_000
            } else {
                t - (x >> 16) % (2 * 365 * 86_400)
            };
            let width = interval.ms() * (1 + (x >> 40) as i64 % 40);
            let from = s.time_of(Seq(at)) + (x >> 24) as i64 % interval.ms();
            let until = Seq(at + (x >> 32) % 400_000);
            let range = m.candle_ticks(interval, from, from + width.min(4 * 86_400_000), until);
            let range = TickRange {
                end: range.end.min(Seq(range.first.0 + 1_500_000)),
                ..range
            };
            let fast = m.candles_aggregated(id, interval, range);
            assert_eq!(
                fast,
                m.candles_walked(id, interval, range),
                "{id:?} {interval} {range:?}"
            );
            assert!(!fast.is_empty() || range.is_empty());
        }
    }
}

#[test]
fn a_tracker_that_jumps_equals_one_that_steps_through_the_day() {
    let mut x = 0xDA7_u64;
    for (m, t) in markets() {
        for round in 0..6 {
            x = mix64(x);
            let id = SymbolId((x % m.len() as u64) as u16);
            let n = Seq(t - 30_000 + (x >> 20) % 60_000 + round * 40_000);
            let Some(day) = m.calendar(id).locate(m.schedule(), n).day else {
                continue;
            };
            let mut stepped = SessionTracker::new(id);
            stepped.step_through(&m, n);
            assert!(day.first <= n);
            let mut jumped = SessionTracker::new(id);
            jumped.step(&m, n, None);
            assert_eq!(jumped.position(), stepped.position());
            assert_eq!(
                jumped.quote_at(&m, n),
                stepped.quote_at(&m, n),
                "{id:?} {n}"
            );
            assert_eq!(jumped.day_bar(), stepped.day_bar());
            assert_eq!(jumped.closed_minute(&m, n), stepped.closed_minute(&m, n));
            assert_eq!(jumped.tick_at(n), stepped.tick_at(n));
            assert_eq!(jumped.trades_through(), stepped.trades_through());
            // Both keep stepping alike.
            for k in 1..=70 {
                let next = Seq(n.0 + k);
                assert_eq!(
                    jumped.quote(&m, next),
                    stepped.quote(&m, next),
                    "{id:?} {next}"
                );
                assert_eq!(
                    jumped.closed_minute(&m, next),
                    stepped.closed_minute(&m, next)
                );
            }
        }
    }
}
