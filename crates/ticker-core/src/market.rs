//! [`Market`]: a validated configuration turned into per-symbol models. Every price of every
//! symbol at every tick is a method call away, with no state and no history kept.

use std::collections::HashMap;
use std::sync::Arc;

use crate::activity::Activity;
use crate::clock::{Schedule, Seq};
use crate::config::{ConfigError, MarketConfig};
use crate::decimal::{Decimal, TickSize};
use crate::model::{
    leaf, Cursor, Joint, JointNode, Node, Parameters, Shared, SymbolNode, SymbolTree, Walk, Weights,
};
use crate::noise;
use crate::quote::SymbolInfo;
use crate::symbol::{Symbol, SymbolId};

const DAY_MS: f64 = 86_400_000.0;

/// One symbol's models and constants.
#[derive(Debug, Clone)]
pub(crate) struct SymbolModel {
    pub(crate) info: SymbolInfo,
    /// The symbol's own walk and volume.
    pub(crate) tree: SymbolTree,
    /// Index of its activity class's market factor in [`Market::factors`].
    factor: usize,
    /// `σ·β` and `σ·√(1−β²)`: the log-price is `market_load·M + own_load·E`.
    market_load: f64,
    own_load: f64,
    reference: f64,
    pub(crate) tick: TickSize,
    half_spread: f64,
}

impl SymbolModel {
    /// The log-price offset `ln(price / reference)` at a joint leaf.
    #[inline]
    pub(crate) fn offset(&self, node: &JointNode) -> f64 {
        self.market_load * node.market.x_lo + self.own_load * node.symbol.own.x_lo
    }

    /// The log-price offset from the market factor's and the symbol's leaves.
    #[inline]
    pub(crate) fn offset_of(&self, market: &Node, symbol: &SymbolNode) -> f64 {
        self.market_load * market.x_lo + self.own_load * symbol.own.x_lo
    }

    /// The price for a log-price offset `x`: `reference × e^x` on the tick grid.
    pub(crate) fn price_of(&self, x: f64) -> Decimal {
        self.tick.round(self.reference * libm::exp(x))
    }

    /// Bid and ask around a price: half the spread each side, at least one tick.
    pub(crate) fn bid_ask(&self, price: Decimal) -> (Decimal, Decimal) {
        let tick = self.tick.units();
        let scale = crate::decimal::pow10(self.tick.decimals()) as f64;
        let half_ticks = (price.to_f64() * self.half_spread * scale / tick as f64).round();
        let half = (half_ticks as i64).max(1).saturating_mul(tick);
        let d = price.decimals();
        (
            Decimal::new((price.units() - half).max(tick), d),
            Decimal::new(price.units().saturating_add(half), d),
        )
    }
}

/// The whole market model: schedule, one market factor per activity class and one model per
/// symbol. Cheap to share (`Arc`), with no interior mutability: every method is a pure
/// function of its arguments.
#[derive(Debug, Clone)]
pub struct Market {
    config: MarketConfig,
    schedule: Schedule,
    factors: Vec<Walk>,
    models: Vec<SymbolModel>,
    by_symbol: HashMap<Symbol, SymbolId>,
}

/// The model parameters of a validated configuration.
fn parameters(config: &MarketConfig) -> Parameters {
    Parameters {
        half_life_years: config.mean_reversion_half_life_days / 365.25,
        intermittency: config.volatility_intermittency,
        integral_scale_ms: config.volatility_integral_scale_days * DAY_MS,
        market_share: config.volatility_market_share,
        leverage: config.leverage,
        jump_rate: config.jump_rate_per_year,
        jump_mean: config.jump_mean,
        jump_sd: config.jump_sd,
        boost: config.jump_volatility_boost,
        boost_decay_years: config.jump_boost_decay_days / 365.25,
    }
}

impl Market {
    /// Builds the market after validating the configuration. Every symbol trades around the
    /// clock ([`crate::Uniform`] activity).
    pub fn new(config: MarketConfig) -> Result<Self, ConfigError> {
        let weights = Weights::Uniform {
            interval_ms: config.interval_ms as f64,
        };
        Self::build(config, "always", weights)
    }

    /// Builds the market with every symbol on the business time of `activity` (a calendar):
    /// no movement and no volume where it has no weight.
    pub fn with_activity(
        config: MarketConfig,
        activity: Arc<dyn Activity>,
    ) -> Result<Self, ConfigError> {
        let weights = Weights::Calendar {
            activity,
            epoch_ms: config.epoch_ms,
            interval_ms: config.interval_ms as i64,
        };
        Self::build(config, "calendar", weights)
    }

    fn build(config: MarketConfig, class: &str, weights: Weights) -> Result<Self, ConfigError> {
        config.validate()?;
        let schedule = Schedule::new(
            config.epoch_ms,
            config.interval_ms,
            config.session_ms,
            config.session_offset_ms,
        );
        let shared = Arc::new(Shared::new(
            parameters(&config),
            weights,
            config.interval_ms,
        ));
        // The market factor of a class depends only on (seed, class); a symbol's walk only on
        // (seed, symbol): adding or reordering symbols never changes another's prices.
        let class_key = noise::fnv1a(format!("market:{class}").as_bytes());
        let factors = vec![Walk::market(
            noise::derive_key(config.seed, class_key),
            shared.clone(),
        )];
        let mut models = Vec::with_capacity(config.symbols.len());
        let mut by_symbol = HashMap::with_capacity(config.symbols.len());
        for (i, s) in config.symbols.iter().enumerate() {
            let invalid = |problem: String| ConfigError::Invalid {
                field: format!("symbols[{i}]"),
                problem,
            };
            let symbol = Symbol::parse(&s.symbol).map_err(|e| invalid(e.to_string()))?;
            let tick = TickSize::from_f64(s.tick_size)
                .ok_or_else(|| invalid(format!("bad tick size {}", s.tick_size)))?;
            let key = noise::derive_key(config.seed, noise::fnv1a(symbol.as_str().as_bytes()));
            // One activity class for now: every symbol follows the first market factor.
            let factor = 0;
            let market_walk = factors
                .get(factor)
                .ok_or_else(|| invalid("no market factor for its activity".to_owned()))?;
            let own = Walk::own(noise::derive_key(key, 3), shared.clone(), market_walk);
            let volume_per_ms = s.avg_volume as f64 / config.session_ms as f64;
            let info = SymbolInfo {
                symbol,
                name: s.display_name().to_owned(),
                reference_price: tick.round(s.reference_price),
                tick_size: tick.as_decimal(),
                decimals: tick.decimals(),
                volatility: s.volatility,
                spread_bps: s.spread_bps,
                avg_volume: s.avg_volume,
            };
            models.push(SymbolModel {
                reference: info.reference_price.to_f64(),
                info,
                tree: SymbolTree::new(own, s.beta, volume_per_ms),
                factor,
                market_load: s.volatility * s.beta,
                own_load: s.volatility * libm::sqrt(1.0 - s.beta * s.beta),
                tick,
                half_spread: s.spread_bps / 20_000.0,
            });
            by_symbol.insert(symbol, SymbolId(i as u16));
        }
        Ok(Self {
            config,
            schedule,
            factors,
            models,
            by_symbol,
        })
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

    /// The tree of a symbol together with its market factor.
    #[expect(
        clippy::indexing_slicing,
        reason = "a market always has the factor its symbols point at"
    )]
    pub(crate) fn joint(&self, id: SymbolId) -> Joint<'_, true> {
        let model = self.model(id);
        Joint {
            market: self.factors.get(model.factor).unwrap_or(&self.factors[0]),
            symbol: &model.tree,
        }
    }

    /// A symbol's tree without its volume, for prices alone.
    pub(crate) fn price_tree(&self, id: SymbolId) -> Joint<'_, false> {
        let Joint { market, symbol } = self.joint(id);
        Joint { market, symbol }
    }

    /// The leaf of a symbol's tick, volume included, by random access: O(log n).
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

    /// The price at a tick, by random access: O(log n).
    pub fn price(&self, id: SymbolId, seq: Seq) -> Decimal {
        let m = self.model(id);
        m.price_of(m.offset(&leaf(&self.price_tree(id), seq.0)))
    }

    /// The volume traded in ticks `[from, end)`: O(log n).
    pub fn volume_between(&self, id: SymbolId, from: Seq, end: Seq) -> u64 {
        let cumulative = |n: Seq| self.leaf(id, n.0).symbol.volume.before;
        let total = cumulative(end).saturating_sub(cumulative(from));
        u64::try_from(total).unwrap_or(u64::MAX)
    }

    /// The unrounded log-price offset `ln(price / reference)` at a tick, by random access.
    pub fn log_offset(&self, id: SymbolId, seq: Seq) -> f64 {
        self.model(id).offset(&leaf(&self.price_tree(id), seq.0))
    }

    /// Consecutive ticks of one symbol from `from` on, as `(seq, log offset)`: amortised O(1)
    /// per tick and bit-identical to [`Market::log_offset`].
    pub fn log_offsets(&self, id: SymbolId, from: Seq) -> LogOffsets<'_> {
        let joint = self.price_tree(id);
        LogOffsets {
            model: self.model(id),
            joint,
            cursor: Cursor::new(&joint, from.0, |_| ()),
            started: false,
        }
    }

    /// Consecutive prices of one symbol from `from` on: amortised O(1) per tick.
    pub fn prices(&self, id: SymbolId, from: Seq) -> impl Iterator<Item = (Seq, Decimal)> + '_ {
        let model = self.model(id);
        self.log_offsets(id, from)
            .map(move |(seq, x)| (seq, model.price_of(x)))
    }
}

/// Iterator returned by [`Market::log_offsets`].
pub struct LogOffsets<'a> {
    model: &'a SymbolModel,
    joint: Joint<'a, false>,
    cursor: Cursor<JointNode>,
    started: bool,
}

impl Iterator for LogOffsets<'_> {
    type Item = (Seq, f64);

    #[inline]
    fn next(&mut self) -> Option<(Seq, f64)> {
        if self.started {
            let before = self.cursor.tick();
            self.cursor.advance(&self.joint, |_| ());
            if self.cursor.tick() == before {
                return None; // the end of the representable ticks
            }
        }
        self.started = true;
        Some((
            Seq(self.cursor.tick()),
            self.model.offset(&self.cursor.leaf()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_zero_is_the_reference_price() {
        let m = Market::new(MarketConfig::default()).unwrap();
        for id in m.ids() {
            assert_eq!(m.price(id, Seq(0)), m.info(id).reference_price);
        }
    }

    #[test]
    fn lookup_is_case_insensitive_and_rejects_unknowns() {
        let m = Market::new(MarketConfig::default()).unwrap();
        assert_eq!(m.lookup("tsla"), Some(SymbolId(4)));
        assert_eq!(m.lookup("NOPE"), None);
        assert_eq!(m.lookup("../../etc/passwd"), None);
    }

    #[test]
    fn bid_and_ask_straddle_the_price_by_at_least_a_tick() {
        let m = Market::new(MarketConfig::default()).unwrap();
        let model = m.model(SymbolId(0));
        let (bid, ask) = model.bid_ask(Decimal::new(15045, 2));
        // 2 bps of 150.45 is 0.03; half of it rounds to 2 ticks.
        assert_eq!((bid, ask), (Decimal::new(15043, 2), Decimal::new(15047, 2)));
        let (bid, ask) = model.bid_ask(Decimal::new(100, 2));
        assert_eq!((bid, ask), (Decimal::new(99, 2), Decimal::new(101, 2)));
    }

    /// Every field of every node (the market factor, the symbol's walk, its jumps, variance
    /// and volume) is the same by cursor and by random access, at ticks up to 2^40.
    #[test]
    fn cursor_matches_random_access_in_every_field() {
        let m = Market::new(MarketConfig::default()).unwrap();
        let mut x = 0x1234_5678_9ABC_DEF0u64;
        for round in 0..60 {
            x = noise::mix64(x);
            let start = if round < 8 { round * 7 } else { x % (1 << 40) };
            let id = SymbolId((x >> 50) as u16 % 5);
            let joint = m.joint(id);
            let mut c = Cursor::new(&joint, start, |_| ());
            for _ in 0..700 {
                assert_eq!(c.leaf(), m.leaf(id, c.tick()), "{id:?} tick {}", c.tick());
                c.advance(&joint, |_| ());
            }
        }
        // Across the first spine blocks, where the cursor changes blocks often.
        let joint = m.joint(SymbolId(4));
        let mut c = Cursor::new(&joint, 0, |_| ());
        for _ in 0..20_000 {
            assert_eq!(c.leaf(), m.leaf(SymbolId(4), c.tick()));
            c.advance(&joint, |_| ());
        }
        // The descents above split jumps: the spine blocks of the sampled ticks hold many.
        use crate::model::tree::Tree;
        assert!(joint.root(30).market.k > 10 && joint.root(30).symbol.own.k > 10);
    }

    #[test]
    fn a_symbols_prices_do_not_depend_on_the_other_symbols() {
        let full = Market::new(MarketConfig::default()).unwrap();
        let mut cfg = MarketConfig::default();
        cfg.retain_symbols(&["TSLA".into()]).unwrap();
        let alone = Market::new(cfg).unwrap();
        for n in [1, 1000, 123_456_789] {
            assert_eq!(
                full.price(SymbolId(4), Seq(n)),
                alone.price(SymbolId(0), Seq(n))
            );
        }
    }
}
