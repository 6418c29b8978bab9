//! The market configuration shared by every service: the seed, the tick schedule and the
//! symbols. Built-in defaults reproduce the classic five-symbol mock; a JSON file, `TICKER_*`
//! environment variables and command-line flags override them in that order (see
//! [`MarketArgs`](crate::MarketArgs)). Every field is documented in `docs/config.md`.
//! The [`ClockConfig`] (`clock`) rides along: it decides which tick is "now", not any price.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::calendar::CalendarKind;
use crate::scenario::Scenario;
use crate::time::{format_rfc3339, parse_time};
use crate::trade::Tape;

mod clock;
mod exchanges;
mod validate;

pub use clock::{Anchor, ClockConfig, MAX_CLOCK_SPEED, MIN_CLOCK_SPEED};
pub use exchanges::ExchangeConfig;
pub(crate) use exchanges::Exchanges;
use validate::invalid;

/// The default seed: two processes started with defaults produce the same market.
pub const DEFAULT_SEED: u64 = 42;
/// The default epoch, tick 0: 2024-01-01T00:00:00Z.
pub const DEFAULT_EPOCH_MS: i64 = 1_704_067_200_000;
/// The default tick interval: one second.
pub const DEFAULT_INTERVAL_MS: u64 = 1000;
/// The default session length: one UTC day.
pub const DEFAULT_SESSION_MS: u64 = 86_400_000;
/// The default half-life of deviations from the reference price: five years of business time,
/// so weeks to months are a random walk and prices stay plausible for decades.
pub const DEFAULT_HALF_LIFE_DAYS: f64 = 1826.25;
/// The most symbols one market may have, configured and generated (`universe`) together.
pub const MAX_SYMBOLS: usize = 10_000;

/// The whole market: what every price depends on besides the tick number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketConfig {
    /// Seed of every random draw: same seed, same market.
    pub seed: u64,
    /// Milliseconds between ticks, 1 ..= 3 600 000.
    pub interval_ms: u64,
    /// Time of tick 0, Unix milliseconds (RFC 3339 or a number in JSON).
    #[serde(rename = "epoch", with = "epoch_json")]
    pub epoch_ms: i64,
    /// Length of a trading session (open/high/low/volume reset): at least one minute and the
    /// interval, at most 7 days.
    pub session_ms: u64,
    /// Offset of session boundaries from UTC midnight, in milliseconds.
    pub session_offset_ms: i64,
    /// Half-life of a price deviation from its reference, in days of business time
    /// (0 < x ≤ 36 525).
    pub mean_reversion_half_life_days: f64,
    /// Intermittency λ² of the volatility cascade (0 ..= 0.5): how unevenly variance spreads
    /// over time. 0 gives constant volatility.
    pub volatility_intermittency: f64,
    /// Integral scale of the volatility cascade in days (0 ..= 36 525): the longest span over
    /// which volatility clusters.
    pub volatility_integral_scale_days: f64,
    /// Probability that a symbol's volatility cascade follows the market factor's at a given
    /// split (0 ..= 1): how much volatility co-moves across symbols.
    pub volatility_market_share: f64,
    /// Leverage c (0 ..= 0.95): how strongly volatile periods drift down.
    pub leverage: f64,
    /// Jumps per year of business time, in the market factor and in each symbol (0 ..= 1000).
    pub jump_rate_per_year: f64,
    /// Mean jump size in units of the symbol's annual volatility (−1 ..= 1).
    pub jump_mean: f64,
    /// Standard deviation of a jump in units of the symbol's annual volatility (0 ..= 1).
    pub jump_sd: f64,
    /// Extra variance right after a jump, as a multiple of the usual (0 ..= 100).
    pub jump_volatility_boost: f64,
    /// Decay time of the post-jump boost, in days of business time (0 < x ≤ 3652.5).
    pub jump_boost_decay_days: f64,
    /// The symbols, in the order every listing uses.
    pub symbols: Vec<SymbolConfig>,
    /// Generated symbols to add after the configured ones (0 ..= 10 000 in all): stable
    /// names, prices, volatilities and betas from the seed (see `universe.rs`).
    pub universe: usize,
    /// The calendar of the generated symbols.
    pub universe_calendar: CalendarKind,
    /// The participants trades print on and quotes come from, with their weights.
    pub exchanges: Vec<ExchangeConfig>,
    /// The market clock: real time (the default), virtual or manual. Not part of any price.
    #[serde(skip_serializing_if = "is_default_clock")]
    pub clock: ClockConfig,
    /// Scenarios this file defines (docs/scenarios.md); `scenario` selects one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<Scenario>,
    /// The scenario in force: a name from `scenarios` or a built-in (`flash-crash`,
    /// `earnings-gap`, `halt-resume`, `volatile-open`, `circuit-breaker`); none by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
}

fn is_default_clock(clock: &ClockConfig) -> bool {
    *clock == ClockConfig::default()
}

/// One symbol of the market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymbolConfig {
    /// Ticker: 1–12 of `A–Z 0–9 . -`.
    pub symbol: String,
    /// Display name; defaults to the symbol.
    #[serde(default)]
    pub name: String,
    /// Price at tick 0 and the level prices revert to, > 0.
    pub reference_price: f64,
    /// Annualised volatility of log-returns (0.25 = 25 %/year), 0 ..= 10.
    #[serde(default = "defaults::volatility")]
    pub volatility: f64,
    /// Bid/ask spread in basis points of the price, 0 ..= 10 000.
    #[serde(default = "defaults::spread_bps")]
    pub spread_bps: f64,
    /// Price grid: a positive multiple of 0.0001.
    #[serde(default = "defaults::tick_size")]
    pub tick_size: f64,
    /// Average volume per session (shares).
    #[serde(default = "defaults::avg_volume")]
    pub avg_volume: u64,
    /// Loading on the market factor, −1 ..= 1: the correlation of two symbols' returns is the
    /// product of their betas.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
    /// Trading calendar: `always` (24/7, the default) or `us-equity` (NYSE hours).
    #[serde(default)]
    pub calendar: CalendarKind,
    /// The consolidated tape of its listing: `A` (NYSE), `B` (Arca, American, others) or
    /// `C` (Nasdaq, the default).
    #[serde(default)]
    pub tape: Tape,
    /// Mean shares per trade, 1 ..= 1 000 000: the session's trade count is about
    /// `avg_volume / avg_trade_size`.
    #[serde(default = "defaults::avg_trade_size")]
    pub avg_trade_size: u64,
}

mod defaults {
    pub(super) fn volatility() -> f64 {
        0.3
    }
    pub(super) fn spread_bps() -> f64 {
        2.0
    }
    pub(super) fn tick_size() -> f64 {
        0.01
    }
    pub(super) fn avg_volume() -> u64 {
        10_000_000
    }
    pub(super) fn beta() -> f64 {
        0.65
    }
    pub(super) fn avg_trade_size() -> u64 {
        100
    }
}

impl SymbolConfig {
    /// A symbol with every optional field at its default.
    pub fn new(symbol: &str, reference_price: f64) -> Self {
        Self {
            symbol: symbol.to_owned(),
            name: String::new(),
            reference_price,
            volatility: defaults::volatility(),
            spread_bps: defaults::spread_bps(),
            tick_size: defaults::tick_size(),
            avg_volume: defaults::avg_volume(),
            beta: defaults::beta(),
            calendar: CalendarKind::Always,
            tape: Tape::C,
            avg_trade_size: defaults::avg_trade_size(),
        }
    }

    fn classic(symbol: &str, name: &str, price: f64, vol: f64, volume: u64, beta: f64) -> Self {
        Self {
            name: name.to_owned(),
            volatility: vol,
            avg_volume: volume,
            beta,
            ..Self::new(symbol, price)
        }
    }
}

impl Default for MarketConfig {
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            interval_ms: DEFAULT_INTERVAL_MS,
            epoch_ms: DEFAULT_EPOCH_MS,
            session_ms: DEFAULT_SESSION_MS,
            session_offset_ms: 0,
            mean_reversion_half_life_days: DEFAULT_HALF_LIFE_DAYS,
            volatility_intermittency: 0.045,
            volatility_integral_scale_days: 365.0,
            volatility_market_share: 0.5,
            leverage: 0.6,
            jump_rate_per_year: 10.0,
            jump_mean: -0.04,
            jump_sd: 0.06,
            jump_volatility_boost: 2.0,
            jump_boost_decay_days: 10.0,
            symbols: vec![
                SymbolConfig::classic("AAPL", "Apple Inc.", 150.45, 0.25, 55_000_000, 0.75),
                SymbolConfig::classic("GOOGL", "Alphabet Inc.", 140.32, 0.28, 25_000_000, 0.7),
                SymbolConfig::classic("MSFT", "Microsoft Corp.", 380.15, 0.22, 22_000_000, 0.75),
                SymbolConfig::classic("AMZN", "Amazon.com Inc.", 175.90, 0.30, 45_000_000, 0.7),
                SymbolConfig::classic("TSLA", "Tesla Inc.", 245.67, 0.55, 95_000_000, 0.55),
            ],
            universe: 0,
            universe_calendar: CalendarKind::Always,
            exchanges: exchanges::defaults(),
            clock: ClockConfig::default(),
            scenarios: Vec::new(),
            scenario: None,
        }
    }
}

/// Why a configuration was rejected: one line naming the field or file and the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The config file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The config file is not valid JSON for [`MarketConfig`] (includes unknown fields).
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        reason: String,
    },
    /// A `--scenario` file could not be read or parsed.
    ScenarioFile {
        /// The file.
        path: PathBuf,
        /// What went wrong, with line and column when parsing.
        problem: String,
    },
    /// A field has a value outside its documented range.
    Invalid {
        /// The field, e.g. `symbols[2].reference_price` or `interval_ms`.
        field: String,
        /// What is wrong, naming the value.
        problem: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, reason } => {
                write!(
                    f,
                    "config file `{}`: cannot read it: {reason}",
                    path.display()
                )
            }
            Self::Parse { path, reason } => write!(f, "config file `{}`: {reason}", path.display()),
            Self::ScenarioFile { path, problem } => {
                write!(f, "scenario file `{}`: {problem}", path.display())
            }
            Self::Invalid { field, problem } => write!(f, "config field `{field}`: {problem}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl MarketConfig {
    /// Reads a JSON config file; fields it omits keep their defaults.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        serde_json::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }

    /// Selects a scenario from `--scenario`: a path (with `/` or ending in `.json`) is read as
    /// one scenario and added to `scenarios`; anything else is a name.
    pub fn select_scenario(&mut self, text: &str) -> Result<(), ConfigError> {
        let is_path = text.contains('/') || text.ends_with(".json");
        if !is_path {
            self.scenario = Some(text.to_owned());
            return Ok(());
        }
        let path = PathBuf::from(text);
        let scenario = Scenario::from_file(&path)?;
        self.scenarios.retain(|s| s.name != scenario.name);
        self.scenario = Some(scenario.name.clone());
        self.scenarios.push(scenario);
        Ok(())
    }

    /// Keeps only the listed symbols (case-insensitive), in configuration order.
    pub fn retain_symbols(&mut self, wanted: &[String]) -> Result<(), ConfigError> {
        let mut keep = Vec::with_capacity(wanted.len());
        for w in wanted.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
            let found = self
                .symbols
                .iter()
                .any(|s| s.symbol.eq_ignore_ascii_case(w));
            if !found {
                let known: Vec<&str> = self.symbols.iter().map(|s| s.symbol.as_str()).collect();
                return Err(invalid(
                    "symbols",
                    format!(
                        "{w:?} is not a configured symbol (configured: {})",
                        known.join(",")
                    ),
                ));
            }
            keep.push(w.to_ascii_uppercase());
        }
        if keep.is_empty() {
            return Err(invalid("symbols", "the symbol list is empty"));
        }
        self.symbols
            .retain(|s| keep.iter().any(|k| k.eq_ignore_ascii_case(&s.symbol)));
        Ok(())
    }
}

impl SymbolConfig {
    /// The display name, falling back to the symbol.
    pub fn display_name(&self) -> &str {
        if self.name.is_empty() {
            &self.symbol
        } else {
            &self.name
        }
    }
}

/// `epoch` in JSON: an RFC 3339 string or Unix milliseconds; written as RFC 3339.
mod epoch_json {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{format_rfc3339, parse_time};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Millis(i64),
        Text(String),
    }

    pub(super) fn serialize<S: Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_rfc3339(*ms))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Millis(ms) => Ok(ms),
            Raw::Text(text) => parse_time(&text).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "epoch {text:?} is neither Unix milliseconds nor an RFC 3339 time"
                ))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_classic_five_and_valid() {
        let cfg = MarketConfig::default();
        cfg.validate().unwrap();
        let listed: Vec<(&str, f64)> = cfg
            .symbols
            .iter()
            .map(|s| (s.symbol.as_str(), s.reference_price))
            .collect();
        assert_eq!(
            listed,
            [
                ("AAPL", 150.45),
                ("GOOGL", 140.32),
                ("MSFT", 380.15),
                ("AMZN", 175.90),
                ("TSLA", 245.67)
            ]
        );
    }

    #[test]
    fn file_fields_override_defaults_and_unknown_fields_are_rejected() {
        let cfg: MarketConfig =
            serde_json::from_str(r#"{"seed": 7, "epoch": "2025-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!(cfg.seed, 7);
        assert_eq!(cfg.epoch_ms, 1_735_689_600_000);
        assert_eq!(cfg.interval_ms, DEFAULT_INTERVAL_MS);
        let err = serde_json::from_str::<MarketConfig>(r#"{"sede": 7}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `sede`"), "{err}");
        let err = serde_json::from_str::<MarketConfig>(
            r#"{"symbols":[{"symbol":"X","reference_price":1,"colour":"red"}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `colour`"), "{err}");
    }

    #[test]
    fn calendar_defaults_to_always_and_names_only_known_classes() {
        let cfg: MarketConfig = serde_json::from_str(
            r#"{"symbols":[{"symbol":"AAPL","reference_price":1,"calendar":"us-equity"},
                           {"symbol":"BTCUSDT","reference_price":1}]}"#,
        )
        .unwrap();
        assert_eq!(cfg.symbols[0].calendar, CalendarKind::UsEquity);
        assert_eq!(cfg.symbols[1].calendar, CalendarKind::Always);
        cfg.validate().unwrap();
        let err = serde_json::from_str::<MarketConfig>(
            r#"{"symbols":[{"symbol":"X","reference_price":1,"calendar":"nyse"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown variant `nyse`, expected `always` or `us-equity` at line 1 column 63"
        );
    }

    #[test]
    fn the_example_file_mixes_us_equities_and_24_7_crypto_pairs() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/market.example.json");
        let cfg = MarketConfig::from_file(&path).unwrap();
        cfg.validate().unwrap();
        let of = |kind| {
            cfg.symbols
                .iter()
                .filter(|s| s.calendar == kind)
                .map(|s| s.symbol.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            of(CalendarKind::UsEquity),
            ["AAPL", "GOOGL", "MSFT", "AMZN", "TSLA", "BRK.B"]
        );
        assert_eq!(
            of(CalendarKind::Always),
            ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"]
        );
    }

    #[test]
    fn config_round_trips_through_json() {
        let cfg = MarketConfig::default();
        let text = serde_json::to_string(&cfg).unwrap();
        assert!(text.contains(r#""epoch":"2024-01-01T00:00:00Z""#), "{text}");
        let back: MarketConfig = serde_json::from_str(&text).unwrap();
        assert_eq!(back, cfg);
    }

    #[test]
    fn retain_symbols_selects_a_subset_case_insensitively() {
        let mut cfg = MarketConfig::default();
        cfg.retain_symbols(&["tsla".into(), "AAPL".into()]).unwrap();
        let kept: Vec<&str> = cfg.symbols.iter().map(|s| s.symbol.as_str()).collect();
        assert_eq!(kept, ["AAPL", "TSLA"], "configuration order is kept");
        let err = MarketConfig::default()
            .retain_symbols(&["NOPE".into()])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "config field `symbols`: \"NOPE\" is not a configured symbol (configured: AAPL,GOOGL,MSFT,AMZN,TSLA)"
        );
    }
}
