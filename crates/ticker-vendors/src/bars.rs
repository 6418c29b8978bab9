//! OHLCV bars as the vendor formats need them, and their regrouping into the wider buckets
//! that vendors offer but the native API does not (Binance `3m`, `8h`, `3d`, `1w`, `1M`;
//! Finnhub `W` and `M`).
//!
//! A wider bar is an exact function of the narrower ones it covers: first open, last close,
//! extreme high and low, summed volume, trade count and notional. So a vendor's weekly bar
//! agrees with the native daily bars it was built from, tick for tick.

use std::cmp::Ordering;

use ticker_core::calendar::Date;
use ticker_core::Decimal;

const DAY_MS: i64 = 86_400_000;

/// One bar: the ticks (trades) between `start_ms` and the start of the next bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Start of the bar, Unix milliseconds.
    pub start_ms: i64,
    /// Price of the first trade.
    pub open: Decimal,
    /// Highest trade price.
    pub high: Decimal,
    /// Lowest trade price.
    pub low: Decimal,
    /// Price of the last trade.
    pub close: Decimal,
    /// Shares (base-asset units) traded.
    pub volume: u64,
    /// Number of trades.
    pub trades: u64,
    /// Σ price × size over the trades, in the quote currency (VWAP × volume).
    pub notional: f64,
    /// Ids of the first and last trade, `None` when the bar has no trades.
    pub trade_ids: Option<(u64, u64)>,
}

impl Bar {
    /// The bar of a native candle (`/api/v1/history`, `/api/v1/bars`): the same prices,
    /// volume and trade count; the notional is VWAP × volume (the VWAP has 4 decimals).
    pub fn from_candle(c: &ticker_core::Candle, trade_ids: Option<(u64, u64)>) -> Self {
        Self {
            start_ms: c.timestamp,
            open: c.open,
            high: c.high,
            low: c.low,
            close: c.close,
            volume: c.volume,
            trades: c.trades,
            notional: c.vwap.to_f64() * c.volume as f64,
            trade_ids,
        }
    }

    /// The volume-weighted average price, or the close when nothing traded.
    pub fn vwap(&self) -> f64 {
        if self.volume == 0 {
            self.close.to_f64()
        } else {
            self.notional / self.volume as f64
        }
    }

    /// Folds the next bar (later in time) into this one.
    pub fn absorb(&mut self, next: &Bar) {
        self.high = max(self.high, next.high);
        self.low = min(self.low, next.low);
        self.close = next.close;
        self.volume = self.volume.saturating_add(next.volume);
        self.trades = self.trades.saturating_add(next.trades);
        self.notional += next.notional;
        self.trade_ids = match (self.trade_ids, next.trade_ids) {
            (Some((first, _)), Some((_, last))) => Some((first, last)),
            (a, b) => a.or(b),
        };
    }
}

/// Compares two prices of the same symbol (usually with equal decimals).
pub fn cmp(a: Decimal, b: Decimal) -> Ordering {
    if a.decimals() == b.decimals() {
        a.units().cmp(&b.units())
    } else {
        a.to_f64().total_cmp(&b.to_f64())
    }
}

/// The larger of two prices.
pub fn max(a: Decimal, b: Decimal) -> Decimal {
    if cmp(b, a) == Ordering::Greater {
        b
    } else {
        a
    }
}

/// The smaller of two prices.
pub fn min(a: Decimal, b: Decimal) -> Decimal {
    if cmp(b, a) == Ordering::Less {
        b
    } else {
        a
    }
}

/// How bar start times are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Every `n` ms since 1970-01-01T00:00Z (minutes, hours, days, Binance's `3d`).
    Fixed(i64),
    /// Calendar weeks starting Monday 00:00 UTC.
    Week,
    /// Calendar months starting on the 1st, 00:00 UTC.
    Month,
}

impl Bucket {
    /// Start of the bucket containing `t_ms`.
    pub fn floor(self, t_ms: i64) -> i64 {
        match self {
            Self::Fixed(ms) => t_ms.div_euclid(ms.max(1)) * ms.max(1),
            Self::Week => {
                let day = Date::of_utc_ms(t_ms);
                // 1970-01-01 was a Thursday: Monday is 3 days before a multiple of 7.
                let back = (day.days() + 3).rem_euclid(7);
                day.add_days(-back).utc_midnight_ms()
            }
            Self::Month => {
                let (y, m, _) = Date::of_utc_ms(t_ms).ymd();
                Date::from_ymd(y, m, 1)
                    .map(Date::utc_midnight_ms)
                    .unwrap_or_else(|| t_ms.div_euclid(DAY_MS) * DAY_MS)
            }
        }
    }

    /// Start of the bucket after the one starting at `start_ms`.
    pub fn next(self, start_ms: i64) -> i64 {
        match self {
            Self::Fixed(ms) => start_ms.saturating_add(ms.max(1)),
            Self::Week => start_ms.saturating_add(7 * DAY_MS),
            Self::Month => {
                let (y, m, _) = Date::of_utc_ms(start_ms).ymd();
                let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                Date::from_ymd(y, m, 1)
                    .map(Date::utc_midnight_ms)
                    .unwrap_or(start_ms.saturating_add(31 * DAY_MS))
            }
        }
    }
}

/// Merges time-ordered bars into `bucket`-aligned bars; each input bar must lie within one
/// bucket (true whenever its own width divides the bucket's, e.g. days into weeks).
pub fn regroup(bars: &[Bar], bucket: Bucket) -> Vec<Bar> {
    let mut out: Vec<Bar> = Vec::new();
    for bar in bars {
        let start = bucket.floor(bar.start_ms);
        match out.last_mut() {
            Some(last) if last.start_ms == start => last.absorb(bar),
            _ => out.push(Bar {
                start_ms: start,
                ..*bar
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(start_ms: i64, prices: [i64; 4], volume: u64, id: u64) -> Bar {
        let d = |u| Decimal::new(u, 2);
        Bar {
            start_ms,
            open: d(prices[0]),
            high: d(prices[1]),
            low: d(prices[2]),
            close: d(prices[3]),
            volume,
            trades: volume / 10,
            notional: volume as f64 * prices[3] as f64 / 100.0,
            trade_ids: (volume > 0).then(|| (id, id + volume / 10 - 1)),
        }
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        // 2024-01-03 was a Wednesday; its week began Monday 2024-01-01.
        let wed = 1_704_240_000_000 + 5 * 3_600_000;
        assert_eq!(Bucket::Week.floor(wed), 1_704_067_200_000);
        assert_eq!(Bucket::Week.next(1_704_067_200_000), 1_704_672_000_000);
        // 2024-02-29T12:00Z is in February, which starts 2024-02-01 and ends before March.
        let leap = 1_709_208_000_000;
        assert_eq!(Bucket::Month.floor(leap), 1_706_745_600_000);
        assert_eq!(Bucket::Month.next(1_706_745_600_000), 1_709_251_200_000);
        assert_eq!(
            Bucket::Month.next(1_733_011_200_000),
            1_735_689_600_000,
            "Dec→Jan"
        );
        assert_eq!(Bucket::Fixed(3 * DAY_MS).floor(3 * DAY_MS + 5), 3 * DAY_MS);
    }

    #[test]
    fn regrouping_keeps_first_open_last_close_extremes_and_sums() {
        let day = DAY_MS;
        let mon = 1_704_067_200_000;
        let bars = [
            bar(mon, [100, 110, 95, 105], 100, 1),
            bar(mon + day, [105, 120, 104, 119], 50, 11),
            bar(mon + 2 * day, [119, 119, 90, 91], 0, 0),
            bar(mon + 7 * day, [91, 92, 80, 85], 30, 16),
        ];
        let weeks = regroup(&bars, Bucket::Week);
        assert_eq!(weeks.len(), 2);
        let w = weeks[0];
        assert_eq!(w.start_ms, mon);
        assert_eq!(
            (w.open, w.close),
            (Decimal::new(100, 2), Decimal::new(91, 2))
        );
        assert_eq!((w.high, w.low), (Decimal::new(120, 2), Decimal::new(90, 2)));
        assert_eq!((w.volume, w.trades), (150, 15));
        assert_eq!(w.trade_ids, Some((1, 15)));
        assert!((w.notional - (105.0 + 0.5 * 119.0)).abs() < 1e-9);
        assert_eq!(weeks[1].trade_ids, Some((16, 18)));
        assert_eq!(regroup(&[], Bucket::Month), Vec::new());
    }

    #[test]
    fn vwap_falls_back_to_the_close_without_volume() {
        let b = bar(0, [100, 100, 100, 100], 0, 0);
        assert_eq!(b.vwap(), 1.0);
        let b = bar(0, [100, 100, 100, 250], 10, 1);
        assert!((b.vwap() - 2.5).abs() < 1e-12);
    }
}
