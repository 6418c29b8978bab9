//! Trades, quotes and bars as clients see them: every tick's trades add up to its volume and
//! sit inside its NBBO, ids count every trade, sessions sum their trades, and the tick loop,
//! cursors and random access agree exactly, on both calendars.

use std::collections::HashMap;

use ticker_core::calendar::Date;
use ticker_core::time::parse_time;
use ticker_core::{
    tick_all, warm_up, Candle, Conditions, Market, MarketConfig, Phase, Seq, SessionTracker,
    SymbolId, Trade,
};

pub(crate) fn example() -> Market {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/market.example.json");
    Market::new(MarketConfig::from_file(&path).unwrap()).unwrap()
}

pub(crate) fn tick(m: &Market, time: &str) -> Seq {
    m.schedule().tick_at(parse_time(time).unwrap())
}

/// Checks tick `n`'s trades one by one against its summary, its interval and its quote;
/// returns the id of its last trade (or `last_id` when it has none).
fn check_tick(m: &Market, id: SymbolId, n: Seq, last_id: u64) -> u64 {
    let t = m.trades(id, n);
    assert_eq!(t.first_id, last_id + 1, "{id:?} tick {n}: ids continue");
    let trades: Vec<Trade> = t.iter().collect();
    assert_eq!(trades.len() as u64, t.count);
    assert_eq!(
        trades.iter().map(|x| x.size).sum::<u64>(),
        t.volume,
        "{id:?} tick {n}: sizes sum to the volume"
    );
    assert_eq!(t.volume, m.volume_between(id, n, Seq(n.0 + 1)));
    assert_eq!(t.count == 0, t.volume == 0);
    let s = m.schedule();
    let (lo, hi) = (
        (s.time_of(n) - s.interval_ms() as i64) * 1_000_000,
        s.time_of(n) * 1_000_000,
    );
    let mut previous = i64::MIN;
    for (j, x) in trades.iter().enumerate() {
        assert_eq!(x.id, t.first_id + j as u64);
        assert!(x.size >= 1);
        assert!((lo..hi).contains(&x.timestamp_ns), "{x:?} outside tick {n}");
        assert!(x.timestamp_ns >= previous, "{x:?}: trades are sorted");
        previous = x.timestamp_ns;
        assert_eq!(x.timestamp, x.timestamp_ns.div_euclid(1_000_000));
        assert!(
            t.bid.units() <= x.price.units() && x.price.units() <= t.ask.units(),
            "{x:?} outside {} … {}",
            t.bid,
            t.ask
        );
        assert_eq!(
            x.conditions.contains(Conditions::ODD_LOT),
            x.size < 100,
            "{x:?}"
        );
        assert_eq!(
            x.conditions.contains(Conditions::EXTENDED_HOURS),
            t.window.phase != Phase::Regular,
            "{x:?}"
        );
        assert_eq!(x.seq, n);
        assert_eq!(x.symbol, m.symbol(id));
    }
    if let Some(last) = trades.last() {
        assert_eq!(
            last.price,
            m.price(id, n),
            "the last trade is at the model price"
        );
        assert_eq!(last.price, m.last_price(id, n));
        let notional: i128 = trades
            .iter()
            .map(|x| i128::from(x.price.units()) * i128::from(x.size))
            .sum();
        assert_eq!(notional, t.notional);
        assert_eq!(trades[0].price, t.first);
        let high = trades.iter().map(|x| x.price.units()).max().unwrap();
        let low = trades.iter().map(|x| x.price.units()).min().unwrap();
        assert_eq!((high, low), (t.high.units(), t.low.units()));
        last.id
    } else {
        last_id
    }
}

/// Windows of ticks for both calendars: ordinary hours, session and day boundaries, a
/// weekend, the DST switches of 2025 and 2026, an early close, spine-block boundaries.
fn windows(m: &Market) -> Vec<(Seq, u64)> {
    let at = |text: &str| tick(m, text);
    vec![
        (Seq(1), 300),
        (at("2024-01-01T23:58:00Z"), 300),
        (at("2026-03-13T13:29:00Z"), 240),
        (at("2026-03-13T19:58:00Z"), 240),
        (at("2026-03-13T23:58:00Z"), 240),
        (at("2026-03-16T07:59:00Z"), 180),
        (at("2025-03-10T13:29:30Z"), 120),
        (at("2025-11-03T14:29:30Z"), 120),
        (at("2026-03-09T13:29:30Z"), 120),
        (at("2026-11-02T14:29:30Z"), 120),
        (at("2024-11-29T17:59:00Z"), 180),
        (Seq((1 << 26) - 100), 200),
        (Seq((1 << 27) - 100), 200),
    ]
}

#[test]
fn every_tick_s_trades_add_up_and_sit_inside_its_quote() {
    for m in [Market::new(MarketConfig::default()).unwrap(), example()] {
        for id in m.ids() {
            for (start, len) in windows(&m) {
                let mut last_id = m.trade_count(id, Seq(start.0 - 1));
                for n in start.0..start.0 + len {
                    last_id = check_tick(&m, id, Seq(n), last_id);
                }
                assert_eq!(last_id, m.trade_count(id, Seq(start.0 + len - 1)));
            }
        }
    }
}

/// The volume and trade count a quote reports are the sum of the sizes, and the count, of
/// the trades of its day so far, summed one by one over many days.
#[test]
fn session_volume_is_the_sum_of_its_trades_over_many_sessions() {
    let m = Market::new(MarketConfig {
        interval_ms: 60_000,
        ..MarketConfig::default()
    })
    .unwrap();
    let ex = Market::new(MarketConfig {
        interval_ms: 60_000,
        ..MarketConfig::default_with_example()
    })
    .unwrap();
    for m in [m, ex] {
        for id in m.ids() {
            let mut tracker = SessionTracker::new(id);
            let (mut day, mut volume, mut trades) = (None, 0u64, 0u64);
            for n in 1..1440 * 7 {
                let n = Seq(n);
                let located = m.calendar(id).locate(m.schedule(), n);
                if located.day.map(|d| d.index) != day {
                    day = located.day.map(|d| d.index);
                    (volume, trades) = (0, 0);
                }
                for t in m.trades(id, n).iter() {
                    volume += t.size;
                    trades += 1;
                }
                let q = tracker.quote(&m, n);
                assert_eq!((q.volume, q.trades), (volume, trades), "{id:?} tick {n}");
                if n.0 % 1999 == 0 {
                    assert_eq!(q, m.quote(id, n), "{id:?} tick {n}: random access");
                }
            }
        }
    }
}

trait WithExample {
    fn default_with_example() -> Self;
}

impl WithExample for MarketConfig {
    /// The example file's configuration.
    fn default_with_example() -> Self {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../config/market.example.json");
        MarketConfig::from_file(&path).unwrap()
    }
}

#[test]
fn trade_ids_are_ranks_found_in_o_log_n() {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for m in [Market::new(MarketConfig::default()).unwrap(), example()] {
        for id in m.ids() {
            for _ in 0..40 {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let n = Seq(1 + (x >> 30) % 200_000_000);
                let total = m.trade_count(id, n);
                let t = m.trades(id, n);
                assert_eq!(total, t.first_id - 1 + t.count);
                if total == 0 {
                    continue;
                }
                let want = 1 + (x >> 7) % total;
                let at = m.tick_of_trade(id, want).unwrap();
                let holder = m.trades(id, at);
                assert!(
                    holder.first_id <= want && want < holder.first_id + holder.count,
                    "{id:?}: trade {want} is not in tick {at}"
                );
                let latest = m.latest_trade(id, n).unwrap();
                assert_eq!(latest.id, total);
                assert_eq!(latest.price, m.last_price(id, n));
                assert!(latest.seq <= n);
            }
            assert_eq!(m.tick_of_trade(id, 0), None);
            assert_eq!(m.last_price(id, Seq(0)), m.info(id).reference_price);
        }
    }
}

/// The tick loop's quotes, trades, NBBO and bars are each tracker's on its own (no shared
/// market factor) and random access's, byte for byte, across minutes, sessions, opens,
/// closes and a weekend. (A quote by random access replays its day, so it is sampled.)
#[test]
fn the_tick_loop_equals_random_access() {
    let m = example();
    let windows: Vec<(Seq, u64)> = [
        ("2026-03-13T13:28:00Z", 150u64),
        ("2026-03-13T19:59:00Z", 150),
        ("2026-03-13T23:58:30Z", 120),
        ("2026-03-16T07:59:00Z", 120),
    ]
    .into_iter()
    .map(|(start, len)| (tick(&m, start), len))
    .collect();
    tick_loop_agrees(&m, &windows);
}

/// [`the_tick_loop_equals_random_access`] over `len` ticks from each `first`.
pub(crate) fn tick_loop_agrees(m: &Market, windows: &[(Seq, u64)]) {
    for &(first, len) in windows {
        let mut trackers: Vec<SessionTracker> = m.ids().map(SessionTracker::new).collect();
        warm_up(m, &mut trackers, Seq(first.0 - 1));
        let mut alone = trackers.clone();
        let mut bars: HashMap<(SymbolId, i64), Candle> = HashMap::new();
        let mut days: Vec<(SymbolId, Candle)> = Vec::new();
        for n in first.0..first.0 + len {
            let n = Seq(n);
            tick_all(m, &mut trackers, n, |id, t| {
                let own = alone[id.index()].tick(m, n);
                assert_eq!(t.quote, own.quote, "{id:?} tick {n}");
                assert_eq!((t.bar, t.daily_bar), (own.bar, own.daily_bar));
                if n == first || n.0 + 1 == first.0 + len {
                    assert_eq!(t.quote, m.quote(id, n), "{id:?} tick {n}");
                }
                assert_eq!(t.nbbo, m.nbbo(id, n), "{id:?} tick {n}");
                assert_eq!((t.quote.bid, t.quote.ask), (t.nbbo.bid, t.nbbo.ask));
                let direct = m.trades(id, n);
                assert_eq!(
                    t.trades.iter().collect::<Vec<_>>(),
                    direct.iter().collect::<Vec<_>>(),
                    "{id:?} tick {n}"
                );
                if let Some(bar) = t.bar {
                    bars.insert((id, bar.timestamp), bar);
                }
                if let Some(day) = t.daily_bar {
                    days.push((id, day));
                }
            });
        }
        let (from, to) = (
            m.schedule().time_of(first) - 120_000,
            m.schedule().time_of(Seq(first.0 + len)) + 120_000,
        );
        let until = Seq(first.0 + len - 1);
        let mut expected = 0;
        for id in m.ids() {
            for b in m.minute_bars(id, from, to, until) {
                let closing = Seq(m.schedule().tick_at_or_after(b.timestamp + 60_000).0);
                if closing < first || closing.0 >= first.0 + len {
                    continue;
                }
                let mut streamed = Vec::new();
                let bar = bars.get(&(id, b.timestamp));
                assert!(bar.is_some(), "{id:?}: no bar for minute {}", b.timestamp);
                bar.unwrap().write_json(&mut streamed);
                let mut rest = Vec::new();
                b.write_json(&mut rest);
                assert_eq!(streamed, rest, "{id:?} minute {}", b.timestamp);
                expected += 1;
            }
        }
        assert_eq!(expected, bars.len(), "every streamed bar is a REST bar");
        assert!(expected > 0);
        for (id, day) in days {
            let date = Date::of_utc_ms(day.timestamp + 12 * 3_600_000);
            let rest = m.daily_bars(id, date, date, until);
            assert_eq!(rest, vec![day], "{id:?} day {date}");
        }
    }
}
