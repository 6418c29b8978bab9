//! Candles (OHLCV) for any symbol and range, aggregated from the ticks themselves: a candle's
//! high is the max of its ticks' prices, its volume the sum of their volumes.
//!
//! Candles are aligned to their interval in UTC (a 1m candle starts on a whole minute).
//! Computing them walks every tick in the range once (amortised O(1) per tick, see
//! [`crate::model`]); volumes come from the cumulative volume tree in O(log n) per candle.

use std::fmt;
use std::str::FromStr;

use crate::clock::Seq;
use crate::market::Market;
use crate::model::Cursor;
use crate::quote::Candle;
use crate::symbol::SymbolId;

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
    /// The ticks of the candles overlapping `[from_ms, to_ms)`, stopping after tick `until`
    /// (the current tick: no peeking at the future).
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
        let first = s.tick_at_or_after(start);
        let end = s.tick_at_or_after(stop).min(Seq(until.0.saturating_add(1)));
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
        let s = self.schedule();
        let model = self.model(id);
        let joint = self.joint(id);
        let mut cursor = Cursor::new(&joint, range.first.0, |_| ());
        let mut volume_before = cursor.leaf().symbol.volume.before;
        out.reserve(
            (range.len() / (interval.ms() as u64 / s.interval_ms()).max(1)).min(100_000) as usize
                + 1,
        );
        while cursor.tick() < range.end.0 {
            let first = cursor.tick();
            let bucket = interval.floor(s.time_of(Seq(first)));
            let end = s
                .tick_at_or_after(bucket + interval.ms())
                .0
                .min(range.end.0);
            let open = model.offset(&cursor.leaf());
            let (mut hi, mut lo, mut close) = (open, open, open);
            while cursor.tick() + 1 < end {
                cursor.advance(&joint, |_| ());
                close = model.offset(&cursor.leaf());
                hi = hi.max(close);
                lo = lo.min(close);
            }
            // The last tick's leaf [end − 1, end) ends where the next candle's volume starts.
            let last = cursor.leaf().symbol.volume;
            let volume_after = last.before + last.total;
            out.push(Candle {
                timestamp: bucket,
                open: model.price_of(open),
                high: model.price_of(hi),
                low: model.price_of(lo),
                close: model.price_of(close),
                volume: u64::try_from(volume_after - volume_before).unwrap_or(u64::MAX),
                ticks: end - first,
            });
            volume_before = volume_after;
            if end >= range.end.0 {
                break;
            }
            cursor.advance(&joint, |_| ());
        }
        out
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

    #[test]
    fn candles_equal_aggregation_of_raw_ticks() {
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
            let first = s.tick_at_or_after(c.timestamp);
            let end = s.tick_at_or_after(c.timestamp + 60_000);
            let prices: Vec<Decimal> = (first.0..end.0).map(|n| m.price(id, Seq(n))).collect();
            assert_eq!(c.ticks, 60);
            assert_eq!(c.open, prices[0]);
            assert_eq!(c.close, *prices.last().unwrap());
            assert_eq!(c.high, *prices.iter().max_by_key(|p| p.units()).unwrap());
            assert_eq!(c.low, *prices.iter().min_by_key(|p| p.units()).unwrap());
            assert_eq!(c.volume, m.volume_between(id, first, end));
            assert_eq!(c.timestamp % 60_000, 0);
        }
        // Consecutive candles tile the ticks: volumes add up to the whole range.
        let total: u64 = candles.iter().map(|c| c.volume).sum();
        let range = m.candle_ticks(minute, from, to, Seq(u64::MAX));
        assert_eq!(total, m.volume_between(id, range.first, range.end));
    }

    #[test]
    fn the_current_candle_stops_at_the_current_tick() {
        let m = market();
        let s = *m.schedule();
        let now = Seq(5_000_030);
        let start = s.time_of(now) - 120_000;
        let candles = m.candles(SymbolId(0), "1m".parse().unwrap(), start, i64::MAX / 4, now);
        let last = candles.last().unwrap();
        assert_eq!(last.close, m.price(SymbolId(0), now));
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
        assert_eq!(c[0].open, m.info(SymbolId(0)).reference_price);
    }
}
