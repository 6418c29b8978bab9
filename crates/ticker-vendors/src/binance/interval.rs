//! Binance kline intervals (`1s` … `1M`, case-sensitive) and which of them this server can
//! serve: an interval is offered only when it is a whole number of ticks, so that every kline
//! aggregates the same ticks the native candles do. Others are refused with a clear reason.

use ticker_core::CandleInterval;

use crate::bars::Bucket;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// A Binance kline interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KlineInterval {
    name: &'static str,
    bucket: Bucket,
    /// The native candle width its klines are built from.
    native: &'static str,
}

const ALL: [KlineInterval; 16] = [
    iv("1s", Bucket::Fixed(1000), "1s"),
    iv("1m", Bucket::Fixed(MINUTE), "1m"),
    iv("3m", Bucket::Fixed(3 * MINUTE), "1m"),
    iv("5m", Bucket::Fixed(5 * MINUTE), "5m"),
    iv("15m", Bucket::Fixed(15 * MINUTE), "15m"),
    iv("30m", Bucket::Fixed(30 * MINUTE), "30m"),
    iv("1h", Bucket::Fixed(HOUR), "1h"),
    iv("2h", Bucket::Fixed(2 * HOUR), "2h"),
    iv("4h", Bucket::Fixed(4 * HOUR), "4h"),
    iv("6h", Bucket::Fixed(6 * HOUR), "6h"),
    iv("8h", Bucket::Fixed(8 * HOUR), "4h"),
    iv("12h", Bucket::Fixed(12 * HOUR), "12h"),
    iv("1d", Bucket::Fixed(DAY), "1d"),
    iv("3d", Bucket::Fixed(3 * DAY), "1d"),
    iv("1w", Bucket::Week, "1d"),
    iv("1M", Bucket::Month, "1d"),
];

const fn iv(name: &'static str, bucket: Bucket, native: &'static str) -> KlineInterval {
    KlineInterval {
        name,
        bucket,
        native,
    }
}

impl KlineInterval {
    /// Every Binance interval, shortest first.
    pub fn all() -> impl Iterator<Item = Self> {
        ALL.into_iter()
    }

    /// Parses an interval name exactly (`1m` is a minute, `1M` a month).
    pub fn parse(name: &str) -> Option<Self> {
        ALL.into_iter().find(|i| i.name == name)
    }

    /// The name, e.g. `"1m"`.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// How kline open times are aligned (UTC; weeks start on Monday).
    pub fn bucket(self) -> Bucket {
        self.bucket
    }

    /// The native candle interval the klines are regrouped from.
    pub fn native(self) -> Option<CandleInterval> {
        CandleInterval::all().find(|c| c.name() == self.native)
    }

    /// The kline close time Binance reports: one millisecond before the next open.
    pub fn close_time(self, open_ms: i64) -> i64 {
        self.bucket.next(open_ms) - 1
    }

    /// The shortest length of one kline (months count as 28 days).
    pub fn min_ms(self) -> i64 {
        match self.bucket {
            Bucket::Fixed(ms) => ms,
            Bucket::Week => 7 * DAY,
            Bucket::Month => 28 * DAY,
        }
    }

    /// Whether every kline is a whole number of ticks of `tick_ms`; if not, why not.
    pub fn check_grid(self, tick_ms: u64) -> Result<(), String> {
        // Weeks and months are whole days, so a tick that divides a day divides them too.
        let unit = match self.bucket {
            Bucket::Fixed(ms) => ms,
            Bucket::Week | Bucket::Month => DAY,
        };
        let tick = i64::try_from(tick_ms).unwrap_or(i64::MAX).max(1);
        if unit % tick == 0 {
            Ok(())
        } else {
            Err(format!(
                "{} klines are not a whole number of this server's {tick_ms} ms ticks",
                self.name
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_binance_interval_case_sensitively() {
        let names: Vec<&str> = KlineInterval::all().map(KlineInterval::name).collect();
        assert_eq!(
            names,
            [
                "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d",
                "3d", "1w", "1M"
            ]
        );
        assert_eq!(KlineInterval::parse("1M").unwrap().bucket(), Bucket::Month);
        assert_eq!(
            KlineInterval::parse("1m").unwrap().bucket(),
            Bucket::Fixed(60_000)
        );
        assert!(KlineInterval::parse("2m").is_none());
        assert!(KlineInterval::parse("1H").is_none());
        for i in KlineInterval::all() {
            let native = i.native().unwrap();
            assert_eq!(i.min_ms() % native.ms(), 0, "{} from {}", i.name(), native);
        }
    }

    #[test]
    fn close_times_end_one_millisecond_before_the_next_open() {
        let m = KlineInterval::parse("1m").unwrap();
        assert_eq!(m.close_time(1_672_515_780_000), 1_672_515_839_999);
        let w = KlineInterval::parse("1w").unwrap();
        assert_eq!(w.close_time(1_499_040_000_000), 1_499_644_799_999);
    }

    #[test]
    fn only_intervals_made_of_whole_ticks_are_served() {
        let s = KlineInterval::parse("1s").unwrap();
        let m = KlineInterval::parse("1m").unwrap();
        let month = KlineInterval::parse("1M").unwrap();
        assert!(s.check_grid(1000).is_ok());
        assert!(s.check_grid(250).is_ok());
        assert_eq!(
            s.check_grid(7000).unwrap_err(),
            "1s klines are not a whole number of this server's 7000 ms ticks"
        );
        assert!(m.check_grid(7000).is_err());
        assert!(m.check_grid(15_000).is_ok());
        assert!(month.check_grid(3_600_000).is_ok());
        assert!(month.check_grid(7_000).is_err());
    }
}
