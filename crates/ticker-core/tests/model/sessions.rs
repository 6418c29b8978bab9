//! The calendar wired into the model: `us-equity` days open with one opening print at 09:30
//! New York, close with one closing print, keep their quote between sessions, skip holidays
//! and follow daylight saving time; quotes describe the trading day as consolidated feeds do.

use ticker_core::calendar::Date;
use ticker_core::time::parse_time;
use ticker_core::{Conditions, Market, Phase, Seq, SymbolId, Trade};

use crate::trades::{example, tick};

static NEW_YORK: jiff::tz::TimeZone = jiff::tz::get!("America/New_York");

/// New York wall-clock time on `date`, in UTC ms, by jiff's own rules.
fn new_york(date: &str, hm: &str) -> i64 {
    let dt: jiff::civil::DateTime = format!("{date}T{hm}:00").parse().unwrap();
    NEW_YORK
        .to_ambiguous_timestamp(dt)
        .compatible()
        .unwrap()
        .as_millisecond()
}

fn trades_between(m: &Market, id: SymbolId, first: Seq, end: Seq) -> Vec<Trade> {
    (first.0..end.0)
        .flat_map(|n| m.trades(id, Seq(n)).iter().collect::<Vec<_>>())
        .collect()
}

/// For every day of a year with DST switches on both sides, the opening print is the first
/// regular trade, at 09:30:00.000 New York exactly; the closing print the last, at 16:00
/// (13:00 on early closes) less a nanosecond; the daily bar and the next day's `prev_close`
/// follow them; the day's regular trades are the only ones without `extended_hours`.
#[test]
fn us_equity_days_open_and_close_with_one_print_each_at_local_times() {
    let m = example();
    let id = m.lookup("AAPL").unwrap();
    let calendar = m.calendar(id);
    let s = *m.schedule();
    // Two weeks around the end of DST in 2025 (no holiday), and Thanksgiving 2024 with its
    // early close.
    let weeks: Vec<_> = calendar
        .days(
            Date::parse("2025-10-27").unwrap(),
            Date::parse("2025-11-07").unwrap(),
        )
        .collect();
    assert_eq!(weeks.len(), 10);
    let thanksgiving: Vec<_> = calendar
        .days(
            Date::parse("2024-11-27").unwrap(),
            Date::parse("2024-12-02").unwrap(),
        )
        .collect();
    assert_eq!(thanksgiving.len(), 3);
    assert!(thanksgiving[1].early_close);
    for days in [weeks, thanksgiving] {
        let mut previous_close = None;
        for day in &days {
            let d = calendar.day_ticks(&s, calendar.day_index(day)).unwrap();
            let date = day.date.to_string();
            let close_local = if day.early_close { "13:00" } else { "16:00" };
            assert_eq!(day.open_ms, new_york(&date, "09:30"), "{date}");
            assert_eq!(day.close_ms, new_york(&date, close_local), "{date}");
            let regular = trades_between(&m, id, d.open, d.close);
            let open = regular.first().unwrap();
            assert_eq!(
                open.timestamp_ns,
                day.open_ms * 1_000_000,
                "{date}: {open:?}"
            );
            assert!(open.conditions.contains(Conditions::OPENING_PRINT));
            let close = regular.last().unwrap();
            assert_eq!(close.timestamp_ns, day.close_ms * 1_000_000 - 1, "{date}");
            assert!(close.conditions.contains(Conditions::CLOSING_PRINT));
            // The auctions are the day's largest prints.
            let largest = regular.iter().map(|t| t.size).max().unwrap();
            assert!(open.size.max(close.size) == largest, "{date}");
            assert!(regular
                .iter()
                .all(|t| !t.conditions.contains(Conditions::EXTENDED_HOURS)));
            let pre = trades_between(&m, id, d.first, d.open);
            let post = trades_between(&m, id, d.close, d.end);
            assert!(!pre.is_empty() && !post.is_empty(), "{date}");
            assert!(pre
                .iter()
                .chain(&post)
                .all(|t| t.conditions.contains(Conditions::EXTENDED_HOURS)));
            assert!(pre
                .iter()
                .all(|t| t.timestamp_ns >= day.pre_open_ms * 1_000_000));
            assert!(post.last().unwrap().timestamp_ns < day.post_close_ms * 1_000_000);
            let counted = |ts: &[Trade]| -> u64 { ts.iter().map(|t| t.size).sum() };
            let bar = m.daily_bars(id, day.date, day.date, Seq(u64::MAX))[0];
            assert_eq!(bar.open, open.price, "{date}");
            assert_eq!(bar.close, close.price, "{date}");
            assert_eq!(
                bar.high.units(),
                regular.iter().map(|t| t.price.units()).max().unwrap()
            );
            assert_eq!(
                bar.volume,
                counted(&pre) + counted(&regular) + counted(&post)
            );
            assert_eq!(bar.trades as usize, pre.len() + regular.len() + post.len());
            assert_eq!(bar.timestamp, new_york(&date, "00:00"));
            // The day's last quote (and every closed tick until the next day) describes it.
            let last = m.quote(id, Seq(d.end.0 - 1));
            assert_eq!(
                (last.open, last.high, last.low),
                (bar.open, bar.high, bar.low)
            );
            assert_eq!(last.volume, bar.volume);
            assert_eq!(last.price, post.last().unwrap().price);
            if let Some(prev) = previous_close {
                assert_eq!(
                    last.prev_close, prev,
                    "{date}: prev_close is the closing print"
                );
            }
            previous_close = Some(close.price);
        }
    }
}

/// Outside sessions nothing trades and nothing moves: not the price, not the NBBO (the last
/// quote of the day stands, sizes and exchanges included); the quote shows the last day.
#[test]
fn closed_periods_stand_still() {
    let m = example();
    for name in ["AAPL", "BRK.B", "TSLA"] {
        let id = m.lookup(name).unwrap();
        // Friday 20:00 New York to Monday 04:00, and Good Friday 2024 (a holiday) whole.
        for (from, to) in [
            ("2026-03-14T00:00:01Z", "2026-03-16T08:00:00Z"),
            ("2024-03-29T00:00:01Z", "2024-03-30T00:00:00Z"),
        ] {
            let (a, b) = (tick(&m, from), tick(&m, to));
            let first = m.quote(id, a);
            let nbbo = m.nbbo(id, a);
            let model_price = m.price(id, a);
            assert_eq!(m.trade_count(id, a), m.trade_count(id, b));
            assert_eq!(m.volume_between(id, Seq(a.0 + 1), Seq(b.0 + 1)), 0);
            for n in (a.0..=b.0).step_by(3_607) {
                let n = Seq(n);
                assert!(m.trades(id, n).is_empty());
                assert_eq!(m.price(id, n), model_price, "{name} {n}");
                assert_eq!(m.last_price(id, n), first.price, "{name} {n}");
                let q = m.nbbo(id, n);
                assert_eq!(
                    (
                        q.bid,
                        q.ask,
                        q.bid_size,
                        q.ask_size,
                        q.bid_exchange,
                        q.ask_exchange
                    ),
                    (
                        nbbo.bid,
                        nbbo.ask,
                        nbbo.bid_size,
                        nbbo.ask_size,
                        nbbo.bid_exchange,
                        nbbo.ask_exchange
                    ),
                    "{name} {n}"
                );
            }
            let q = m.quote(id, b);
            assert_eq!(
                (
                    q.price,
                    q.open,
                    q.high,
                    q.low,
                    q.prev_close,
                    q.volume,
                    q.trades
                ),
                (
                    first.price,
                    first.open,
                    first.high,
                    first.low,
                    first.prev_close,
                    first.volume,
                    first.trades
                )
            );
        }
    }
}

/// Before a day's opening print its `open`, `high` and `low` are the previous close; the
/// pre-market counts in `volume`; at the open the quote's session fields are the regular
/// session's trades.
#[test]
fn pre_market_quotes_count_volume_but_keep_the_range_at_the_previous_close() {
    let m = example();
    let id = m.lookup("AMZN").unwrap();
    let q = m.quote(id, tick(&m, "2026-03-16T12:00:00Z")); // 08:00 EDT
    assert_eq!(
        (q.open, q.high, q.low),
        (q.prev_close, q.prev_close, q.prev_close)
    );
    assert!(q.volume > 0 && q.trades > 0);
    assert_eq!(
        m.calendar(id)
            .phase_at(parse_time("2026-03-16T12:00:00Z").unwrap()),
        Phase::Pre
    );
    let at_open = m.quote(id, tick(&m, "2026-03-16T13:30:01Z"));
    let first = m.trades(id, tick(&m, "2026-03-16T13:30:01Z"));
    assert_eq!(at_open.open, first.first);
    assert!(at_open.volume > q.volume);
}

/// 24/7 symbols beside US equities keep trading through the weekend, on their own factor.
#[test]
fn a_mixed_config_trades_crypto_all_weekend() {
    let m = example();
    let btc = m.lookup("SOLUSDT").unwrap();
    let (a, b) = (
        tick(&m, "2026-03-14T00:00:00Z"),
        tick(&m, "2026-03-16T00:00:00Z"),
    );
    assert!(m.trade_count(btc, b) > m.trade_count(btc, a) + 1000);
    assert_ne!(m.price(btc, a), m.price(btc, b));
}
