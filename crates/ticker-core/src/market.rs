//! [`Market`]: a validated configuration turned into per-symbol models. Every price of every
//! symbol at every tick is a method call away, with no state and no history kept.

use std::collections::HashMap;

use crate::clock::{Schedule, Seq};
use crate::config::{ConfigError, MarketConfig};
use crate::decimal::{Decimal, TickSize};
use crate::model::{Cursor, PriceWalk, VolumeTree};
use crate::noise;
use crate::quote::SymbolInfo;
use crate::symbol::{Symbol, SymbolId};

/// Milliseconds in a year of continuous trading (365.25 days): volatility is annualised over
/// calendar time because the simulated market never closes.
const YEAR_MS: f64 = 365.25 * 86_400_000.0;

/// One symbol's models and constants.
#[derive(Debug, Clone)]
pub(crate) struct SymbolModel {
    pub(crate) info: SymbolInfo,
    pub(crate) walk: PriceWalk,
    pub(crate) volume: VolumeTree,
    reference: f64,
    pub(crate) tick: TickSize,
    half_spread: f64,
}

impl SymbolModel {
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

/// The whole market model: schedule plus one model per symbol. Cheap to share (`Arc`), with
/// no interior mutability: every method is a pure function of its arguments.
#[derive(Debug, Clone)]
pub struct Market {
    config: MarketConfig,
    schedule: Schedule,
    models: Vec<SymbolModel>,
    by_symbol: HashMap<Symbol, SymbolId>,
}

impl Market {
    /// Builds the market after validating the configuration.
    pub fn new(config: MarketConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let schedule = Schedule::new(
            config.epoch_ms,
            config.interval_ms,
            config.session_ms,
            config.session_offset_ms,
        );
        let interval = config.interval_ms as f64;
        let half_life_ticks = config.mean_reversion_half_life_days * 86_400_000.0 / interval;
        let theta = core::f64::consts::LN_2 / half_life_ticks;
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
            // Each symbol's streams depend only on (seed, symbol): adding or reordering other
            // symbols never changes its prices.
            let key = noise::derive_key(config.seed, noise::fnv1a(symbol.as_str().as_bytes()));
            let sigma = s.volatility * libm::sqrt(interval / YEAR_MS);
            let volume_per_tick = s.avg_volume as f64 * interval / config.session_ms as f64;
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
                walk: PriceWalk::new(noise::derive_key(key, 1), sigma, theta),
                volume: VolumeTree::new(noise::derive_key(key, 2), volume_per_tick),
                tick,
                half_spread: s.spread_bps / 20_000.0,
            });
            by_symbol.insert(symbol, SymbolId(i as u16));
        }
        Ok(Self {
            config,
            schedule,
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
        m.price_of(m.walk.x(seq.0))
    }

    /// The volume traded in ticks `[from, end)`: O(log n).
    pub fn volume_between(&self, id: SymbolId, from: Seq, end: Seq) -> u64 {
        let v = &self.model(id).volume;
        let total = v.cumulative(end.0).saturating_sub(v.cumulative(from.0));
        u64::try_from(total).unwrap_or(u64::MAX)
    }

    /// The unrounded log-price offset `ln(price / reference)` at a tick, by random access.
    pub fn log_offset(&self, id: SymbolId, seq: Seq) -> f64 {
        self.model(id).walk.x(seq.0)
    }

    /// Consecutive ticks of one symbol from `from` on, as `(seq, log offset)`: amortised O(1)
    /// per tick and bit-identical to [`Market::log_offset`].
    pub fn log_offsets(&self, id: SymbolId, from: Seq) -> LogOffsets<'_> {
        let walk = &self.model(id).walk;
        LogOffsets {
            walk,
            cursor: Cursor::new(walk, from.0),
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
    walk: &'a PriceWalk,
    cursor: Cursor<PriceWalk>,
    started: bool,
}

impl Iterator for LogOffsets<'_> {
    type Item = (Seq, f64);

    #[inline]
    fn next(&mut self) -> Option<(Seq, f64)> {
        if self.started {
            let before = self.cursor.tick();
            self.cursor.advance(self.walk);
            if self.cursor.tick() == before {
                return None; // the end of the representable ticks
            }
        }
        self.started = true;
        Some((Seq(self.cursor.tick()), self.cursor.leaf().lo))
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
