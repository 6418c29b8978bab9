//! Range aggregates in sub-linear time: what the trades of any span of ticks add up to (count,
//! volume, notional, first, highest, lowest and last price), for candles, bars and the
//! session statistics of quotes.
//!
//! Everything a candle or a quote sums is an integer (shares, trades, notional in units of
//! the price's last decimal) or an extreme or end of exact decimal prices, so aggregates form
//! a monoid: [`Agg::then`] of two adjacent spans is exactly what adding their ticks one by
//! one gives, in any grouping. That makes memoization safe. The leaves of the model's tree
//! (leaf `m` is tick `m + 1`'s interval) are grouped into aligned blocks of `2^k` leaves,
//! `k` in [`LEVELS`]; a block's aggregate is computed once, lazily (small blocks by visiting
//! their trading ticks, see `sparse.rs`; large ones from their eight sub-blocks) and kept in
//! the market's bounded [`BlockCache`]. A span is then the few unaligned ticks at its ends
//! plus at most seven blocks per level on each side: O(log n) blocks once they are cached.
//!
//! The first request over a span still visits its trading ticks once (no formula gives the
//! extremes of a random walk); what it computes serves every later request that overlaps.

mod cache;
mod sparse;
mod walk;
mod warm;

#[cfg(test)]
mod tests;

pub(crate) use cache::BlockCache;
pub use cache::{BLOCK_BYTES, DEFAULT_CACHE_BYTES};
pub use warm::HistoryCacheStats;

use crate::clock::Seq;
use crate::decimal::Decimal;
use crate::market::Market;
use crate::model::tree::LAST_TICK;
use crate::symbol::SymbolId;
use crate::trades::TickSummary;

/// The smallest block: 64 leaves. Shorter pieces at a span's ends are visited tick by tick.
const BASE: u32 = 6;
/// Each level's blocks are eight of the level below.
const STEP: u32 = 3;
/// Block levels, 2^6 … 2^60 leaves.
const LEVELS: [u32; 19] = [
    6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45, 48, 51, 54, 57, 60,
];
/// Blocks up to 2^18 leaves are computed by visiting their trading ticks; larger ones from
/// their sub-blocks (which are cached too, so that neighbouring spans reuse them).
const VISIT_MAX: u32 = 18;

/// A block of one symbol's leaves: block `index` of level `k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct BlockKey {
    /// The symbol.
    pub(crate) id: SymbolId,
    /// The level: the block spans `2^k` leaves.
    pub(crate) k: u32,
    /// Its index among the level's blocks.
    pub(crate) index: u64,
}

/// What the trades of a span of ticks add up to. The prices are meaningful only when
/// `trades > 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Agg {
    /// Number of trades.
    pub(crate) trades: u64,
    /// Shares.
    pub(crate) volume: u128,
    /// Σ price × size, in units of the price's last decimal.
    pub(crate) notional: i128,
    /// The first trade's price.
    pub(crate) open: Decimal,
    /// The highest trade (the earliest, among equal ones).
    pub(crate) high: Decimal,
    /// The lowest trade (the earliest, among equal ones).
    pub(crate) low: Decimal,
    /// The last trade's price.
    pub(crate) close: Decimal,
}

impl Agg {
    /// One tick's trades.
    pub(crate) fn of(t: &TickSummary) -> Self {
        if t.count == 0 {
            return Self::default();
        }
        Self {
            trades: t.count,
            volume: u128::from(t.volume),
            notional: t.notional,
            open: t.first,
            high: t.high,
            low: t.low,
            close: t.last,
        }
    }

    /// This span followed by `later`, the span right after it.
    #[inline]
    pub(crate) fn then(self, later: Self) -> Self {
        if later.trades == 0 {
            return self;
        }
        if self.trades == 0 {
            return later;
        }
        Self {
            trades: self.trades + later.trades,
            volume: self.volume + later.volume,
            notional: self.notional + later.notional,
            open: self.open,
            high: if later.high.units() > self.high.units() {
                later.high
            } else {
                self.high
            },
            low: if later.low.units() < self.low.units() {
                later.low
            } else {
                self.low
            },
            close: later.close,
        }
    }
}

/// One piece of a span's decomposition: an aligned block, or a few ticks at an end that are
/// shorter than the smallest block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// Block `index` of level `k`.
    Block(u32, u64),
    /// Leaves `[lo, hi)`, visited tick by tick.
    Leaves(u64, u64),
}

/// The pieces of leaves `[lo, hi)`, in order: at each position the largest aligned block that
/// fits, else the leaves up to the next base boundary (or the end).
fn pieces(lo: u64, hi: u64) -> impl Iterator<Item = Piece> {
    let mut pos = lo;
    std::iter::from_fn(move || {
        if pos >= hi {
            return None;
        }
        let fits = LEVELS
            .iter()
            .rev()
            .copied()
            .find(|&k| pos % (1 << k) == 0 && hi - pos >= 1 << k);
        Some(match fits {
            Some(k) => {
                let piece = Piece::Block(k, pos >> k);
                pos += 1 << k;
                piece
            }
            None => {
                let stop = ((pos >> BASE) + 1).saturating_mul(1 << BASE).min(hi);
                let piece = Piece::Leaves(pos, stop);
                pos = stop;
                piece
            }
        })
    })
}

/// The leaves `[lo, hi)` of ticks `[first, end)`: tick n's trades are in leaf n − 1, and
/// tick 0 has none.
fn leaves(first: Seq, end: Seq) -> (u64, u64) {
    (first.0.max(1) - 1, end.0.saturating_sub(1).min(LAST_TICK))
}

impl Market {
    /// What the trades of ticks `[first, end)` add up to: O(log n) cached blocks plus at most
    /// 2 × 63 ticks at the ends, once the blocks are cached.
    pub(crate) fn aggregate(&self, id: SymbolId, first: Seq, end: Seq) -> Agg {
        let (lo, hi) = leaves(first, end);
        let mut acc = Agg::default();
        for piece in pieces(lo, hi) {
            match piece {
                Piece::Block(k, index) => acc = acc.then(self.block(id, k, index)),
                Piece::Leaves(a, b) => {
                    self.walk_trading_leaves(id, a, b, |t| acc = acc.then(Agg::of(t)));
                }
            }
        }
        acc
    }

    /// Adds to `out` the blocks that [`Market::aggregate`] over `[first, end)` computes by
    /// visiting their ticks (a larger block is the sum of its sub-blocks down to
    /// [`VISIT_MAX`]): the work that a start-up can spread over every core, by computing
    /// them with [`Market::fill_block`] before the aggregate, which then finds them cached.
    pub(crate) fn visited_blocks(
        &self,
        id: SymbolId,
        first: Seq,
        end: Seq,
        out: &mut Vec<BlockKey>,
    ) {
        let (lo, hi) = leaves(first, end);
        for piece in pieces(lo, hi) {
            let Piece::Block(k, index) = piece else {
                continue;
            };
            if k <= VISIT_MAX {
                out.push(BlockKey { id, k, index });
            } else {
                // As `block` divides it: by 2^STEP per level until it is visited.
                let mut below = k;
                while below > VISIT_MAX {
                    below -= STEP;
                }
                let shift = k - below;
                let n = 1u64 << shift;
                out.extend((0..n).map(|i| BlockKey {
                    id,
                    k: below,
                    index: (index << shift) + i,
                }));
            }
        }
    }

    /// Computes (and caches) a block that [`Market::visited_blocks`] named.
    pub(crate) fn fill_block(&self, key: BlockKey) {
        self.block(key.id, key.k, key.index);
    }

    /// Whether the block cache holds `blocks` more without dropping any it holds now (with
    /// room to spare for the larger blocks summed from them).
    pub(crate) fn cache_holds(&self, blocks: usize) -> bool {
        blocks.saturating_mul(2) <= self.blocks.max_blocks() / 2
    }

    /// Block `index` of level `k`: leaves `[index·2^k, (index+1)·2^k)`, from the cache or
    /// computed (and cached).
    fn block(&self, id: SymbolId, k: u32, index: u64) -> Agg {
        let key = (id.0, k as u8, index);
        if let Some(a) = self.blocks.get(key) {
            return a;
        }
        let lo = index << k;
        let mut acc = Agg::default();
        if k <= VISIT_MAX {
            self.walk_trading_leaves(id, lo, lo + (1 << k), |t| acc = acc.then(Agg::of(t)));
        } else {
            let sub = k - STEP;
            for i in 0..1u64 << STEP {
                acc = acc.then(self.block(id, sub, (index << STEP) + i));
            }
        }
        self.blocks.insert(key, acc);
        acc
    }
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::candle::TickRange;
    use crate::config::MarketConfig;
    use crate::noise::mix64;

    /// The tick-by-tick fold of the same ticks.
    fn walked(m: &Market, id: SymbolId, first: u64, end: u64) -> Agg {
        let mut acc = Agg::default();
        let range = TickRange {
            first: Seq(first),
            end: Seq(end),
        };
        m.walk_ticks(id, range, |t| acc = acc.then(Agg::of(t)));
        acc
    }

    #[test]
    fn trading_leaves_are_the_ticks_that_trade() {
        let m = Market::new(MarketConfig::default()).unwrap();
        let id = SymbolId(1);
        let (first, end) = (1_000_000u64, 1_003_000u64);
        let mut sparse = Vec::new();
        m.walk_trading_leaves(id, first - 1, end - 1, |t| sparse.push(*t));
        let mut dense = Vec::new();
        let range = TickRange {
            first: Seq(first),
            end: Seq(end),
        };
        m.walk_ticks(id, range, |t| {
            if t.count > 0 {
                dense.push(*t);
            }
        });
        assert!(dense.len() > 100, "{}", dense.len());
        assert_eq!(sparse, dense);
    }

    #[test]
    fn aggregates_equal_the_tick_by_tick_fold() {
        let m = Market::new(MarketConfig::default()).unwrap();
        let mut x = 0x5EED_u64;
        for round in 0..40 {
            x = mix64(x);
            let id = SymbolId((x % 5) as u16);
            let first = if round < 4 {
                round + 1
            } else {
                1 + (x >> 20) % 90_000_000
            };
            let len = match round % 4 {
                0 => x % 70,
                1 => x % 5_000,
                2 => x % 300_000,
                _ => 600_000 + x % 200_000,
            };
            let want = walked(&m, id, first, first + len);
            assert_eq!(m.aggregate(id, Seq(first), Seq(first + len)), want);
            // Again, from the cache.
            assert_eq!(m.aggregate(id, Seq(first), Seq(first + len)), want);
        }
        assert!(m.history_cache_stats().blocks > 0);
    }

    #[test]
    fn visited_blocks_tile_the_span_and_are_the_blocks_an_aggregate_visits() {
        let mut x = 0xB10C_u64;
        for round in 0..9 {
            x = mix64(x);
            let id = SymbolId((x % 5) as u16);
            let first = 1 + (x >> 20) % 90_000_000;
            // The last span holds a block of 2^21 leaves, summed from sub-blocks.
            let len = if round < 8 { x % 300_000 } else { 1 << 22 };
            let (span_first, span_end) = (Seq(first), Seq(first + len));
            let m = Market::new(MarketConfig::default()).unwrap();
            let mut keys = Vec::new();
            m.visited_blocks(id, span_first, span_end, &mut keys);
            // Aligned, in order, disjoint, each visited rather than summed, and together all
            // of the span but the short ends.
            let (lo, hi) = leaves(span_first, span_end);
            let mut pos = lo;
            let mut ends = 0;
            for key in &keys {
                assert!(key.k <= VISIT_MAX && key.id == id, "{key:?}");
                let start = key.index << key.k;
                assert!(start >= pos, "{key:?} overlaps");
                ends += start - pos;
                pos = start + (1 << key.k);
            }
            ends += hi.saturating_sub(pos);
            assert!(
                pos <= hi.max(lo) && ends < 2 << BASE,
                "{round}: {ends} leaves left over"
            );
            if round == 8 {
                assert!(keys.len() >= 8, "{keys:?}");
            }
            // An aggregate on a fresh market computes exactly these (and sums larger ones).
            let want = m.aggregate(id, span_first, span_end);
            for key in &keys {
                assert!(
                    m.blocks.get((id.0, key.k as u8, key.index)).is_some(),
                    "{key:?}"
                );
            }
            // Filled ahead, on a fresh market, they give the same aggregate.
            let filled = Market::new(MarketConfig::default()).unwrap();
            for key in &keys {
                filled.fill_block(*key);
            }
            assert_eq!(filled.history_cache_stats().blocks, keys.len());
            assert_eq!(filled.aggregate(id, span_first, span_end), want);
        }
    }

    #[test]
    fn the_cache_changes_no_result_and_keeps_to_its_budget() {
        let cached = Market::new(MarketConfig::default()).unwrap();
        let small = cached.clone().with_history_cache(100 * BLOCK_BYTES);
        let off = cached.clone().with_history_cache(0);
        let day: crate::CandleInterval = "1d".parse().unwrap();
        let now = Seq(93_000_000);
        let to = cached.schedule().time_of(now);
        let from = to - 20 * 86_400_000;
        let want = cached.candles(SymbolId(3), day, from, to, now);
        assert_eq!(want.len(), 21);
        assert_eq!(small.candles(SymbolId(3), day, from, to, now), want);
        assert_eq!(off.candles(SymbolId(3), day, from, to, now), want);
        assert_eq!(small.history_cache_stats().max_blocks, 100);
        assert!(small.history_cache_stats().blocks <= 100);
        assert_eq!(
            (
                off.history_cache_stats().blocks,
                off.history_cache_stats().max_blocks
            ),
            (0, 0)
        );
        assert!(cached.history_cache_stats().blocks > 100);
        assert_eq!(
            cached.history_cache_stats().max_blocks,
            DEFAULT_CACHE_BYTES / BLOCK_BYTES / 2 * 2
        );
    }
}
