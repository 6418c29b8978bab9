//! [`Market`]: a validated configuration turned into per-symbol models. Every price of every
//! symbol at every tick is a method call away, with no state and no history kept.
//!
//! This file holds the types and lookups; `build` constructs a market, `prices` reads
//! prices, `ticks` a tick's trades and quotes, and `status` a symbol's trading status.

use std::collections::HashMap;
use std::sync::Arc;

use crate::aggregate::BlockCache;
use crate::calendar::Calendar;
use crate::clock::Schedule;
use crate::config::{Exchanges, MarketConfig};
use crate::decimal::{Decimal, TickSize};
use crate::model::{leaf, Joint, JointNode, Node, SymbolNode, SymbolTree, Walk};
use crate::quote::SymbolInfo;
use crate::scenario::{Counts, Plan};
use crate::symbol::{Symbol, SymbolId};
use crate::trade::Tape;

mod build;
mod prices;
mod status;
mod ticks;

pub use prices::LogOffsets;
pub use status::{HaltStatus, TradingStatus};

/// The hash streams of a symbol's trades and quotes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QuoteKeys {
    /// Spread width and the price's place in it.
    pub(crate) spread: u64,
    /// Quote sizes.
    pub(crate) sizes: u64,
    /// Quote exchanges.
    pub(crate) venues: u64,
    /// The price level of each trade (bid, ask or the last price), 16 trades per hash.
    pub(crate) levels: u64,
    /// Per trade: size, exchange and time.
    pub(crate) trade: u64,
}

/// One symbol's models and constants.
#[derive(Debug, Clone)]
pub(crate) struct SymbolModel {
    pub(crate) info: SymbolInfo,
    /// The symbol's own walk, volume and trades.
    pub(crate) tree: SymbolTree,
    /// Index of its calendar class in [`Market::classes`].
    pub(crate) class: usize,
    /// `σ·β` and `σ·√(1−β²)`: the log-price is `market_load·M + own_load·E`.
    market_load: f64,
    own_load: f64,
    reference: f64,
    pub(crate) tick: TickSize,
    /// The quoted spread as a fraction of the price (`spread_bps / 10 000`).
    pub(crate) spread: f64,
    /// Mean round lots shown at the best bid or offer in the regular session.
    pub(crate) depth_lots: f64,
    pub(crate) tape: Tape,
    /// Mean shares per continuous trade.
    pub(crate) trade_size: u64,
    pub(crate) keys: QuoteKeys,
    /// Its loading on the market factor (a circuit breaker's fall scales by it).
    beta: f64,
    /// What the market's scenario does to it (empty without one).
    pub(crate) plan: Plan,
}

impl SymbolModel {
    /// The log-price offset `ln(price / reference)` at tick `n`, from its joint leaf `n`
    /// (the leaf's first tick), under the scenario.
    #[inline]
    pub(crate) fn offset(&self, n: u64, node: &JointNode) -> f64 {
        let x = self.market_load * node.market.x_lo + self.own_load * node.symbol.own.x_lo;
        self.plan.offset(n, x)
    }

    /// The log-price offset at the tick just past leaf `leaf`: tick `leaf + 1`, the tick
    /// whose interval the leaf is, under the scenario.
    #[inline]
    pub(crate) fn offset_after(&self, leaf: u64, market: &Node, symbol: &SymbolNode) -> f64 {
        let x = self.market_load * market.x_hi + self.own_load * symbol.own.x_hi;
        self.plan.offset(leaf + 1, x)
    }

    /// The trades and volume of tick `leaf + 1` (and before it) from its leaf, under the
    /// scenario: none while halted, and none of a halt's counted after it.
    #[inline]
    pub(crate) fn counts(&self, leaf: u64, symbol: &SymbolNode) -> Counts {
        let c = Counts {
            trades_before: symbol.trades.before,
            trades: symbol.trades.total,
            volume_before: symbol.volume.before,
            volume: symbol.volume.total,
        };
        if self.plan.halts.is_empty() {
            return c;
        }
        self.plan.counts(leaf + 1, c)
    }

    /// The scenario's spread multiplier at tick `n` (1 outside spread windows).
    #[inline]
    pub(crate) fn spread_factor(&self, n: u64) -> f64 {
        if self.plan.spreads.is_empty() {
            return 1.0;
        }
        self.plan.spread_factor(n)
    }

    /// The price for a log-price offset `x`: `reference × e^x` on the tick grid.
    pub(crate) fn price_of(&self, x: f64) -> Decimal {
        self.tick.round(self.reference * libm::exp(x))
    }
}

/// One calendar class: its calendar and its market factor, which every symbol of the class
/// loads on (US equities co-move with each other, 24/7 pairs with each other).
#[derive(Debug, Clone)]
pub(crate) struct Class {
    pub(crate) calendar: Calendar,
    pub(crate) factor: Walk,
}

/// The whole market model: schedule, one market factor per calendar class and one model per
/// symbol. Cheap to share (`Arc`), with no interior mutability: every method is a pure
/// function of its arguments.
#[derive(Debug, Clone)]
pub struct Market {
    config: MarketConfig,
    schedule: Schedule,
    classes: Vec<Class>,
    models: Vec<SymbolModel>,
    by_symbol: HashMap<Symbol, SymbolId>,
    pub(crate) exchanges: Exchanges,
    /// Memoized range aggregates (`aggregate.rs`): pure functions of the fields above, so
    /// clones share them.
    pub(crate) blocks: Arc<BlockCache>,
}

impl Market {
    /// A symbol's beta: its loading on the market factor.
    pub(crate) fn beta(&self, id: SymbolId) -> f64 {
        self.model(id).beta
    }

    /// The model's own trades and volume of ticks `1 .. n` (no scenario applied): O(log n).
    pub(crate) fn model_counts_before(&self, id: SymbolId, n: u64) -> (u64, u128) {
        let Some(m) = n.checked_sub(1) else {
            return (0, 0);
        };
        let s = leaf(&self.joint(id), m).symbol;
        (s.trades.before, s.volume.before)
    }

    /// The configuration this market was built from.
    pub fn config(&self) -> &MarketConfig {
        &self.config
    }

    /// Tick and session arithmetic.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The number of symbols.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// Whether the market has no symbols (never true for a validated config).
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// Every symbol id, in configuration order.
    pub fn ids(&self) -> impl ExactSizeIterator<Item = SymbolId> + '_ {
        (0..self.models.len()).map(|i| SymbolId(i as u16))
    }

    /// Finds a symbol from user input, case-insensitively (`aapl` → AAPL).
    pub fn lookup(&self, text: &str) -> Option<SymbolId> {
        let symbol = Symbol::parse_loose(text).ok()?;
        self.by_symbol.get(&symbol).copied()
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "a validated market has at least one symbol"
    )]
    pub(crate) fn model(&self, id: SymbolId) -> &SymbolModel {
        // Ids are only minted by this market (`ids`, `lookup`), so they are in range; the
        // fallback to the first symbol keeps a foreign id from panicking.
        self.models.get(id.index()).unwrap_or(&self.models[0])
    }

    /// The calendar class of a symbol.
    #[expect(
        clippy::indexing_slicing,
        reason = "a market always has the class its symbols point at"
    )]
    pub(crate) fn class_of(&self, id: SymbolId) -> &Class {
        let model = self.model(id);
        self.classes.get(model.class).unwrap_or(&self.classes[0])
    }

    /// The number of calendar classes (one market factor each).
    pub(crate) fn class_count(&self) -> usize {
        self.classes.len()
    }

    /// The tree of a symbol together with its market factor.
    pub(crate) fn joint(&self, id: SymbolId) -> Joint<'_, true> {
        Joint {
            market: &self.class_of(id).factor,
            symbol: &self.model(id).tree,
        }
    }

    /// A symbol's tree without its volume, for prices alone.
    pub(crate) fn price_tree(&self, id: SymbolId) -> Joint<'_, false> {
        let Joint { market, symbol } = self.joint(id);
        Joint { market, symbol }
    }

    /// The leaf of a symbol's tick, volume included, by random access: O(log n).
    #[cfg(test)]
    pub(crate) fn leaf(&self, id: SymbolId, n: u64) -> JointNode {
        leaf(&self.joint(id), n)
    }

    /// The symbol of an id.
    pub fn symbol(&self, id: SymbolId) -> Symbol {
        self.model(id).info.symbol
    }

    /// Static information about a symbol.
    pub fn info(&self, id: SymbolId) -> &SymbolInfo {
        &self.model(id).info
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_rejects_unknowns() {
        let m = Market::new(MarketConfig::default()).unwrap();
        assert_eq!(m.lookup("tsla"), Some(SymbolId(4)));
        assert_eq!(m.lookup("NOPE"), None);
        assert_eq!(m.lookup("../../etc/passwd"), None);
    }
}
