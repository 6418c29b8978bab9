//! Candles (OHLCV) for any symbol and range, aggregated from the trades: a candle's high is
//! the highest trade in it, its volume the sum of their sizes, its VWAP their volume-weighted
//! price. A candle without trades (a quiet minute, a closed market) is flat at the last trade
//! before it.
//!
//! Candles are aligned to their interval in UTC (a 1m candle starts on a whole minute) and
//! hold the trades whose time falls in them: tick `n`, which reports the interval
//! `[t(n−1), t(n))`, belongs to the candle containing `t(n−1)`. So the minute 09:30 holds
//! ticks 09:30:01 … 09:31:00 at one-second ticks, and closes with the tick at 09:31:00.
//! Short candles walk every tick in their range once, with an O(1) summary of each tick's
//! trades ([`TickSummary`]), never the trades themselves; long ones add up cached range
//! aggregates (`aggregate.rs`), with the same result.

use std::fmt;
use std::str::FromStr;

use crate::aggregate::Agg;
use crate::calendar::Date;
use crate::clock::{Schedule, Seq};
use crate::decimal::{pow10, Decimal, MAX_DECIMALS};
use crate::market::Market;
use crate::quote::Candle;
use crate::session::SessionTracker;
use crate::symbol::SymbolId;
use crate::trades::TickSummary;

/// Candles of at least this many ticks are computed from range aggregates.
pub(crate) const AGGREGATE_MIN_TICKS: u64 = 256;

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
        self.merge(1, &Agg::of(t));
    }

    /// Adds `ticks` consecutive ticks whose trades add up to `a`: the same as adding them one
    /// by one.
    pub(crate) fn merge(&mut self, ticks: u64, a: &Agg) {
        self.ticks += ticks;
        if a.trades == 0 {
            return;
        }
        match self.open {
            None => {
                self.open = Some(a.open);
                self.high = a.high;
                self.low = a.low;
            }
            Some(_) => {
                if a.high.units() > self.high.units() {
                    self.high = a.high;
                }
                if a.low.units() < self.low.units() {
                    self.low = a.low;
                }
            }
        }
        self.close = a.close;
        self.volume += a.volume;
        self.trades += a.trades;
        self.notional += a.notional;
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
    /// `until`. Intervals without ticks (before the epoch) are omitted. Candles of at least
    /// [`AGGREGATE_MIN_TICKS`] ticks are range aggregates (`aggregate.rs`: O(log n) each once
    /// cached), shorter ones a walk over their ticks; both give the same candles.
    pub fn candles(
        &self,
        id: SymbolId,
        interval: CandleInterval,
        from_ms: i64,
        to_ms: i64,
        until: Seq,
    ) -> Vec<Candle> {
        let range = self.candle_ticks(interval, from_ms, to_ms, until);
        let per_candle = interval.ms() as u64 / self.schedule().interval_ms();
        if per_candle < AGGREGATE_MIN_TICKS {
            return self.candles_walked(id, interval, range);
        }
        self.candles_aggregated(id, interval, range)
    }

    /// [`Market::candles`] from range aggregates.
    pub(crate) fn candles_aggregated(
        &self,
        id: SymbolId,
        interval: CandleInterval,
        range: TickRange,
    ) -> Vec<Candle> {
        let mut out = Vec::new();
        if range.is_empty() || range.first.0 == 0 {
            return out;
        }
        let s = *self.schedule();
        let mut n = range.first;
        let mut prior = self.last_price(id, Seq(n.0 - 1));
        while n < range.end {
            let start = interval.floor(s.time_of(n) - s.interval_ms() as i64);
            // The first tick of the next candle.
            let next = Seq(s.tick_at_or_after(start.saturating_add(interval.ms())).0 + 1);
            let stop = next.min(range.end).max(Seq(n.0 + 1));
            let mut bar = Bar::new(start, prior);
            bar.merge(stop.0 - n.0, &self.aggregate(id, n, stop));
            out.push(bar.candle());
            prior = bar.close();
            n = stop;
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
}

#[cfg(test)]
mod tests;
