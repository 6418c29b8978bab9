//! Building a [`Market`] from a validated configuration: one market factor per calendar
//! class, one model per symbol, each keyed only by (seed, class) or (seed, symbol), then the
//! scenario's plans laid over them.

use std::collections::HashMap;
use std::sync::Arc;

use crate::activity::{Activity, SplitWeights};
use crate::aggregate::{BlockCache, DEFAULT_CACHE_BYTES};
use crate::calendar::{Calendar, CalendarKind};
use crate::clock::Schedule;
use crate::config::{ConfigError, Exchanges, MarketConfig};
use crate::decimal::TickSize;
use crate::model::{Parameters, Shared, SymbolTree, TradeKeys, Walk, Weights};
use crate::noise;
use crate::quote::SymbolInfo;
use crate::scenario::Plan;
use crate::symbol::{Symbol, SymbolId};

use super::{Class, Market, QuoteKeys, SymbolModel};

const DAY_MS: f64 = 86_400_000.0;

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
            blocks: Arc::new(BlockCache::new(0)),
        };
        // The plans' constants are the model's own values, so they are computed before any
        // plan is in place.
        let plans = market.plans()?;
        for (model, plan) in market.models.iter_mut().zip(plans) {
            model.plan = plan;
        }
        // Created once the plans are in place: nothing computed before may be remembered.
        market.blocks = Arc::new(BlockCache::new(DEFAULT_CACHE_BYTES));
        Ok(market)
    }

    /// This market with a history cache of about `bytes` (default [`DEFAULT_CACHE_BYTES`];
    /// 0 disables it, which changes no result, only the time long ranges take).
    pub fn with_history_cache(mut self, bytes: usize) -> Self {
        self.blocks = Arc::new(BlockCache::new(bytes));
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::clock::Seq;
    use crate::config::MarketConfig;
    use crate::symbol::SymbolId;

    use super::Market;

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
