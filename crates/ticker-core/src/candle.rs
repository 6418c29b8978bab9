//! Candles (OHLCV) for any symbol and range, aggregated from the trades: a candle's high is
//! the highest trade in it, its volume the sum of their sizes, its VWAP their volume-weighted
//! price. A candle without trades (a quiet minute, a closed market) is flat at the last trade
//! before it.
//!
//! Candles are aligned to their interval in UTC (a 1m candle starts on a whole minute) and
//! hold the trades whose time falls in them: tick `n`, which reports the interval
//! `[t(n−1), t(n))`, belongs to the candle containing `t(n−1)`. So the minute 09:30 holds
//! ticks 09:30:01 … 09:31:00 at one-second ticks, and closes with the tick at 09:31:00.
//! Computing them walks every tick in the range once, with an O(1) summary of each tick's
//! trades ([`TickSummary`]), never the trades themselves.

use std::fmt;
use std::str::FromStr;

use crate::calendar::{Date, DayTicks, TickWindow};
use crate::clock::{Schedule, Seq};
use crate::decimal::{pow10, Decimal, MAX_DECIMALS};
use crate::market::Market;
use crate::model::Cursor;
use crate::quote::Candle;
use crate::session::SessionTracker;
use crate::symbol::SymbolId;
use crate::trades::TickSummary;

/// Milliseconds of a minute bar.
pub(crate) const MINUTE_MS: i64 = 60_000;

/// The volume-weighted average price of `notional` (price units of `decimals` × shares) over
/// `volume` shares, with [`MAX_DECIMALS`] decimals (half away from zero); `fallback` without
/// volume.
pub(crate) fn vwap(notional: i128, volume: u128, decimals: u8, fallback: Decimal) -> Decimal {
    let scale = i128::from(pow10(MAX_DECIMALS.saturating_sub(decimals)));
    let Ok(volume) = i128::try_from(volume) else {
        return fallback;
    };
    if volume == 0 {
        return Decimal::new(fallback.units() * scale as i64, MAX_DECIMALS);
    }
    let num = notional * scale;
    // Half away from zero; 64-bit division when it fits (a day's notional does), as it is
    // several times faster than 128-bit.
    let twice = 2 * num + num.signum() * volume;
    let units = match (i64::try_from(twice), i64::try_from(2 * volume)) {
        (Ok(a), Ok(b)) => i128::from(a / b),
        _ => twice / (2 * volume),
    };
    Decimal::new(i64::try_from(units).unwrap_or(i64::MAX), MAX_DECIMALS)
}

/// A candle being aggregated, tick by tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bar {
    /// Start of the candle.
    pub(crate) start: i64,
    /// The last trade before it: a candle without trades is flat at it.
    prior: Decimal,
    open: Option<Decimal>,
    high: Decimal,
    low: Decimal,
    close: Decimal,
    volume: u128,
    ticks: u64,
    trades: u64,
    notional: i128,
}

impl Bar {
    /// An empty candle from `start`, after a last trade at `prior`.
    pub(crate) fn new(start: i64, prior: Decimal) -> Self {
        Self {
            start,
            prior,
            open: None,
            high: prior,
            low: prior,
            close: prior,
            volume: 0,
            ticks: 0,
            trades: 0,
            notional: 0,
        }
    }

    /// Adds one tick's trades.
    pub(crate) fn add(&mut self, t: &TickSummary) {
        self.ticks += 1;
        if t.count == 0 {
            return;
        }
        match self.open {
            None => {
                self.open = Some(t.first);
                self.high = t.high;
                self.low = t.low;
            }
            Some(_) => {
                if t.high.units() > self.high.units() {
                    self.high = t.high;
                }
                if t.low.units() < self.low.units() {
                    self.low = t.low;
                }
            }
        }
        self.close = t.last;
        self.volume += u128::from(t.volume);
        self.trades += t.count;
        self.notional += t.notional;
    }

    /// Whether any trade happened in it.
    pub(crate) fn has_trades(&self) -> bool {
        self.trades > 0
    }

    /// The last trade so far (the prior one without trades).
    pub(crate) fn close(&self) -> Decimal {
        self.close
    }

    /// The candle.
    pub(crate) fn candle(&self) -> Candle {
        Candle {
            timestamp: self.start,
            open: self.open.unwrap_or(self.prior),
            high: self.high,
            low: self.low,
            close: self.close,
            volume: u64::try_from(self.volume).unwrap_or(u64::MAX),
            ticks: self.ticks,
            trades: self.trades,
            vwap: vwap(
                self.notional,
                self.volume,
                self.close.decimals(),
                self.close,
            ),
        }
    }
}

/// The start of the minute holding tick `n`'s trades (that of `t(n−1)`).
pub(crate) fn minute_of(schedule: &Schedule, n: Seq) -> i64 {
    let t = schedule.time_of(n) - schedule.interval_ms() as i64;
    t.div_euclid(MINUTE_MS) * MINUTE_MS
}

/// Whether tick `n` is the last of its minute (the next tick's trades are in a later one).
pub(crate) fn closes_minute(schedule: &Schedule, n: Seq) -> bool {
    schedule.time_of(n).div_euclid(MINUTE_MS) * MINUTE_MS > minute_of(schedule, n)
}

/// A supported candle width, 1 second to 1 day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CandleInterval {
    ms: i64,
    name: &'static str,
}

const INTERVALS: [(&str, i64); 15] = [
    ("1s", 1_000),
    ("5s", 5_000),
    ("10s", 10_000),
    ("15s", 15_000),
    ("30s", 30_000),
    ("1m", 60_000),
    ("5m", 300_000),
    ("15m", 900_000),
    ("30m", 1_800_000),
    ("1h", 3_600_000),
    ("2h", 7_200_000),
    ("4h", 14_400_000),
    ("6h", 21_600_000),
    ("12h", 43_200_000),
    ("1d", 86_400_000),
];

impl CandleInterval {
    /// Every supported interval, shortest first.
    pub fn all() -> impl Iterator<Item = Self> {
        INTERVALS.iter().map(|&(name, ms)| Self { ms, name })
    }

    /// The width in milliseconds.
    pub fn ms(self) -> i64 {
        self.ms
    }

    /// The canonical name, e.g. `"1m"`.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// Start of the candle containing `t`.
    pub fn floor(self, t_ms: i64) -> i64 {
        t_ms.div_euclid(self.ms) * self.ms
    }
}

/// The error for an interval name outside [`CandleInterval::all`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownInterval(pub String);

impl fmt::Display for UnknownInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = INTERVALS.iter().map(|(n, _)| *n).collect();
        write!(
            f,
            "{:?} is not a candle interval (use one of {})",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownInterval {}

impl FromStr for CandleInterval {
    type Err = UnknownInterval;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::all()
            .find(|i| i.name == s)
            .ok_or_else(|| UnknownInterval(s.to_owned()))
    }
}

impl fmt::Display for CandleInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// The ticks a candle request would visit: `[first, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickRange {
    /// First tick.
    pub first: Seq,
    /// One past the last tick.
    pub end: Seq,
}

impl TickRange {
    /// Number of ticks in the range.
    pub fn len(self) -> u64 {
        self.end.0.saturating_sub(self.first.0)
    }

    /// Whether the range has no ticks.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

impl Market {
    /// The ticks of the candles overlapping `[from_ms, to_ms)` (those whose interval starts
    /// in them), stopping after tick `until` (the current tick: no peeking at the future).
    pub fn candle_ticks(
        &self,
        interval: CandleInterval,
        from_ms: i64,
        to_ms: i64,
        until: Seq,
    ) -> TickRange {
        let s = self.schedule();
        let start = interval.floor(from_ms);
        let stop = interval
            .floor(to_ms.saturating_sub(1))
            .saturating_add(interval.ms());
        let first = Seq(s.tick_at_or_after(start).0.saturating_add(1));
        let end =
            Seq(s.tick_at_or_after(stop).0.saturating_add(1)).min(Seq(until.0.saturating_add(1)));
        TickRange {
            first,
            end: end.max(first),
        }
    }

    /// Candles of one symbol overlapping `[from_ms, to_ms)`, oldest first, with ticks up to
    /// `until`. Intervals without ticks (before the epoch) are omitted.
    pub fn candles(
        &self,
        id: SymbolId,
        interval: CandleInterval,
        from_ms: i64,
        to_ms: i64,
        until: Seq,
    ) -> Vec<Candle> {
        let range = self.candle_ticks(interval, from_ms, to_ms, until);
        let mut out = Vec::new();
        if range.is_empty() {
            return out;
        }
        out.reserve(
            (range.len() / (interval.ms() as u64 / self.schedule().interval_ms()).max(1))
                .min(100_000) as usize
                + 1,
        );
        let s = *self.schedule();
        let bucket = |n: Seq| interval.floor(s.time_of(n) - s.interval_ms() as i64);
        let mut bar: Option<Bar> = None;
        self.walk_ticks(id, range, |t| {
            let start = bucket(t.seq);
            let current = match bar.as_mut() {
                Some(b) if b.start == start => b,
                _ => {
                    let prior = match bar.take() {
                        Some(done) => {
                            out.push(done.candle());
                            done.close()
                        }
                        None => self.last_price(id, Seq(t.seq.0 - 1)),
                    };
                    bar.insert(Bar::new(start, prior))
                }
            };
            current.add(t);
        });
        if let Some(done) = bar {
            out.push(done.candle());
        }
        out
    }

    /// The closed 1m bars of one symbol overlapping `[from_ms, to_ms)` with ticks up to
    /// `until`: the 1m candles that have trades, each equal to the bar the tick loop emits
    /// when its minute closes.
    pub fn minute_bars(&self, id: SymbolId, from_ms: i64, to_ms: i64, until: Seq) -> Vec<Candle> {
        let minute = CandleInterval {
            ms: MINUTE_MS,
            name: "1m",
        };
        let mut bars = self.candles(id, minute, from_ms, to_ms, until);
        bars.retain(|c| c.trades > 0);
        bars
    }

    /// The daily bars of the trading days (24/7: sessions) whose date is in `[from, to]`,
    /// with ticks up to `until`: a day in progress gives its bar so far, days not yet started
    /// none. Each replays its day (O(ticks of the day)). For `us-equity` symbols open, high,
    /// low and close are the regular session's, volume, trades and VWAP the whole day's.
    pub fn daily_bars(&self, id: SymbolId, from: Date, to: Date, until: Seq) -> Vec<Candle> {
        let calendar = self.calendar(id);
        let s = self.schedule();
        calendar
            .days(from, to)
            .filter_map(|day| calendar.day_ticks(s, calendar.day_index(&day)))
            .take_while(|d| d.first <= until)
            .filter(|d| !d.is_empty())
            .filter_map(|d| {
                let mut tracker = SessionTracker::new(id);
                tracker.step(self, Seq(until.0.min(d.end.0 - 1)), None);
                tracker.day_bar()
            })
            .collect()
    }

    /// The ticks [`Market::daily_bars`] would replay.
    pub fn daily_bar_ticks(&self, id: SymbolId, from: Date, to: Date, until: Seq) -> u64 {
        let calendar = self.calendar(id);
        let s = self.schedule();
        calendar
            .days(from, to)
            .filter_map(|day| calendar.day_ticks(s, calendar.day_index(&day)))
            .take_while(|d| d.first <= until)
            .map(|d| d.end.min(Seq(until.0 + 1)).0.saturating_sub(d.first.0))
            .sum()
    }

    /// Calls `each` with the trade summary of every tick in `range`, in order: a cursor over
    /// the tree, the calendar looked up once per day.
    pub(crate) fn walk_ticks(
        &self,
        id: SymbolId,
        range: TickRange,
        mut each: impl FnMut(&TickSummary),
    ) {
        if range.is_empty() || range.first.0 == 0 {
            return;
        }
        let s = self.schedule();
        let model = self.model(id);
        let calendar = self.calendar(id);
        let joint = self.joint(id);
        let mut cursor = Cursor::new(&joint, range.first.0 - 1, |_| ());
        let mut day: Option<DayTicks> = None;
        loop {
            let n = Seq(cursor.tick() + 1);
            let leaf = cursor.leaf();
            let c = model.counts(cursor.tick(), &leaf.symbol);
            let mut window = if c.trades == 0 {
                TickWindow::closed(1.0)
            } else {
                if !day.is_some_and(|d| d.contains(n)) {
                    day = calendar.locate(s, n).day.filter(|d| d.contains(n));
                }
                match day {
                    Some(d) => d.window(s, n),
                    None => TickWindow::whole(s, n),
                }
            };
            window.spread_factor *= model.spread_factor(n.0);
            let last =
                model.price_of(model.offset_after(cursor.tick(), &leaf.market, &leaf.symbol));
            let volume = u64::try_from(c.volume).unwrap_or(u64::MAX);
            let summary =
                TickSummary::new(model, n, c.trades, volume, c.trades_before, last, window);
            each(&summary);
            if n.0 + 1 >= range.end.0 {
                break;
            }
            cursor.advance(&joint, |_| ());
        }
    }
}

#[cfg(test)]
mod tests {
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
}
