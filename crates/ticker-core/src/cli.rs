//! Command-line and environment overrides of the market configuration, shared by every binary
//! through `#[command(flatten)]` so that all services accept the same flags.
//!
//! Precedence, lowest to highest: built-in defaults, the `--config` file, `TICKER_*`
//! environment variables, command-line flags (clap applies the last two).

use std::path::PathBuf;
use std::str::FromStr;

use crate::calendar::CalendarKind;
use crate::config::{Anchor, ConfigError, MarketConfig};
use crate::time::parse_time;
use crate::virtual_clock::ClockKind;

/// Market flags common to every ticker binary.
///
/// Values are taken as text and checked in [`MarketArgs::resolve`], so that a bad value is
/// reported in the same one line as any other configuration error, and so that an *empty*
/// value (`TICKER_SEED=` in a compose file) means "not set" rather than an error.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct MarketArgs {
    /// JSON file with market settings; omitted fields keep their defaults (docs/config.md).
    #[arg(long = "config", env = "TICKER_CONFIG", value_name = "PATH")]
    pub config: Option<String>,

    /// Seed of the market: the same seed gives the same prices in every process.
    #[arg(long, env = "TICKER_SEED", value_name = "N")]
    pub seed: Option<String>,

    /// Milliseconds between ticks (1..=3600000).
    #[arg(
        long,
        visible_alias = "interval",
        env = "TICKER_INTERVAL_MS",
        value_name = "MS"
    )]
    pub interval_ms: Option<String>,

    /// Time of tick 0: RFC 3339 (2024-01-01T00:00:00Z) or Unix milliseconds.
    #[arg(long, env = "TICKER_EPOCH", value_name = "TIME")]
    pub epoch: Option<String>,

    /// Serve only these configured symbols (comma-separated, case-insensitive).
    #[arg(long, env = "TICKER_SYMBOLS", value_name = "LIST")]
    pub symbols: Option<String>,

    /// Session length in milliseconds (default one UTC day).
    #[arg(long, env = "TICKER_SESSION_MS", value_name = "MS")]
    pub session_ms: Option<String>,

    /// Offset of session boundaries from UTC midnight, in milliseconds.
    #[arg(
        long,
        env = "TICKER_SESSION_OFFSET_MS",
        value_name = "MS",
        allow_hyphen_values = true
    )]
    pub session_offset_ms: Option<String>,

    /// Add N generated symbols (stable names, prices and volatilities from the seed), up to
    /// 10000 symbols in all.
    #[arg(long, env = "TICKER_UNIVERSE", value_name = "N")]
    pub universe: Option<String>,

    /// Calendar of the generated symbols: always (24/7) or us-equity.
    #[arg(long, env = "TICKER_UNIVERSE_CALENDAR", value_name = "CALENDAR")]
    pub universe_calendar: Option<String>,
    /// Market clock: real (default), virtual (start + (wall - anchor) x speed) or manual
    /// (stands still until POST /control/clock moves it).
    #[arg(long = "clock", env = "TICKER_CLOCK", value_name = "KIND")]
    pub clock: Option<String>,

    /// Market time at the anchor (virtual), or where a manual clock starts: RFC 3339 or Unix ms.
    #[arg(long, env = "TICKER_CLOCK_START", value_name = "TIME")]
    pub clock_start: Option<String>,

    /// Market milliseconds per wall millisecond of a virtual clock (0.001..=1000), e.g. 60.
    #[arg(long, env = "TICKER_CLOCK_SPEED", value_name = "X")]
    pub clock_speed: Option<String>,

    /// Wall time at which market time is --clock-start: RFC 3339, Unix ms, or `now`. Give
    /// every service the same one.
    #[arg(long, env = "TICKER_CLOCK_ANCHOR", value_name = "TIME")]
    pub clock_anchor: Option<String>,

    /// Market scenario: a built-in name (flash-crash, earnings-gap, halt-resume,
    /// volatile-open, circuit-breaker), a name from the config's `scenarios`, or a JSON file
    /// holding one scenario (a path: it contains `/` or ends in `.json`). docs/scenarios.md.
    #[arg(long, env = "TICKER_SCENARIO", value_name = "NAME|PATH")]
    pub scenario: Option<String>,
}

/// A set, non-empty value.
fn given(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Parses an optional numeric setting, naming the field when the text is not a number.
fn number<T: FromStr>(field: &str, value: Option<&String>) -> Result<Option<T>, ConfigError> {
    given(value)
        .map(|v| {
            v.parse().map_err(|_| ConfigError::Invalid {
                field: field.to_owned(),
                problem: format!("{v:?} is not a whole number"),
            })
        })
        .transpose()
}

impl MarketArgs {
    /// Defaults ← config file ← environment/flags, then validated.
    pub fn resolve(&self) -> Result<MarketConfig, ConfigError> {
        let mut cfg = match given(self.config.as_ref()) {
            Some(path) => MarketConfig::from_file(&PathBuf::from(path))?,
            None => MarketConfig::default(),
        };
        if let Some(seed) = number("seed", self.seed.as_ref())? {
            cfg.seed = seed;
        }
        if let Some(ms) = number("interval_ms", self.interval_ms.as_ref())? {
            cfg.interval_ms = ms;
        }
        if let Some(text) = given(self.epoch.as_ref()) {
            cfg.epoch_ms = parse_time(text).ok_or_else(|| ConfigError::Invalid {
                field: "epoch".to_owned(),
                problem: format!(
                    "{text:?} is neither Unix milliseconds nor an RFC 3339 time between 1970 and 9999"
                ),
            })?;
        }
        if let Some(ms) = number("session_ms", self.session_ms.as_ref())? {
            cfg.session_ms = ms;
        }
        if let Some(ms) = number("session_offset_ms", self.session_offset_ms.as_ref())? {
            cfg.session_offset_ms = ms;
        }
        if let Some(n) = number("universe", self.universe.as_ref())? {
            cfg.universe = n;
        }
        if let Some(text) = given(self.universe_calendar.as_ref()) {
            cfg.universe_calendar = match text {
                "always" => CalendarKind::Always,
                "us-equity" => CalendarKind::UsEquity,
                other => {
                    return Err(ConfigError::Invalid {
                        field: "universe_calendar".to_owned(),
                        problem: format!("{other:?} is not `always` or `us-equity`"),
                    })
                }
            };
        }
        self.resolve_clock(&mut cfg)?;
        if let Some(text) = given(self.scenario.as_ref()) {
            cfg.select_scenario(text)?;
        }
        // Validate the full list first so a typo in the file is reported as such.
        cfg.validate()?;
        // Generated symbols are symbols like any other from here on: `--symbols` can pick them.
        cfg.expand_universe();
        if let Some(list) = given(self.symbols.as_ref()) {
            let wanted: Vec<String> = list.split(',').map(str::to_owned).collect();
            cfg.retain_symbols(&wanted)?;
        }
        Ok(cfg)
    }
}

impl MarketArgs {
    /// The clock flags over the file's `clock` object, field by field.
    fn resolve_clock(&self, cfg: &mut MarketConfig) -> Result<(), ConfigError> {
        let bad_time = |field: &str, text: &str, also: &str| ConfigError::Invalid {
            field: field.to_owned(),
            problem: format!(
                "{text:?} is neither {also}Unix milliseconds nor an RFC 3339 time between 1970 \
                 and 9999"
            ),
        };
        if let Some(text) = given(self.clock.as_ref()) {
            cfg.clock.kind = Some(ClockKind::parse(text).ok_or_else(|| ConfigError::Invalid {
                field: "clock".to_owned(),
                problem: format!("{text:?} is not real, virtual or manual"),
            })?);
        }
        if let Some(text) = given(self.clock_start.as_ref()) {
            cfg.clock.start =
                Some(parse_time(text).ok_or_else(|| bad_time("clock.start", text, ""))?);
        }
        if let Some(text) = given(self.clock_speed.as_ref()) {
            let speed: f64 = text.parse().map_err(|_| ConfigError::Invalid {
                field: "clock.speed".to_owned(),
                problem: format!("{text:?} is not a number"),
            })?;
            cfg.clock.speed = Some(speed);
        }
        if let Some(text) = given(self.clock_anchor.as_ref()) {
            cfg.clock.anchor =
                Some(Anchor::parse(text).ok_or_else(|| bad_time("clock.anchor", text, "`now`, "))?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        market: MarketArgs,
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let dir = std::env::temp_dir().join(format!("ticker-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("market.json");
        std::fs::write(&file, r#"{"seed": 5, "interval_ms": 250}"#).unwrap();
        let cli = Cli::try_parse_from([
            "x",
            "--config",
            file.to_str().unwrap(),
            "--interval",
            "100",
            "--symbols",
            "msft,aapl",
        ])
        .unwrap();
        let cfg = cli.market.resolve().unwrap();
        assert_eq!(cfg.seed, 5, "from the file");
        assert_eq!(cfg.interval_ms, 100, "the flag beats the file");
        assert_eq!(cfg.symbols.len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn empty_values_mean_unset_as_in_compose_files() {
        let cli =
            Cli::try_parse_from(["x", "--seed", "", "--symbols", " ", "--config", ""]).unwrap();
        assert_eq!(cli.market.resolve().unwrap(), MarketConfig::default());
        let cli = Cli::try_parse_from(["x", "--session-offset-ms", "-3600000"]).unwrap();
        assert_eq!(cli.market.resolve().unwrap().session_offset_ms, -3_600_000);
    }

    #[test]
    fn universe_flags_add_generated_symbols_that_symbols_can_select() {
        let cli =
            Cli::try_parse_from(["x", "--universe", "20", "--universe-calendar", "us-equity"])
                .unwrap();
        let cfg = cli.market.resolve().unwrap();
        assert_eq!((cfg.symbols.len(), cfg.universe), (25, 0));
        assert!(cfg.symbols[5..]
            .iter()
            .all(|s| s.calendar == CalendarKind::UsEquity));
        let picked = cfg.symbols[7].symbol.clone();
        let cli = Cli::try_parse_from(["x", "--universe", "20", "--symbols", &picked]).unwrap();
        assert_eq!(cli.market.resolve().unwrap().symbols[0].symbol, picked);
        let cli = Cli::try_parse_from(["x", "--universe", "10000"]).unwrap();
        assert_eq!(
            cli.market.resolve().unwrap_err().to_string(),
            "config field `symbols`: 5 configured and 10000 generated symbols is above the maximum of 10000"
        );
        let cli = Cli::try_parse_from(["x", "--universe-calendar", "nyse"]).unwrap();
        assert_eq!(
            cli.market.resolve().unwrap_err().to_string(),
            "config field `universe_calendar`: \"nyse\" is not `always` or `us-equity`"
        );
    }

    #[test]
    fn clock_flags_override_the_file_field_by_field() {
        let dir = std::env::temp_dir().join(format!("ticker-clock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("market.json");
        std::fs::write(
            &file,
            r#"{"clock": {"start": "2026-11-17T14:30:00Z", "speed": 10, "anchor": 5}}"#,
        )
        .unwrap();
        let path = file.to_str().unwrap();
        let cli = Cli::try_parse_from(["x", "--config", path, "--clock-speed", "60"]).unwrap();
        let clock = cli.market.resolve().unwrap().clock;
        assert_eq!(clock.kind(), ClockKind::Virtual);
        assert_eq!(clock.speed, Some(60.0), "the flag beats the file");
        assert_eq!(clock.start, Some(1_794_925_800_000), "from the file");
        assert_eq!(clock.anchor, Some(Anchor::At(5)));
        let cli = Cli::try_parse_from(["x", "--clock", "MANUAL", "--clock-anchor", "now"]).unwrap();
        let clock = cli.market.resolve().unwrap().clock;
        assert_eq!(
            (clock.kind(), clock.anchor),
            (ClockKind::Manual, Some(Anchor::Now))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_clock_flags_are_one_line_each() {
        let err = |args: &[&str]| {
            let cli =
                Cli::try_parse_from(std::iter::once("x").chain(args.iter().copied())).unwrap();
            cli.market.resolve().unwrap_err().to_string()
        };
        assert_eq!(
            err(&["--clock", "fast"]),
            "config field `clock`: \"fast\" is not real, virtual or manual"
        );
        assert_eq!(
            err(&["--clock-speed", "x2"]),
            "config field `clock.speed`: \"x2\" is not a number"
        );
        assert!(err(&["--clock-anchor", "soon"])
            .starts_with("config field `clock.anchor`: \"soon\" is neither `now`, Unix"));
        assert!(err(&["--clock-speed", "60"])
            .starts_with("config field `clock.anchor`: a virtual clock needs an anchor"));
    }

    #[test]
    fn scenario_takes_a_name_or_a_file() {
        let cli = Cli::try_parse_from(["x", "--scenario", "halt-resume"]).unwrap();
        let cfg = cli.market.resolve().unwrap();
        assert_eq!(cfg.scenario.as_deref(), Some("halt-resume"));
        let dir = std::env::temp_dir().join(format!("ticker-scenario-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("mine.json");
        std::fs::write(
            &file,
            r#"{"name": "mine", "events": [{"kind": "jump", "at": {"tick": 5}, "percent": 3}]}"#,
        )
        .unwrap();
        let path = file.to_str().unwrap();
        let cli = Cli::try_parse_from(["x", "--scenario", path]).unwrap();
        let cfg = cli.market.resolve().unwrap();
        assert_eq!(cfg.scenario.as_deref(), Some("mine"));
        assert_eq!(cfg.scenarios.len(), 1);
        std::fs::write(&file, r#"{"name": "mine", "events": [{"kind": "jump"}]}"#).unwrap();
        let cli = Cli::try_parse_from(["x", "--scenario", path]).unwrap();
        let err = cli.market.resolve().unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("scenario file `{path}`: cannot parse it:")),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        let cli = Cli::try_parse_from(["x", "--scenario", "meteor"]).unwrap();
        let err = cli.market.resolve().unwrap_err().to_string();
        assert!(
            err.starts_with("config field `scenario`: \"meteor\" is neither a built-in"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_are_reported_in_one_line() {
        let cli = Cli::try_parse_from(["x", "--interval-ms", "0"]).unwrap();
        assert_eq!(
            cli.market.resolve().unwrap_err().to_string(),
            "config field `interval_ms`: 0 is below the minimum of 1"
        );
        let cli = Cli::try_parse_from(["x", "--epoch", "yesterday"]).unwrap();
        let err = cli.market.resolve().unwrap_err().to_string();
        assert!(
            err.starts_with("config field `epoch`: \"yesterday\" is neither Unix milliseconds"),
            "{err}"
        );
        let cli = Cli::try_parse_from(["x", "--seed", "abc"]).unwrap();
        assert_eq!(
            cli.market.resolve().unwrap_err().to_string(),
            "config field `seed`: \"abc\" is not a whole number"
        );
        let cli = Cli::try_parse_from(["x", "--config", "/nonexistent/ticker.json"]).unwrap();
        let err = cli.market.resolve().unwrap_err().to_string();
        assert!(
            err.starts_with("config file `/nonexistent/ticker.json`: cannot read it:"),
            "{err}"
        );
    }
}
