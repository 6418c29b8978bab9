//! Validation of a [`MarketConfig`]: every field against its documented range, each failure
//! one line naming the field and the value.

use std::collections::HashMap;
use std::fmt;

use super::{ConfigError, MarketConfig, SymbolConfig, MAX_SYMBOLS};
use crate::calendar::{self, CalendarKind};
use crate::decimal::{TickSize, MAX_DECIMALS};
use crate::symbol::Symbol;
use crate::time::{format_rfc3339, MAX_TIME_MS, MIN_TIME_MS};

const MAX_INTERVAL_MS: u64 = 3_600_000;
const MAX_SESSION_MS: u64 = 7 * 86_400_000;
const MAX_PRICE: f64 = 1e9;
const MAX_AVG_VOLUME: u64 = 1_000_000_000_000;
const MAX_TRADE_SIZE: u64 = 1_000_000;
/// The most of a symbol's variance jumps may carry; the diffusion carries the rest.
const MAX_JUMP_VARIANCE: f64 = 0.5;

pub(super) fn invalid(field: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field: field.into(),
        problem: problem.into(),
    }
}

/// Checks `lo ≤ value ≤ hi` for an integer field.
fn check_range<T>(field: &str, value: T, lo: T, hi: T) -> Result<(), ConfigError>
where
    T: PartialOrd + fmt::Display + Copy,
{
    if value < lo {
        return Err(invalid(
            field,
            format!("{value} is below the minimum of {lo}"),
        ));
    }
    if value > hi {
        return Err(invalid(
            field,
            format!("{value} is above the maximum of {hi}"),
        ));
    }
    Ok(())
}

/// Checks a float field is finite and within `[lo, hi]` (`lo` exclusive when `open_lo`).
pub(super) fn check_float(
    field: &str,
    value: f64,
    lo: f64,
    open_lo: bool,
    hi: f64,
) -> Result<(), ConfigError> {
    if !value.is_finite() {
        return Err(invalid(field, format!("{value} is not a finite number")));
    }
    if open_lo && value <= lo {
        return Err(invalid(field, format!("{value} must be greater than {lo}")));
    }
    check_range(field, value, lo, hi)
}

impl MarketConfig {
    /// Checks every field; the error names the first offending field and its value.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_range("interval_ms", self.interval_ms, 1, MAX_INTERVAL_MS)?;
        check_range("epoch", self.epoch_ms, MIN_TIME_MS, MAX_TIME_MS)?;
        check_range(
            "session_ms",
            self.session_ms,
            self.interval_ms.max(60_000),
            MAX_SESSION_MS,
        )?;
        check_range(
            "session_offset_ms",
            self.session_offset_ms,
            -(self.session_ms as i64),
            self.session_ms as i64,
        )?;
        self.validate_model()?;
        super::exchanges::validate(&self.exchanges)?;
        self.clock.validate()?;
        self.validate_scenarios()?;
        check_range("universe", self.universe, 0, MAX_SYMBOLS)?;
        if self.symbols.is_empty() && self.universe == 0 {
            return Err(invalid("symbols", "the symbol list is empty"));
        }
        if self.symbols.len() + self.universe > MAX_SYMBOLS {
            return Err(invalid(
                "symbols",
                format!(
                    "{} configured and {} generated symbols is above the maximum of {MAX_SYMBOLS}",
                    self.symbols.len(),
                    self.universe
                ),
            ));
        }
        self.check_calendar_range()?;
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, s) in self.symbols.iter().enumerate() {
            s.validate(i)?;
            if let Some(first) = seen.insert(s.symbol.as_str(), i) {
                return Err(invalid(
                    format!("symbols[{i}].symbol"),
                    format!("{:?} duplicates symbols[{first}]", s.symbol),
                ));
            }
        }
        Ok(())
    }
}

impl MarketConfig {
    /// Each scenario's events against their kinds, unique names, and a selection that
    /// exists (the symbols and times are checked when the market is built).
    fn validate_scenarios(&self) -> Result<(), ConfigError> {
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (i, s) in self.scenarios.iter().enumerate() {
            s.check()
                .map_err(|(field, problem)| invalid(format!("scenarios[{i}].{field}"), problem))?;
            if crate::scenario::builtin::NAMES.contains(&s.name.as_str()) {
                return Err(invalid(
                    format!("scenarios[{i}].name"),
                    format!("{:?} is the name of a built-in scenario", s.name),
                ));
            }
            if let Some(first) = names.insert(s.name.as_str(), i) {
                return Err(invalid(
                    format!("scenarios[{i}].name"),
                    format!("{:?} duplicates scenarios[{first}]", s.name),
                ));
            }
        }
        if let Some(name) = &self.scenario {
            let known = names.contains_key(name.as_str())
                || crate::scenario::builtin::NAMES.contains(&name.as_str());
            if !known {
                let mut all: Vec<&str> = names.keys().copied().collect();
                all.sort_unstable();
                all.extend(crate::scenario::builtin::NAMES);
                return Err(invalid(
                    "scenario",
                    format!(
                        "{name:?} is neither a built-in scenario nor one of `scenarios` (known: {})",
                        all.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Exchange calendars end with their tables: a market whose first tick is after them would
    /// never open.
    fn check_calendar_range(&self) -> Result<(), ConfigError> {
        let user = self
            .symbols
            .iter()
            .enumerate()
            .find(|(_, s)| s.calendar == CalendarKind::UsEquity)
            .map(|(i, s)| format!("symbols[{i}] {:?}", s.symbol));
        let generated = (self.universe > 0 && self.universe_calendar == CalendarKind::UsEquity)
            .then(|| "the generated universe".to_owned());
        let Some(whose) = user.or(generated) else {
            return Ok(());
        };
        let last = calendar::Date::from_ymd(calendar::LAST_YEAR, 12, 31)
            .map_or(i64::MAX, |d| d.add_days(1).utc_midnight_ms());
        if self.epoch_ms >= last {
            return Err(invalid(
                "epoch",
                format!(
                    "{} is after {}-12-31, the last day of the `us-equity` calendar of {whose}",
                    format_rfc3339(self.epoch_ms),
                    calendar::LAST_YEAR,
                ),
            ));
        }
        Ok(())
    }

    /// The return model's parameters (docs/model.md).
    fn validate_model(&self) -> Result<(), ConfigError> {
        let checks: [(&str, f64, f64, bool, f64); 10] = [
            (
                "mean_reversion_half_life_days",
                self.mean_reversion_half_life_days,
                0.0,
                true,
                36_525.0,
            ),
            (
                "volatility_intermittency",
                self.volatility_intermittency,
                0.0,
                false,
                0.5,
            ),
            (
                "volatility_integral_scale_days",
                self.volatility_integral_scale_days,
                0.0,
                false,
                36_525.0,
            ),
            (
                "volatility_market_share",
                self.volatility_market_share,
                0.0,
                false,
                1.0,
            ),
            ("leverage", self.leverage, 0.0, false, 0.95),
            (
                "jump_rate_per_year",
                self.jump_rate_per_year,
                0.0,
                false,
                1000.0,
            ),
            ("jump_mean", self.jump_mean, -1.0, false, 1.0),
            ("jump_sd", self.jump_sd, 0.0, false, 1.0),
            (
                "jump_volatility_boost",
                self.jump_volatility_boost,
                0.0,
                false,
                100.0,
            ),
            (
                "jump_boost_decay_days",
                self.jump_boost_decay_days,
                0.0,
                true,
                3652.5,
            ),
        ];
        for (field, value, lo, open_lo, hi) in checks {
            check_float(field, value, lo, open_lo, hi)?;
        }
        let share = self.jump_rate_per_year
            * (self.jump_mean * self.jump_mean + self.jump_sd * self.jump_sd);
        if share > MAX_JUMP_VARIANCE {
            return Err(invalid(
                "jump_rate_per_year",
                format!(
                    "jumps would carry {share:.3} of the variance (rate × (mean² + sd²)); \
                     at most {MAX_JUMP_VARIANCE}"
                ),
            ));
        }
        Ok(())
    }
}

impl SymbolConfig {
    pub(super) fn validate(&self, i: usize) -> Result<(), ConfigError> {
        let field = |name: &str| format!("symbols[{i}].{name}");
        Symbol::parse(&self.symbol)
            .map_err(|e| invalid(field("symbol"), format!("{:?}: {e}", self.symbol)))?;
        if self.name.chars().count() > 100 || self.name.chars().any(char::is_control) {
            return Err(invalid(
                field("name"),
                format!("{:?} must be at most 100 printable characters", self.name),
            ));
        }
        check_float(
            &field("reference_price"),
            self.reference_price,
            0.0,
            true,
            MAX_PRICE,
        )?;
        check_float(&field("volatility"), self.volatility, 0.0, false, 10.0)?;
        check_float(&field("spread_bps"), self.spread_bps, 0.0, false, 10_000.0)?;
        check_float(
            &field("tick_size"),
            self.tick_size,
            0.0,
            true,
            self.reference_price,
        )?;
        if TickSize::from_f64(self.tick_size).is_none() {
            return Err(invalid(
                field("tick_size"),
                format!(
                    "{} is not a multiple of 0.{:0>width$}",
                    self.tick_size,
                    1,
                    width = usize::from(MAX_DECIMALS)
                ),
            ));
        }
        check_range(&field("avg_volume"), self.avg_volume, 0, MAX_AVG_VOLUME)?;
        check_range(
            &field("avg_trade_size"),
            self.avg_trade_size,
            1,
            MAX_TRADE_SIZE,
        )?;
        check_float(&field("beta"), self.beta, -1.0, false, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(cfg: &MarketConfig) -> String {
        cfg.validate().unwrap_err().to_string()
    }

    #[test]
    fn each_bad_field_is_named_with_its_value() {
        let base = MarketConfig::default();
        type Mutation = Box<dyn Fn(&mut MarketConfig)>;
        let cases: Vec<(Mutation, &str)> = vec![
            (
                Box::new(|c| c.interval_ms = 0),
                "config field `interval_ms`: 0 is below the minimum of 1",
            ),
            (
                Box::new(|c| c.interval_ms = 3_600_001),
                "config field `interval_ms`: 3600001 is above the maximum of 3600000",
            ),
            (
                Box::new(|c| c.symbols.clear()),
                "config field `symbols`: the symbol list is empty",
            ),
            (
                Box::new(|c| c.symbols[1].symbol = "AAPL".into()),
                "config field `symbols[1].symbol`: \"AAPL\" duplicates symbols[0]",
            ),
            (
                Box::new(|c| c.symbols[2].symbol = "ms ft".into()),
                "config field `symbols[2].symbol`: \"ms ft\": ' ' is not allowed in a symbol (use A-Z, 0-9, '.' and '-')",
            ),
            (
                Box::new(|c| c.symbols[2].symbol = "msft".into()),
                "config field `symbols[2].symbol`: \"msft\": symbols are upper-case, e.g. `MSFT`",
            ),
            (
                Box::new(|c| c.symbols[0].symbol = "ABCDEFGHIJKLM".into()),
                "config field `symbols[0].symbol`: \"ABCDEFGHIJKLM\": a symbol has at most 12 characters, this one has 13",
            ),
            (
                Box::new(|c| c.symbols[3].reference_price = 0.0),
                "config field `symbols[3].reference_price`: 0 must be greater than 0",
            ),
            (
                Box::new(|c| c.symbols[3].reference_price = -5.0),
                "config field `symbols[3].reference_price`: -5 must be greater than 0",
            ),
            (
                Box::new(|c| c.symbols[4].volatility = -0.1),
                "config field `symbols[4].volatility`: -0.1 is below the minimum of 0",
            ),
            (
                Box::new(|c| c.symbols[4].volatility = f64::NAN),
                "config field `symbols[4].volatility`: NaN is not a finite number",
            ),
            (
                Box::new(|c| c.symbols[0].tick_size = 0.00001),
                "config field `symbols[0].tick_size`: 0.00001 is not a multiple of 0.0001",
            ),
            (
                Box::new(|c| c.mean_reversion_half_life_days = 0.0),
                "config field `mean_reversion_half_life_days`: 0 must be greater than 0",
            ),
            (
                Box::new(|c| c.mean_reversion_half_life_days = 40_000.0),
                "config field `mean_reversion_half_life_days`: 40000 is above the maximum of 36525",
            ),
            (
                Box::new(|c| c.volatility_intermittency = 0.6),
                "config field `volatility_intermittency`: 0.6 is above the maximum of 0.5",
            ),
            (
                Box::new(|c| c.volatility_integral_scale_days = -1.0),
                "config field `volatility_integral_scale_days`: -1 is below the minimum of 0",
            ),
            (
                Box::new(|c| c.volatility_market_share = 1.5),
                "config field `volatility_market_share`: 1.5 is above the maximum of 1",
            ),
            (
                Box::new(|c| c.leverage = -0.1),
                "config field `leverage`: -0.1 is below the minimum of 0",
            ),
            (
                Box::new(|c| c.leverage = f64::INFINITY),
                "config field `leverage`: inf is not a finite number",
            ),
            (
                Box::new(|c| c.jump_rate_per_year = -2.0),
                "config field `jump_rate_per_year`: -2 is below the minimum of 0",
            ),
            (
                Box::new(|c| c.jump_rate_per_year = 100.0),
                "config field `jump_rate_per_year`: jumps would carry 0.520 of the variance (rate × (mean² + sd²)); at most 0.5",
            ),
            (
                Box::new(|c| c.jump_mean = -1.5),
                "config field `jump_mean`: -1.5 is below the minimum of -1",
            ),
            (
                Box::new(|c| c.jump_sd = f64::NAN),
                "config field `jump_sd`: NaN is not a finite number",
            ),
            (
                Box::new(|c| c.jump_volatility_boost = 101.0),
                "config field `jump_volatility_boost`: 101 is above the maximum of 100",
            ),
            (
                Box::new(|c| c.jump_boost_decay_days = 0.0),
                "config field `jump_boost_decay_days`: 0 must be greater than 0",
            ),
            (
                Box::new(|c| c.symbols[2].beta = 1.2),
                "config field `symbols[2].beta`: 1.2 is above the maximum of 1",
            ),
            (
                Box::new(|c| c.session_ms = 1000),
                "config field `session_ms`: 1000 is below the minimum of 60000",
            ),
        ];
        for (mutate, want) in cases {
            let mut cfg = base.clone();
            mutate(&mut cfg);
            assert_eq!(problem(&cfg), want);
        }
    }

    #[test]
    fn an_exchange_calendar_needs_an_epoch_it_covers() {
        let mut cfg = MarketConfig {
            epoch_ms: crate::time::parse_time("2101-01-01T00:00:00Z").unwrap(),
            ..MarketConfig::default()
        };
        cfg.validate().unwrap();
        cfg.symbols[2].calendar = CalendarKind::UsEquity;
        assert_eq!(
            problem(&cfg),
            "config field `epoch`: 2101-01-01T00:00:00Z is after 2100-12-31, the last day of the `us-equity` calendar of symbols[2] \"MSFT\""
        );
        cfg.epoch_ms = crate::time::parse_time("2100-12-31T23:59:59Z").unwrap();
        cfg.validate().unwrap();
    }
}
