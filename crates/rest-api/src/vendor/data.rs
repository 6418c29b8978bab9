//! What the vendor gateways ask of the market, shared by every vendor: trades between two
//! instants (by trade id, so a page is O(log n) per tick it visits plus O(1) per trade), minute
//! and daily bars, and wider bars regrouped from them. Everything comes from the same model
//! calls as the native endpoints (`/api/v1/trades`, `/api/v1/bars`), so a vendor's trade or bar
//! is the native one in other clothes.

use ticker_core::calendar::Date;
use ticker_core::{Candle, CandleInterval, Decimal, Market, Seq, SymbolId, Trade};
use ticker_vendors::bars::{self, Bucket};

const NANOS_PER_MS: i64 = 1_000_000;

/// The number of the symbol's trades stamped before `t_ns`, among the ticks up to `until`:
/// the id of the last of them (trade ids count a symbol's trades from 1).
pub fn count_before(market: &Market, id: SymbolId, t_ns: i64, until: Seq) -> u64 {
    let schedule = market.schedule();
    // The tick whose interval holds the last nanosecond before `t_ns`: every earlier tick's
    // trades are before `t_ns`, this one's partly.
    let ms = (t_ns.saturating_sub(1)).div_euclid(NANOS_PER_MS);
    let straddling = Seq(schedule.tick_at(ms).0 + 1);
    if straddling > until {
        return market.trade_count(id, until);
    }
    let before = market.trade_count(id, Seq(straddling.0 - 1));
    let inside = market.trades(id, straddling);
    before + inside.iter().take_while(|t| t.timestamp_ns < t_ns).count() as u64
}

/// Trades `first ..= last` (ids) in order, at most `limit`, oldest first or newest first.
pub fn trades(
    market: &Market,
    id: SymbolId,
    first: u64,
    last: u64,
    limit: usize,
    newest_first: bool,
) -> Vec<Trade> {
    let mut out: Vec<Trade> = Vec::with_capacity(limit.min(1024));
    if first > last || first == 0 || limit == 0 {
        return out;
    }
    if newest_first {
        let mut next = last;
        while next >= first && out.len() < limit {
            let Some(tick) = market.tick_of_trade(id, next) else {
                break;
            };
            let traded = market.trades(id, tick);
            let mut these: Vec<Trade> = traded.iter().filter(|t| t.id <= next).collect();
            these.reverse();
            for t in these {
                if t.id < first || out.len() == limit {
                    return out;
                }
                next = t.id.saturating_sub(1);
                out.push(t);
            }
            if next == 0 {
                break;
            }
        }
    } else {
        let mut next = first;
        while next <= last && out.len() < limit {
            let Some(tick) = market.tick_of_trade(id, next) else {
                break;
            };
            let traded = market.trades(id, tick);
            let skip = usize::try_from(next - traded.first_id).unwrap_or(usize::MAX);
            for t in traded.iter().skip(skip) {
                if t.id > last || out.len() == limit {
                    return out;
                }
                next = t.id + 1;
                out.push(t);
            }
        }
    }
    out
}

/// The ticks a minute-bar request over `[from_ms, to_ms)` visits.
pub fn minute_ticks(market: &Market, from_ms: i64, to_ms: i64) -> u64 {
    let per_tick = market.schedule().interval_ms().max(1) as i64;
    (to_ms.saturating_sub(from_ms) / per_tick).max(0) as u64 + 1
}

/// Minute bars (minutes with trades) starting in `[from_ms, to_ms)`, closed by tick `until`,
/// regrouped into `minutes`-wide bars aligned to the UTC clock when `minutes > 1`.
pub fn minute_bars(
    market: &Market,
    id: SymbolId,
    from_ms: i64,
    to_ms: i64,
    until: Seq,
    minutes: i64,
) -> Vec<Candle> {
    let ones: Vec<Candle> = market
        .minute_bars(id, from_ms, to_ms, until)
        .into_iter()
        .filter(|c| c.timestamp >= from_ms && c.timestamp < to_ms)
        .collect();
    if minutes <= 1 {
        return ones;
    }
    regroup(&ones, Bucket::Fixed(minutes * 60_000))
}

/// Bars of `width_ms` (whole seconds) starting in `[from_ms, to_ms)` that have trades, from
/// the one-second candles of the native history.
pub fn second_bars(
    market: &Market,
    id: SymbolId,
    from_ms: i64,
    to_ms: i64,
    until: Seq,
    width_ms: i64,
) -> Vec<Candle> {
    let Ok(second) = "1s".parse::<CandleInterval>() else {
        return Vec::new();
    };
    let ones: Vec<Candle> = market
        .candles(id, second, from_ms, to_ms, until)
        .into_iter()
        .filter(|c| c.trades > 0 && c.timestamp >= from_ms && c.timestamp < to_ms)
        .collect();
    if width_ms <= 1_000 {
        return ones;
    }
    regroup(&ones, Bucket::Fixed(width_ms))
}

/// Bars merged `n` at a time (n trading days, n weeks), each stamped with its first bar's
/// start.
pub fn chunks(candles: &[Candle], n: usize) -> Vec<Candle> {
    candles
        .chunks(n.max(1))
        .filter_map(|group| {
            let first = group.first()?;
            let merged = regroup(group, Bucket::Fixed(i64::MAX / 2));
            merged.first().map(|m| Candle {
                timestamp: first.timestamp,
                ..*m
            })
        })
        .collect()
}

/// The daily bars of the trading days `from ..= to` (so far, for today), with ticks up to
/// `until`, each stamped with its day's local midnight.
pub fn daily_bars(market: &Market, id: SymbolId, from: Date, to: Date, until: Seq) -> Vec<Candle> {
    market.daily_bars(id, from, to, until)
}

/// The ticks [`daily_bars`] replays.
pub fn daily_ticks(market: &Market, id: SymbolId, from: Date, to: Date, until: Seq) -> u64 {
    market.daily_bar_ticks(id, from, to, until)
}

/// Bars merged into `bucket`-aligned ones; each keeps the first bar's start when the bucket
/// is calendar-aligned (weeks, months: a daily bar starts at local midnight, not UTC).
pub fn regroup(candles: &[Candle], bucket: Bucket) -> Vec<Candle> {
    let as_bars: Vec<bars::Bar> = candles.iter().map(to_bar).collect();
    let mut starts = candles
        .iter()
        .map(|c| (bucket.floor(c.timestamp), c.timestamp));
    let mut first_of = |floor: i64| -> i64 {
        starts
            .by_ref()
            .find(|(f, _)| *f == floor)
            .map_or(floor, |(_, t)| t)
    };
    bars::regroup(&as_bars, bucket)
        .iter()
        .map(|b| {
            let start = match bucket {
                Bucket::Fixed(_) => b.start_ms,
                Bucket::Week | Bucket::Month => first_of(b.start_ms),
            };
            from_bar(b, start)
        })
        .collect()
}

/// `n`-month bars: months grouped from January (1, 2, 3, 4, 6 or 12 divide the year).
pub fn months(days: &[Candle], n: u32) -> Vec<Candle> {
    let monthly = regroup(days, Bucket::Month);
    if n <= 1 {
        return monthly;
    }
    // Regroup the months by the index of their group since year 0: merge consecutive
    // months of one group.
    let group = |t_ms: i64| {
        let (y, mo, _) = Date::of_utc_ms(t_ms).ymd();
        (i64::from(y) * 12 + i64::from(mo) - 1).div_euclid(i64::from(n))
    };
    let mut out: Vec<Candle> = Vec::new();
    for c in monthly {
        match out.last_mut() {
            Some(last) if group(last.timestamp) == group(c.timestamp) => {
                let merged = regroup(&[*last, c], Bucket::Fixed(i64::MAX / 2));
                if let Some(first) = merged.first() {
                    *last = Candle {
                        timestamp: last.timestamp,
                        ..*first
                    };
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn to_bar(c: &Candle) -> bars::Bar {
    bars::Bar {
        start_ms: c.timestamp,
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
        volume: c.volume,
        trades: c.trades,
        notional: c.vwap.to_f64() * c.volume as f64,
        trade_ids: None,
    }
}

fn from_bar(b: &bars::Bar, start_ms: i64) -> Candle {
    Candle {
        timestamp: start_ms,
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        volume: b.volume,
        ticks: 0,
        trades: b.trades,
        vwap: Decimal::from_f64(b.vwap(), 4),
    }
}
