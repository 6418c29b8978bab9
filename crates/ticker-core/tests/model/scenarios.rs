//! Scenarios in the price function: every kind does what docs/scenarios.md says at its
//! ticks, halts keep trade ids consecutive, the tick loop equals random access under a
//! scenario, and a market without one is exactly the model as it was.

use ticker_core::scenario::{At, EventKind, EventSpec, Scenario, Span, Target};
use ticker_core::{Market, MarketConfig, Seq, SessionTracker, SymbolId};

use super::trades::{example, tick, tick_loop_agrees};

/// A digest of what clients see of a market at a few ticks (prices, trades, volume, NBBO,
/// quotes by a tracker), by random access and by stepping.
pub(crate) fn fingerprint(m: &Market, ticks: &[u64]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |text: String| {
        for b in text.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for id in m.ids() {
        let mut tracker = SessionTracker::new(id);
        for &n in ticks {
            let n = Seq(n);
            let t = m.trades(id, n);
            eat(format!(
                "{} {} {} {} {} {:?} {:?} {}",
                m.price(id, n),
                m.last_price(id, n),
                m.trade_count(id, n),
                m.volume_between(id, Seq(n.0.saturating_sub(5000)), n),
                t.count,
                t.iter()
                    .map(|x| (x.id, x.size, x.price.units()))
                    .collect::<Vec<_>>(),
                m.nbbo(id, n),
                m.log_offset(id, n).to_bits(),
            ));
            for k in 0..3 {
                let q = tracker.quote(m, Seq(n.0 + k));
                eat(serde_json::to_string(&q).unwrap());
            }
        }
    }
    h
}

/// Ticks the pinned digests cover: the start, a month in, and around 2026-11-23 14:30.
const PINNED_TICKS: [u64; 7] = [
    1,
    2,
    1000,
    86_400 * 30 + 50_000,
    91_377_000,
    91_377_100,
    91_400_000,
];

/// Digests computed before scenarios existed (commit 579a8d7): with no scenario every price,
/// trade, volume, NBBO and quote is what it was, bit for bit.
#[test]
fn a_market_without_a_scenario_is_the_model_unchanged() {
    let default = Market::new(MarketConfig::default()).unwrap();
    assert_eq!(fingerprint(&default, &PINNED_TICKS), 0x125d_7e71_5671_1f22);
    assert_eq!(
        fingerprint(&example(), &PINNED_TICKS),
        0x66f6_4124_6335_8977
    );
}

fn event(kind: EventKind, tick: u64, symbols: &[&str]) -> EventSpec {
    EventSpec {
        kind,
        at: At::Tick(tick),
        symbols: if symbols.is_empty() {
            Target::All
        } else {
            Target::Some(symbols.iter().map(|s| (*s).to_owned()).collect())
        },
        percent: None,
        duration: None,
        factor: None,
        reason: None,
        reopen_gap_percent: None,
        halt: None,
    }
}

fn with(config: MarketConfig, events: Vec<EventSpec>) -> Market {
    Market::new(MarketConfig {
        scenarios: vec![Scenario {
            name: "test".into(),
            description: String::new(),
            events,
        }],
        scenario: Some("test".into()),
        ..config
    })
    .unwrap()
}

/// Around 2026-11-23 14:30 UTC on the default market (1 s ticks, 24/7).
const T: u64 = 91_377_000;

fn offsets(m: &Market, id: SymbolId, n: u64) -> f64 {
    m.log_offset(id, Seq(n))
}

#[test]
fn a_jump_moves_the_price_by_its_percent_from_its_tick_on() {
    let base = Market::new(MarketConfig::default()).unwrap();
    let m = with(
        MarketConfig::default(),
        vec![EventSpec {
            percent: Some(10.0),
            ..event(EventKind::Jump, T, &["AAPL"])
        }],
    );
    let (aapl, msft) = (SymbolId(0), SymbolId(2));
    for n in [T - 100, T - 1] {
        assert_eq!(m.price(aapl, Seq(n)), base.price(aapl, Seq(n)));
    }
    for n in [T, T + 1, T + 5000] {
        let d = offsets(&m, aapl, n) - offsets(&base, aapl, n);
        assert!((d - 1.1f64.ln()).abs() < 1e-12, "tick {n}: {d}");
        assert_eq!(
            m.price(msft, Seq(n)),
            base.price(msft, Seq(n)),
            "others untouched"
        );
    }
    // Trades and volume are the model's; the trades print at the moved price.
    let t = m.trades(aapl, Seq(T + 10));
    assert_eq!(t.count, base.trades(aapl, Seq(T + 10)).count);
    assert_eq!(t.last, m.price(aapl, Seq(T + 10)));
}

#[test]
fn a_drift_trends_linearly_over_its_window() {
    let base = Market::new(MarketConfig::default()).unwrap();
    let m = with(
        MarketConfig::default(),
        vec![EventSpec {
            percent: Some(-20.0),
            duration: Some(Span(1_000_000)),
            ..event(EventKind::Drift, T, &[])
        }],
    );
    let total = 0.8f64.ln();
    for id in m.ids() {
        for (n, part) in [
            (T - 1, 0.0),
            (T, 0.0),
            (T + 250, 0.25),
            (T + 1000, 1.0),
            (T + 9000, 1.0),
        ] {
            let d = offsets(&m, id, n) - offsets(&base, id, n);
            assert!((d - part * total).abs() < 1e-12, "{id:?} tick {n}: {d}");
        }
    }
}

#[test]
fn a_volatility_window_scales_returns_inside_it_only() {
    let base = Market::new(MarketConfig::default()).unwrap();
    let m = with(
        MarketConfig::default(),
        vec![EventSpec {
            factor: Some(9.0),
            duration: Some(Span(600_000)),
            ..event(EventKind::Volatility, T, &["TSLA"])
        }],
    );
    let id = SymbolId(4);
    let ret = |m: &Market, n: u64| offsets(m, id, n + 1) - offsets(m, id, n);
    for n in [T, T + 1, T + 300, T + 599] {
        assert!(
            (ret(&m, n) - 3.0 * ret(&base, n)).abs() < 1e-12,
            "tick {n}: ×3 returns"
        );
    }
    for n in [T - 10, T + 600, T + 700] {
        assert!(
            (ret(&m, n) - ret(&base, n)).abs() < 1e-12,
            "tick {n}: the model's returns"
        );
    }
    // Realized variance over the window is 9 times the model's.
    let var = |m: &Market| (T..T + 600).map(|n| ret(m, n).powi(2)).sum::<f64>();
    assert!((var(&m) / var(&base) - 9.0).abs() < 1e-6);
}

#[test]
fn a_halt_freezes_the_price_stops_trading_and_reopens_at_its_gap() {
    let base = Market::new(MarketConfig::default()).unwrap();
    let m = with(
        MarketConfig::default(),
        vec![EventSpec {
            duration: Some(Span::minutes(5)),
            reason: Some("news pending".into()),
            reopen_gap_percent: Some(-8.0),
            ..event(EventKind::Halt, T, &["AAPL"])
        }],
    );
    let id = SymbolId(0);
    let (from, until) = (T, T + 300);
    let before = m.trade_count(id, Seq(from - 1));
    assert_eq!(before, base.trade_count(id, Seq(from - 1)));
    let frozen = m.price(id, Seq(from - 1));
    for n in from..until {
        let n = Seq(n);
        assert_eq!(m.price(id, n), frozen, "tick {n}: frozen");
        assert_eq!(m.last_price(id, n), m.last_price(id, Seq(from - 1)));
        let t = m.trades(id, n);
        assert_eq!((t.count, t.volume), (0, 0), "tick {n}: no trades");
        assert_eq!(t.first_id, before + 1);
        assert_eq!(m.trade_count(id, n), before);
        assert!(m.status(id, n).is_halted());
    }
    assert!(
        base.trades(id, Seq(from + 5)).count > 0,
        "the model trades there"
    );
    assert_eq!(m.volume_between(id, Seq(from), Seq(until)), 0);
    // The reopening prints 8 % below the halted price and continues the ids.
    let gap = m.log_offset(id, Seq(until)) - m.log_offset(id, Seq(from - 1));
    assert!((gap - 0.92f64.ln()).abs() < 1e-12, "{gap}");
    let open = m.trades(id, Seq(until));
    assert_eq!(open.first_id, before + 1, "no gap in the ids");
    let reopening = (until..until + 100)
        .map(Seq)
        .find(|&n| m.trades(id, n).count > 0)
        .unwrap();
    assert_eq!(m.trades(id, reopening).first_id, before + 1);
    let removed = base.trade_count(id, Seq(until - 1)) - before;
    assert!(removed > 10);
    for n in [until, until + 1, until + 10_000] {
        assert_eq!(
            m.trade_count(id, Seq(n)) + removed,
            base.trade_count(id, Seq(n))
        );
        // After the reopening the model's returns continue.
        let r = |m: &Market| m.log_offset(id, Seq(n + 1)) - m.log_offset(id, Seq(n));
        assert!((r(&m) - r(&base)).abs() < 1e-12);
    }
    let want = before + 3;
    let at = m.tick_of_trade(id, want).unwrap();
    let holder = m.trades(id, at);
    assert!(at >= reopening && holder.first_id <= want && want < holder.first_id + holder.count);
    assert_eq!(
        m.latest_trade(id, Seq(until + 2)).unwrap().id,
        m.trade_count(id, Seq(until + 2))
    );
    let status = m.status(id, Seq(from));
    let halt = status.halt.unwrap();
    assert_eq!(&*halt.reason, "news pending");
    assert_eq!(
        (halt.from, halt.until, halt.market_wide),
        (Seq(from), Seq(until), false)
    );
    assert!(!m.status(id, Seq(until)).is_halted());
    assert_eq!(
        m.status(id, Seq(from - 1)).next_halt.unwrap().from,
        Seq(from)
    );
    assert!(
        !m.status(SymbolId(1), Seq(from)).is_halted(),
        "other symbols trade"
    );
}

#[test]
fn a_spread_window_widens_quotes_and_thins_the_book() {
    let base = Market::new(MarketConfig::default()).unwrap();
    let m = with(
        MarketConfig::default(),
        vec![EventSpec {
            factor: Some(5.0),
            duration: Some(Span(200_000)),
            ..event(EventKind::Spread, T, &["MSFT"])
        }],
    );
    let id = SymbolId(2);
    let sum = |m: &Market, lo: u64, hi: u64| {
        (lo..hi).fold((0i64, 0u64), |(w, s), n| {
            let q = m.nbbo(id, Seq(n));
            (
                w + q.ask.units() - q.bid.units(),
                s + q.bid_size + q.ask_size,
            )
        })
    };
    let (wide, thin) = sum(&m, T, T + 200);
    let (usual, deep) = sum(&base, T, T + 200);
    let ratio = wide as f64 / usual as f64;
    assert!((4.5..=5.5).contains(&ratio), "spread ratio {ratio}");
    assert!(thin * 2 < deep, "book {thin} against {deep}");
    assert_eq!(
        sum(&m, T + 200, T + 400),
        sum(&base, T + 200, T + 400),
        "then as usual"
    );
    assert_eq!(m.price(id, Seq(T + 50)), base.price(id, Seq(T + 50)));
    // Trades sit inside the wider quote.
    let t = m.trades(id, Seq(T + 50));
    for x in t.iter() {
        assert!(t.bid.units() <= x.price.units() && x.price.units() <= t.ask.units());
    }
}

#[test]
fn a_circuit_breaker_drops_every_symbol_by_its_beta_and_halts_them_all() {
    let base = Market::new(MarketConfig::default()).unwrap();
    let m = with(
        MarketConfig::default(),
        vec![EventSpec {
            percent: Some(-7.0),
            duration: Some(Span::minutes(10)),
            halt: Some(Span::minutes(15)),
            ..event(EventKind::CircuitBreaker, T, &[])
        }],
    );
    let fall_end = T + 600;
    for id in m.ids() {
        let beta = MarketConfig::default().symbols[id.index()].beta;
        let d = offsets(&m, id, fall_end) - offsets(&base, id, fall_end);
        assert!((d - beta * 0.93f64.ln()).abs() < 1e-12, "{id:?}: {d}");
        let s = m.status(id, Seq(fall_end + 1)).halt.unwrap();
        assert!(s.market_wide);
        assert_eq!(
            (s.from, s.until),
            (Seq(fall_end + 1), Seq(fall_end + 1 + 900))
        );
        assert!(s.reason.contains("circuit breaker"), "{}", s.reason);
        assert_eq!(m.trades(id, Seq(fall_end + 100)).count, 0);
        assert_eq!(m.price(id, Seq(fall_end + 500)), m.price(id, Seq(fall_end)));
        assert!(!m.status(id, Seq(fall_end + 901)).is_halted());
    }
}

/// Every kind at once (halts, a circuit breaker, moves and spreads), on 24/7 symbols and on
/// `us-equity` ones with a session-relative halt: the tick loop, each tracker alone and random
/// access agree on quotes, trades, NBBO and bars, byte for byte.
#[test]
fn the_tick_loop_equals_random_access_under_a_scenario() {
    let all = |t: u64| {
        vec![
            EventSpec {
                percent: Some(5.0),
                ..event(EventKind::Jump, t + 10, &["AAPL"])
            },
            EventSpec {
                percent: Some(-3.0),
                duration: Some(Span(60_000)),
                ..event(EventKind::Drift, t + 5, &[])
            },
            EventSpec {
                factor: Some(4.0),
                duration: Some(Span(90_000)),
                ..event(EventKind::Volatility, t, &[])
            },
            EventSpec {
                factor: Some(3.0),
                duration: Some(Span(40_000)),
                ..event(EventKind::Spread, t + 20, &[])
            },
            EventSpec {
                duration: Some(Span(30_000)),
                reopen_gap_percent: Some(4.0),
                ..event(EventKind::Halt, t + 30, &["AAPL", "MSFT"])
            },
            EventSpec {
                percent: Some(-7.0),
                halt: Some(Span(20_000)),
                ..event(EventKind::CircuitBreaker, t + 90, &[])
            },
        ]
    };
    let m = with(MarketConfig::default(), all(T));
    assert!(m.status(SymbolId(0), Seq(T + 40)).is_halted());
    tick_loop_agrees(&m, &[(Seq(T - 20), 160)]);
    // us-equity: a halt five minutes after Friday's open, on the example market.
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/market.example.json");
    let mut cfg = MarketConfig::from_file(&path).unwrap();
    let start = tick(&example(), "2026-03-13T13:30:00Z").0;
    let mut events = all(start);
    events.push(EventSpec {
        at: At::Session {
            date: ticker_core::calendar::Date::from_ymd(2026, 3, 13).unwrap(),
            after_open: Span::minutes(5),
        },
        duration: Some(Span(60_000)),
        ..event(EventKind::Halt, 0, &[])
    });
    // The example's symbols differ: keep the events whole-market.
    for e in &mut events {
        e.symbols = Target::All;
    }
    events.retain(|e| e.kind != EventKind::Halt || matches!(e.at, At::Session { .. }));
    cfg.scenarios.clear();
    let m = with(cfg, events);
    // Five minutes after each calendar's open: 13:35 UTC for us-equity (summer time), 00:05 for 24/7.
    for (time, calendar) in [
        ("2026-03-13T13:35:30Z", ticker_core::CalendarKind::UsEquity),
        ("2026-03-13T00:05:30Z", ticker_core::CalendarKind::Always),
    ] {
        let halted = tick(&m, time);
        for id in m.ids() {
            let on = m.calendar(id).kind() == calendar;
            assert_eq!(m.status(id, halted).is_halted(), on, "{id:?} at {time}");
        }
    }
    let midnight = tick(&m, "2026-03-13T00:04:00Z").0;
    tick_loop_agrees(
        &m,
        &[
            (Seq(start - 30), 150),
            (Seq(start + 290), 120),
            (Seq(midnight), 150),
        ],
    );
}

/// Mistakes a market cannot check before it has its symbols and calendars, each one line.
#[test]
fn bad_events_are_refused_with_one_line_naming_them() {
    let err = |events: Vec<EventSpec>, config: MarketConfig| {
        Market::new(MarketConfig {
            scenarios: vec![Scenario {
                name: "bad".into(),
                description: String::new(),
                events,
            }],
            scenario: Some("bad".into()),
            ..config
        })
        .unwrap_err()
        .to_string()
    };
    let halt = |tick: u64, symbols: &[&str]| EventSpec {
        duration: Some(Span::minutes(5)),
        ..event(EventKind::Halt, tick, symbols)
    };
    assert_eq!(
        err(vec![halt(T, &["NOPE"])], MarketConfig::default()),
        "config field `scenarios[bad].events[0].symbols`: \"NOPE\" is not a symbol of this market"
    );
    assert_eq!(
        err(
            vec![halt(T, &["AAPL"]), halt(T + 60, &[])],
            MarketConfig::default()
        ),
        "config field `scenarios[bad].events[1]`: halts AAPL while events[0] has it halted already"
    );
    let saturday = EventSpec {
        at: At::Session {
            date: ticker_core::calendar::Date::from_ymd(2026, 3, 14).unwrap(),
            after_open: Span(0),
        },
        ..halt(0, &["AAPL"])
    };
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/market.example.json");
    assert_eq!(
        err(vec![saturday], MarketConfig::from_file(&path).unwrap()),
        "config field `scenarios[bad].events[0].at`: 2026-03-14 is not a trading day of AAPL (us-equity)"
    );
    let later = EventSpec {
        at: At::AfterStart(Span::minutes(1)),
        ..halt(0, &[])
    };
    assert!(err(vec![later], MarketConfig::default()).contains("the clock has none"));
    // A built-in needs the clock's start too, and an unknown name lists the known ones.
    let named = |name: &str| {
        Market::new(MarketConfig {
            scenario: Some(name.into()),
            ..MarketConfig::default()
        })
        .unwrap_err()
        .to_string()
    };
    assert!(named("halt-resume").contains("give --clock-start or --clock-anchor"));
    assert_eq!(
        named("meteor"),
        "config field `scenario`: \"meteor\" is neither a built-in scenario nor one of \
         `scenarios` (known: flash-crash, earnings-gap, halt-resume, volatile-open, \
         circuit-breaker)"
    );
}

/// Every built-in, placed 15 minutes after the clock's start, does something visible there
/// to the first symbol and agrees with the tick loop.
#[test]
fn built_in_scenarios_start_fifteen_minutes_after_the_clock() {
    let base = Market::new(MarketConfig::default()).unwrap();
    let start = base.schedule().time_of(Seq(T));
    for name in ticker_core::scenario::builtin::NAMES {
        let mut cfg = MarketConfig {
            scenario: Some(name.into()),
            ..MarketConfig::default()
        };
        cfg.clock.kind = Some(ticker_core::ClockKind::Manual);
        cfg.clock.start = Some(start);
        let m = Market::new(cfg).unwrap();
        let at = T + 900;
        let id = SymbolId(0);
        assert_eq!(
            m.price(id, Seq(at - 1)),
            base.price(id, Seq(at - 1)),
            "{name}"
        );
        let differs = (at..at + 600).any(|n| {
            m.nbbo(id, Seq(n)) != base.nbbo(id, Seq(n)) || m.status(id, Seq(n)).is_halted()
        });
        assert!(differs, "{name} does nothing at the first symbol");
        tick_loop_agrees(&m, &[(Seq(at - 5), 40)]);
    }
}
