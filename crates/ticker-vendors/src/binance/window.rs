//! The minute candles behind Binance's 24 h rolling statistics (`/api/v3/ticker/24hr`,
//! `@ticker`, `@miniTicker`), kept per symbol so that the statistics at a tick cost the minutes
//! since the previous request, not a day of ticks. Both services use it.
//!
//! The statistics stay a pure function of the ticks ([`super::rolling`]):
//! the cache only remembers closed minutes, which never change, and a request for a tick
//! before the cached ones (a clock set back) is computed apart without touching it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use super::rolling::{self, Stats};
use crate::bars::Bar;
use ticker_core::{Candle, CandleInterval, Market, Seq, SymbolId};

const MINUTE_MS: i64 = 60_000;

/// Closed minutes starting in `[from, to)`, oldest first.
#[derive(Debug, Default)]
struct Minutes {
    from: i64,
    to: i64,
    bars: VecDeque<Candle>,
}

/// Per symbol, the closed minute candles of its last 24 h window.
#[derive(Debug, Default)]
pub struct Rolling {
    symbols: Mutex<HashMap<SymbolId, Minutes>>,
}

fn minute() -> Option<CandleInterval> {
    "1m".parse().ok()
}

impl Rolling {
    /// Ticks a request may walk at most: a whole window and a bit (the first request).
    pub fn max_ticks(market: &Market) -> u64 {
        (rolling::WINDOW_MS + 2 * MINUTE_MS) as u64 / market.schedule().interval_ms().max(1)
    }

    /// The 24 h statistics of `id` at tick `until` (closing at its time), `None` before any
    /// minute of the window exists.
    pub fn stats(&self, market: &Market, id: SymbolId, until: Seq) -> Option<Stats> {
        let minute = minute()?;
        let now_ms = market.schedule().time_of(until);
        let end = now_ms.div_euclid(MINUTE_MS) * MINUTE_MS;
        let start = rolling::window_start(now_ms) - MINUTE_MS;
        let mut bars: Vec<Bar> = {
            let mut all = self.symbols.lock().unwrap_or_else(PoisonError::into_inner);
            let cached = all.entry(id).or_default();
            if cached.to > end {
                // Behind the cache (a clock set back): computed apart.
                market
                    .candles(id, minute, start, end, until)
                    .iter()
                    .map(|c| Bar::from_candle(c, None))
                    .collect()
            } else {
                let from = if cached.from <= start && cached.to >= start {
                    cached.to
                } else {
                    cached.bars.clear();
                    start
                };
                if from < end {
                    cached
                        .bars
                        .extend(market.candles(id, minute, from, end, until));
                }
                while cached.bars.front().is_some_and(|c| c.timestamp < start) {
                    cached.bars.pop_front();
                }
                (cached.from, cached.to) = (start, end);
                cached
                    .bars
                    .iter()
                    .map(|c| Bar::from_candle(c, None))
                    .collect()
            }
        };
        bars.extend(
            market
                .candles(id, minute, end, end + MINUTE_MS, until)
                .iter()
                .map(|c| Bar::from_candle(c, None)),
        );
        let mut stats = rolling::stats(&bars, now_ms)?;
        // Trade ids from the cumulative count: those of trades at or after the window start.
        let schedule = market.schedule();
        let first = market.trade_count(id, schedule.tick_at(stats.open_ms)) + 1;
        let last = market.trade_count(id, until);
        stats.trade_ids = (last >= first).then_some((first, last));
        Some(stats)
    }
}

#[cfg(test)]
mod tests {
    use ticker_core::MarketConfig;

    use super::*;

    #[test]
    fn cached_minutes_give_what_a_fresh_computation_gives() {
        let m = Market::new(MarketConfig::default()).unwrap();
        let id = SymbolId(1);
        let r = Rolling::default();
        let mut seq = Seq(86_400 * 3 + 17);
        for step in [1, 59, 61, 3_600, 86_400 * 2, 1] {
            seq = Seq(seq.0 + step);
            let got = r.stats(&m, id, seq).unwrap();
            let fresh = Rolling::default().stats(&m, id, seq).unwrap();
            assert_eq!(got, fresh, "at {seq}");
            let (first, last) = got.trade_ids.unwrap();
            assert_eq!(last - first + 1, got.count, "ids and count agree at {seq}");
        }
        // A clock set back is answered apart.
        let back = Seq(seq.0 - 7_200);
        assert_eq!(
            r.stats(&m, id, back),
            Rolling::default().stats(&m, id, back)
        );
    }
}
