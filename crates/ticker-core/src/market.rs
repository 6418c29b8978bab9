//! [`Market`]: a validated configuration turned into per-symbol models. Every price of every
//! symbol at every tick is a method call away, with no state and no history kept.

use std::collections::HashMap;
use std::sync::Arc;

use crate::activity::{Activity, SplitWeights};
use crate::calendar::{Calendar, CalendarKind};
use crate::clock::{Schedule, Seq};
use crate::config::{ConfigError, Exchanges, MarketConfig};
use crate::decimal::{Decimal, TickSize};
use crate::model::{
    leaf, Cursor, Joint, JointNode, Node, Parameters, Shared, SymbolNode, SymbolTree, TradeKeys,
    Walk, Weights,
};
use crate::noise;
use crate::quote::SymbolInfo;
use crate::scenario::{Counts, Plan};
use crate::symbol::{Symbol, SymbolId};
use crate::trade::Tape;

mod status;
mod ticks;

pub use status::{HaltStatus, TradingStatus};

const DAY_MS: f64 = 86_400_000.0;

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

/// An [`Activity`] that is a calendar's (the `us-equity` tables live for the whole process).
#[derive(Debug)]
struct CalendarActivity(&'static dyn Activity);

impl Activity for CalendarActivity {
    #[inline]
    fn variance_weight(&self, t0_ms: i64, t1_ms: i64) -> f64 {
        self.0.variance_weight(t0_ms, t1_ms)
    }

    #[inline]
    fn volume_weight(&self, t0_ms: i64, t1_ms: i64) -> f64 {
        self.0.volume_weight(t0_ms, t1_ms)
    }

    #[inline]
    fn trade_weight(&self, t0_ms: i64, t1_ms: i64) -> f64 {
        self.0.trade_weight(t0_ms, t1_ms)
    }

    #[inline]
    fn auctions(&self, t0_ms: i64, t1_ms: i64) -> u64 {
        self.0.auctions(t0_ms, t1_ms)
    }

    #[inline]
    fn variance_split(&self, t0_ms: i64, t1_ms: i64, t2_ms: i64) -> [f64; 2] {
        self.0.variance_split(t0_ms, t1_ms, t2_ms)
    }

    #[inline]
    fn split_weights(&self, t0_ms: i64, t1_ms: i64, t2_ms: i64) -> SplitWeights {
        self.0.split_weights(t0_ms, t1_ms, t2_ms)
    }
}

/// How the symbols of a market get their calendar classes.
enum Classes {
    /// Each symbol's configured calendar.
    PerSymbol,
    /// Every symbol on one activity (with 24/7 sessions): for models on any business time.
    One(Arc<dyn Activity>),
}

impl Market {
    /// Builds the market after validating the configuration: each symbol on its configured
    /// calendar (24/7 unless it says `us-equity`), the generated `universe` appended.
    pub fn new(config: MarketConfig) -> Result<Self, ConfigError> {
        Self::build(config, &Classes::PerSymbol)
    }

    /// Builds the market with every symbol on the business time of `activity`, with 24/7
    /// sessions: no movement and no volume where it has no weight.
    pub fn with_activity(
        config: MarketConfig,
        activity: Arc<dyn Activity>,
    ) -> Result<Self, ConfigError> {
        Self::build(config, &Classes::One(activity))
    }

    fn build(mut config: MarketConfig, how: &Classes) -> Result<Self, ConfigError> {
        config.validate()?;
        config.expand_universe();
        let schedule = Schedule::new(
            config.epoch_ms,
            config.interval_ms,
            config.session_ms,
            config.session_offset_ms,
        );
        let params = parameters(&config);
        let mut classes: Vec<Class> = Vec::new();
        // (class label, its index, the volume weight of an average session)
        let mut labels: Vec<(&'static str, usize, f64)> = Vec::new();
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
            let label = match how {
                Classes::PerSymbol => s.calendar.name(),
                Classes::One(_) => "calendar",
            };
            let (class, session_weight) = match labels.iter().find(|(l, _, _)| *l == label) {
                Some(&(_, class, weight)) => (class, weight),
                None => {
                    let sessions = Calendar::new(
                        CalendarKind::Always,
                        config.session_ms,
                        config.session_offset_ms,
                    );
                    let (calendar, weights) = match how {
                        Classes::One(activity) => (
                            sessions,
                            Weights::Calendar {
                                activity: activity.clone(),
                                epoch_ms: config.epoch_ms,
                                interval_ms: config.interval_ms as i64,
                            },
                        ),
                        Classes::PerSymbol if s.calendar == CalendarKind::Always => (
                            sessions,
                            Weights::Uniform {
                                interval_ms: config.interval_ms as f64,
                            },
                        ),
                        Classes::PerSymbol => {
                            let calendar = Calendar::new(
                                s.calendar,
                                config.session_ms,
                                config.session_offset_ms,
                            );
                            let activity: Arc<dyn Activity> =
                                Arc::new(CalendarActivity(calendar.activity()));
                            let weights = Weights::Calendar {
                                activity,
                                epoch_ms: config.epoch_ms,
                                interval_ms: config.interval_ms as i64,
                            };
                            (calendar, weights)
                        }
                    };
                    let weight = match how {
                        Classes::One(_) => config.session_ms as f64,
                        Classes::PerSymbol => calendar.mean_session_volume_weight(),
                    };
                    let shared = Arc::new(Shared::new(params, weights, config.interval_ms));
                    // The market factor of a class depends only on (seed, class); a symbol's
                    // walk only on (seed, symbol): adding or reordering symbols never changes
                    // another's prices.
                    let class_key = noise::fnv1a(format!("market:{label}").as_bytes());
                    classes.push(Class {
                        calendar,
                        factor: Walk::market(noise::derive_key(config.seed, class_key), shared),
                    });
                    labels.push((label, classes.len() - 1, weight));
                    (classes.len() - 1, weight)
                }
            };
            let factor = classes
                .get(class)
                .map(|c| &c.factor)
                .ok_or_else(|| invalid("no market factor for its calendar".to_owned()))?;
            let key = noise::derive_key(config.seed, noise::fnv1a(symbol.as_str().as_bytes()));
            let own = Walk::own(noise::derive_key(key, 3), factor.shared_arc(), factor);
            let volume_per_ms = s.avg_volume as f64 / session_weight.max(1.0);
            let info = SymbolInfo {
                symbol,
                name: s.display_name().to_owned(),
                reference_price: tick.round(s.reference_price),
                tick_size: tick.as_decimal(),
                decimals: tick.decimals(),
                volatility: s.volatility,
                spread_bps: s.spread_bps,
                avg_volume: s.avg_volume,
                calendar: s.calendar,
                tape: s.tape,
                avg_trade_size: s.avg_trade_size,
            };
            let k = |label| noise::derive_key(key, label);
            let trade_keys = TradeKeys {
                count: k(10),
                count_normal: k(11),
            };
            models.push(SymbolModel {
                reference: info.reference_price.to_f64(),
                info,
                tree: SymbolTree::new(
                    own,
                    s.beta,
                    volume_per_ms,
                    s.avg_trade_size as f64,
                    trade_keys,
                ),
                class,
                market_load: s.volatility * s.beta,
                own_load: s.volatility * libm::sqrt(1.0 - s.beta * s.beta),
                tick,
                spread: s.spread_bps / 10_000.0,
                depth_lots: (s.avg_volume as f64 / 5e6).clamp(1.0, 40.0),
                tape: s.tape,
                trade_size: s.avg_trade_size,
                keys: QuoteKeys {
                    spread: k(12),
                    sizes: k(13),
                    venues: k(14),
                    levels: k(15),
                    trade: k(16),
                },
                beta: s.beta,
                plan: Plan::default(),
            });
            by_symbol.insert(symbol, SymbolId(i as u16));
        }
        let mut market = Self {
            exchanges: Exchanges::new(&config.exchanges),
            config,
            schedule,
            classes,
            models,
            by_symbol,
        };
        // The plans' constants are the model's own values, so they are computed before any
        // plan is in place.
        let plans = market.plans()?;
        for (model, plan) in market.models.iter_mut().zip(plans) {
            model.plan = plan;
        }
        Ok(market)
    }

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

    /// The model price at a tick, by random access: O(log n). It is the last trade's price
    /// whenever the tick has trades ([`Market::last_price`] is the quote's `price`, which a
    /// tick without trades carries over).
    pub fn price(&self, id: SymbolId, seq: Seq) -> Decimal {
        let m = self.model(id);
        m.price_of(m.offset(seq.0, &leaf(&self.price_tree(id), seq.0)))
    }

    /// The unrounded log-price offset `ln(price / reference)` at a tick, by random access.
    pub fn log_offset(&self, id: SymbolId, seq: Seq) -> f64 {
        self.model(id)
            .offset(seq.0, &leaf(&self.price_tree(id), seq.0))
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
            self.model.offset(self.cursor.tick(), &self.cursor.leaf()),
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
