//! Candles against the trades they aggregate.

use super::*;
use crate::config::MarketConfig;
use crate::decimal::Decimal;

fn market() -> Market {
    Market::new(MarketConfig::default()).unwrap()
}

#[test]
fn parses_every_interval_and_rejects_others() {
    for i in CandleInterval::all() {
        assert_eq!(i.name().parse::<CandleInterval>().unwrap(), i);
    }
    let err = "7m".parse::<CandleInterval>().unwrap_err().to_string();
    assert!(
        err.starts_with("\"7m\" is not a candle interval (use one of 1s, 5s"),
        "{err}"
    );
}

/// A candle aggregated from the trades themselves, listed one by one.
fn from_trades(m: &Market, id: SymbolId, start: i64, width: i64) -> (Candle, usize) {
    let s = *m.schedule();
    let first = s.tick_at_or_after(start).0 + 1;
    let end = s.tick_at_or_after(start + width).0 + 1;
    let trades: Vec<_> = (first..end)
        .flat_map(|n| m.trades(id, Seq(n)).iter().collect::<Vec<_>>())
        .collect();
    for t in &trades {
        assert!((start..start + width).contains(&t.timestamp), "{t:?}");
    }
    let volume: u64 = trades.iter().map(|t| t.size).sum();
    let notional: i128 = trades
        .iter()
        .map(|t| i128::from(t.price.units()) * i128::from(t.size))
        .sum();
    let d = trades[0].price.decimals();
    let candle = Candle {
        timestamp: start,
        open: trades[0].price,
        high: trades
            .iter()
            .map(|t| t.price)
            .max_by_key(|p| p.units())
            .unwrap(),
        low: trades
            .iter()
            .map(|t| t.price)
            .min_by_key(|p| p.units())
            .unwrap(),
        close: trades.last().unwrap().price,
        volume,
        ticks: end - first,
        trades: trades.len() as u64,
        vwap: vwap(notional, u128::from(volume), d, Decimal::new(0, d)),
    };
    (candle, trades.len())
}

#[test]
fn candles_equal_aggregation_of_the_trades() {
    let m = market();
    let id = SymbolId(2);
    let s = *m.schedule();
    // Mid-minute bounds: the 31 minutes they overlap, each one whole.
    let from = s.time_of(Seq(1_000_000)) + 17_000;
    let to = from + 30 * 60_000;
    let minute: CandleInterval = "1m".parse().unwrap();
    let candles = m.candles(id, minute, from, to, Seq(u64::MAX));
    assert_eq!(candles.len(), 31);
    for c in &candles {
        let (want, trades) = from_trades(&m, id, c.timestamp, 60_000);
        assert!(
            trades > 10,
            "a busy symbol trades every few seconds: {trades}"
        );
        assert_eq!(*c, want);
        assert_eq!(c.ticks, 60);
        assert_eq!(c.timestamp % 60_000, 0);
    }
    // Consecutive candles tile the ticks: volumes add up to the whole range.
    let total: u64 = candles.iter().map(|c| c.volume).sum();
    let range = m.candle_ticks(minute, from, to, Seq(u64::MAX));
    assert_eq!(total, m.volume_between(id, range.first, range.end));
    // Hourly candles of the same ticks agree with the trades too.
    let hour = m.candles(id, "1h".parse().unwrap(), from, from + 1, Seq(u64::MAX));
    assert_eq!(hour[0], from_trades(&m, id, hour[0].timestamp, 3_600_000).0);
}

#[test]
fn the_current_candle_stops_at_the_current_tick() {
    let m = market();
    let s = *m.schedule();
    let now = Seq(5_000_030);
    let start = s.time_of(now) - 120_000;
    let candles = m.candles(SymbolId(0), "1m".parse().unwrap(), start, i64::MAX / 4, now);
    let last = candles.last().unwrap();
    assert_eq!(last.close, m.last_price(SymbolId(0), now));
    assert!(last.ticks < 60);
}

#[test]
fn candles_before_the_epoch_are_empty() {
    let m = market();
    let epoch = m.schedule().epoch_ms();
    let c = m.candles(SymbolId(0), "1h".parse().unwrap(), 0, epoch, Seq(u64::MAX));
    assert!(c.is_empty());
    let c = m.candles(
        SymbolId(0),
        "1h".parse().unwrap(),
        0,
        epoch + 1,
        Seq(u64::MAX),
    );
    assert_eq!(c.len(), 1);
    // The first hour's trades: ticks 1 … 3600 (tick 0 has no interval).
    assert_eq!(c[0].ticks, 3600);
    let first = m.trades(SymbolId(0), Seq(1)).iter().next().unwrap();
    assert_eq!(c[0].open, first.price);
}
