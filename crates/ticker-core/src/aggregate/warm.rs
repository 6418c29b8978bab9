//! Warming the block cache ahead of requests, and what the cache has done so far.
//!
//! A candle's aggregate is split into the same aligned blocks whichever request asks for it,
//! so computing one candle alone caches exactly the blocks every later request over that
//! candle looks up. A service can call [`Market::warm_candle`] for the candles charts ask for
//! first (the last days' daily candles) while it is idle; the function is pure apart from
//! filling the memo, and changes no result, only how soon it comes.

use crate::candle::{CandleInterval, AGGREGATE_MIN_TICKS};
use crate::clock::Seq;
use crate::market::Market;
use crate::symbol::SymbolId;

/// What a market's history cache holds and how its lookups went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryCacheStats {
    /// Blocks held now.
    pub blocks: usize,
    /// The most blocks it holds at once (0: the cache is off).
    pub max_blocks: usize,
    /// Lookups that found their block.
    pub hits: u64,
    /// Lookups that did not: blocks computed by visiting ticks or from their sub-blocks.
    pub misses: u64,
}

impl Market {
    /// Computes, and caches, the blocks of the `interval` candle that starts at `start_ms`
    /// (floored to the interval) with ticks up to `until`, so that [`Market::candles`] over
    /// it later finds them cached. Returns the ticks the candle spans: 0 when it has none
    /// (before the epoch, after `until`) or when candles this short are walked tick by tick
    /// rather than aggregated, so that nothing is worth caching.
    pub fn warm_candle(
        &self,
        id: SymbolId,
        interval: CandleInterval,
        start_ms: i64,
        until: Seq,
    ) -> u64 {
        let per_candle = interval.ms() as u64 / self.schedule().interval_ms();
        if per_candle < AGGREGATE_MIN_TICKS {
            return 0;
        }
        let start = interval.floor(start_ms);
        // Exactly the span `candles_aggregated` gives this candle: from its first tick to the
        // next candle's first (or past `until`).
        let range = self.candle_ticks(interval, start, start.saturating_add(1), until);
        if range.is_empty() {
            return 0;
        }
        self.aggregate(id, range.first, range.end);
        range.len()
    }

    /// The history cache's size and lookup counts.
    pub fn history_cache_stats(&self) -> HistoryCacheStats {
        let (hits, misses) = self.blocks.lookups();
        HistoryCacheStats {
            blocks: self.blocks.len(),
            max_blocks: self.blocks.max_blocks(),
            hits,
            misses,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MarketConfig;

    const DAY_MS: i64 = 86_400_000;

    fn day() -> CandleInterval {
        "1d".parse().unwrap()
    }

    #[test]
    fn warmed_days_answer_a_daily_history_without_computing_a_block() {
        let market = Market::new(MarketConfig::default()).unwrap();
        let cold = market
            .clone()
            .with_history_cache(crate::DEFAULT_CACHE_BYTES);
        let now = Seq(20 * 86_400 + 45_000);
        let now_ms = market.schedule().time_of(now);
        let today = day().floor(now_ms);
        let id = SymbolId(2);
        let mut ticks = 0;
        for back in 0..12 {
            ticks += market.warm_candle(id, day(), today - back * DAY_MS, now);
        }
        // Twenty full days and most of one: 12 of them warmed.
        assert_eq!(ticks, 11 * 86_400 + 45_000);
        let before = market.history_cache_stats();
        assert!(before.blocks > 0 && before.misses > 0, "{before:?}");
        let (from, to) = (today - 11 * DAY_MS, now_ms + 1);
        let candles = market.candles(id, day(), from, to, now);
        let after = market.history_cache_stats();
        assert_eq!(candles.len(), 12);
        assert_eq!(after.misses, before.misses, "a block was computed again");
        assert!(after.hits > before.hits);
        // Byte for byte what a market that never warmed computes.
        assert_eq!(candles, cold.candles(id, day(), from, to, now));
        assert!(cold.history_cache_stats().misses > 0);
    }

    #[test]
    fn nothing_to_warm_before_the_epoch_after_until_or_for_walked_candles() {
        let market = Market::new(MarketConfig::default()).unwrap();
        let epoch = market.schedule().epoch_ms();
        let now = Seq(5 * 86_400);
        assert_eq!(
            market.warm_candle(SymbolId(0), day(), epoch - DAY_MS, now),
            0
        );
        assert_eq!(
            market.warm_candle(SymbolId(0), day(), epoch + 6 * DAY_MS, now),
            0
        );
        let minute: CandleInterval = "1m".parse().unwrap();
        assert_eq!(market.warm_candle(SymbolId(0), minute, epoch, now), 0);
        assert_eq!(market.history_cache_stats().misses, 0);
    }
}
