//! 24-hour rolling statistics (`@ticker`, `@miniTicker`, `!miniTicker@arr`,
//! `/api/v3/ticker/24hr`) as a pure function of the minute bars, hence of the ticks.
//!
//! The window starts on a minute, as Binance's rolling-window statistics do: it holds the
//! minute bars starting at or after `floor_minute(now) − 24 h` (1 440 whole minutes and the
//! current partial one), and `x` / `prevClosePrice` is the close of the minute before it.
//! Computing it is one pass over at most 1 442 bars; [`MinuteWindow`] keeps those bars as
//! ticks arrive so a stream never recomputes history.

use std::collections::VecDeque;

use ticker_core::Decimal;

use crate::bars::Bar;

const MINUTE_MS: i64 = 60_000;
/// The window's length.
pub const WINDOW_MS: i64 = 86_400_000;
/// Minute bars a window needs: 1 440 whole, the current one and the one before for `x`.
pub const WINDOW_BARS: usize = 1442;

/// The statistics of one symbol's window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// `openTime` / `O`: start of the window.
    pub open_ms: i64,
    /// `closeTime` / `C`: time of the last tick in it.
    pub close_ms: i64,
    /// First price in the window.
    pub open: Decimal,
    /// Highest price.
    pub high: Decimal,
    /// Lowest price.
    pub low: Decimal,
    /// Last price.
    pub last: Decimal,
    /// The price before the window (`x`, `prevClosePrice`); the open when nothing precedes.
    pub prev_close: Decimal,
    /// Base volume.
    pub volume: u64,
    /// Quote volume (Σ price × size).
    pub notional: f64,
    /// First and last trade id, `None` without trades (sent as -1).
    pub trade_ids: Option<(u64, u64)>,
    /// Number of trades.
    pub count: u64,
}

impl Stats {
    /// `last − open`, exactly.
    pub fn change(&self) -> Decimal {
        super::num::sub(self.last, self.open)
    }

    /// The change in percent of the open.
    pub fn change_percent(&self) -> f64 {
        let open = self.open.to_f64();
        if open == 0.0 {
            0.0
        } else {
            self.change().to_f64() / open * 100.0
        }
    }

    /// Quote volume over base volume, 0 without volume.
    pub fn weighted_avg(&self) -> f64 {
        if self.volume == 0 {
            0.0
        } else {
            self.notional / self.volume as f64
        }
    }
}

/// Start of the window that ends at `now_ms`.
pub fn window_start(now_ms: i64) -> i64 {
    now_ms.div_euclid(MINUTE_MS) * MINUTE_MS - WINDOW_MS
}

/// The statistics at `now_ms` from time-ordered minute bars (those before the window are
/// used only for `x`); `None` when the window has no bar.
pub fn stats(bars: &[Bar], now_ms: i64) -> Option<Stats> {
    let start = window_start(now_ms);
    let split = bars.partition_point(|b| b.start_ms < start);
    let (before, inside) = bars.split_at(split);
    let inside: Vec<&Bar> = inside.iter().filter(|b| b.start_ms <= now_ms).collect();
    let first = inside.first()?;
    let mut acc = **first;
    for bar in inside.iter().skip(1) {
        acc.absorb(bar);
    }
    Some(Stats {
        open_ms: start,
        close_ms: now_ms,
        open: first.open,
        high: acc.high,
        low: acc.low,
        last: acc.close,
        prev_close: before.last().map_or(first.open, |b| b.close),
        volume: acc.volume,
        notional: acc.notional,
        trade_ids: acc.trade_ids,
        count: acc.trades,
    })
}

/// The last [`WINDOW_BARS`] minute bars of one symbol, updated tick by tick.
#[derive(Debug, Clone, Default)]
pub struct MinuteWindow {
    bars: VecDeque<Bar>,
}

impl MinuteWindow {
    /// Records the current state of a minute bar: replaces the newest bar if it is the same
    /// minute, else appends it and drops what fell out of the window.
    pub fn update(&mut self, bar: Bar) {
        match self.bars.back_mut() {
            Some(last) if last.start_ms == bar.start_ms => *last = bar,
            _ => self.bars.push_back(bar),
        }
        while self.bars.len() > WINDOW_BARS {
            self.bars.pop_front();
        }
    }

    /// The bars, oldest first.
    pub fn bars(&mut self) -> &[Bar] {
        self.bars.make_contiguous()
    }

    /// The statistics at `now_ms`.
    pub fn stats(&mut self, now_ms: i64) -> Option<Stats> {
        stats(self.bars(), now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute(i: i64, price: i64, volume: u64) -> Bar {
        let p = Decimal::new(price, 2);
        Bar {
            start_ms: i * MINUTE_MS,
            open: p,
            high: Decimal::new(price + 5, 2),
            low: Decimal::new(price - 5, 2),
            close: p,
            volume,
            trades: volume,
            notional: volume as f64 * p.to_f64(),
            trade_ids: (volume > 0).then(|| (i as u64 * 10, i as u64 * 10 + volume - 1)),
        }
    }

    #[test]
    fn the_window_starts_on_a_minute_24_hours_back() {
        let now = 2000 * MINUTE_MS + 12_345;
        assert_eq!(window_start(now), 560 * MINUTE_MS);
        let bars: Vec<Bar> = (550..=2000).map(|i| minute(i, 10_000 + i, 2)).collect();
        let s = stats(&bars, now).unwrap();
        assert_eq!((s.open_ms, s.close_ms), (560 * MINUTE_MS, now));
        assert_eq!(s.open, Decimal::new(10_560, 2));
        assert_eq!(
            s.prev_close,
            Decimal::new(10_559, 2),
            "x: the minute before"
        );
        assert_eq!(s.last, Decimal::new(12_000, 2));
        assert_eq!(s.high, Decimal::new(12_005, 2));
        assert_eq!(s.low, Decimal::new(10_555, 2));
        assert_eq!((s.volume, s.count), (1441 * 2, 1441 * 2));
        assert_eq!(s.trade_ids, Some((5600, 20_001)));
        assert_eq!(s.change(), Decimal::new(1440, 2));
        assert!((s.change_percent() - 14.4 / 105.6 * 100.0).abs() < 1e-9);
        let vwap = s.weighted_avg();
        assert!(vwap > 105.6 && vwap < 120.0);
    }

    #[test]
    fn a_sliding_window_equals_the_pure_function() {
        let mut w = MinuteWindow::default();
        let mut all = Vec::new();
        for i in 0..3000 {
            let b = minute(i, 10_000 + (i * 7919) % 500, (i % 3) as u64);
            // Two updates of the same minute, as ticks arrive within it.
            w.update(Bar {
                close: Decimal::new(1, 2),
                ..b
            });
            w.update(b);
            all.push(b);
        }
        assert_eq!(w.bars().len(), WINDOW_BARS);
        let now = 2999 * MINUTE_MS + 59_000;
        assert_eq!(w.stats(now), stats(&all, now));
        assert!(stats(&[], now).is_none());
    }
}
