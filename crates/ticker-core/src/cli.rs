//! Command-line and environment overrides of the market configuration, shared by every binary
//! through `#[command(flatten)]` so that all services accept the same flags.
//!
//! Precedence, lowest to highest: built-in defaults, the `--config` file, `TICKER_*`
//! environment variables, command-line flags (clap applies the last two).

use std::path::PathBuf;

use crate::config::{ConfigError, MarketConfig};
use crate::time::parse_time;

/// Market flags common to every ticker binary.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct MarketArgs {
    /// JSON file with market settings; omitted fields keep their defaults (docs/config.md).
    #[arg(long = "config", env = "TICKER_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Seed of the market: the same seed gives the same prices in every process.
    #[arg(long, env = "TICKER_SEED", value_name = "N")]
    pub seed: Option<u64>,

    /// Milliseconds between ticks (1..=3600000).
    #[arg(
        long,
        visible_alias = "interval",
        env = "TICKER_INTERVAL_MS",
        value_name = "MS"
    )]
    pub interval_ms: Option<u64>,

    /// Time of tick 0: RFC 3339 (2024-01-01T00:00:00Z) or Unix milliseconds.
    #[arg(long, env = "TICKER_EPOCH", value_name = "TIME", value_parser = parse_epoch)]
    pub epoch: Option<i64>,

    /// Serve only these configured symbols (comma-separated, case-insensitive).
    #[arg(
        long,
        env = "TICKER_SYMBOLS",
        value_name = "LIST",
        value_delimiter = ','
    )]
    pub symbols: Option<Vec<String>>,

    /// Session length in milliseconds (default one UTC day).
    #[arg(long, env = "TICKER_SESSION_MS", value_name = "MS")]
    pub session_ms: Option<u64>,

    /// Offset of session boundaries from UTC midnight, in milliseconds.
    #[arg(
        long,
        env = "TICKER_SESSION_OFFSET_MS",
        value_name = "MS",
        allow_negative_numbers = true
    )]
    pub session_offset_ms: Option<i64>,
}

fn parse_epoch(s: &str) -> Result<i64, String> {
    parse_time(s).ok_or_else(|| {
        format!("{s:?} is neither Unix milliseconds nor an RFC 3339 time between 1970 and 9999")
    })
}

impl MarketArgs {
    /// Defaults ← config file ← environment/flags, then validated.
    pub fn resolve(&self) -> Result<MarketConfig, ConfigError> {
        let mut cfg = match &self.config {
            Some(path) => MarketConfig::from_file(path)?,
            None => MarketConfig::default(),
        };
        if let Some(seed) = self.seed {
            cfg.seed = seed;
        }
        if let Some(ms) = self.interval_ms {
            cfg.interval_ms = ms;
        }
        if let Some(ms) = self.epoch {
            cfg.epoch_ms = ms;
        }
        if let Some(ms) = self.session_ms {
            cfg.session_ms = ms;
        }
        if let Some(ms) = self.session_offset_ms {
            cfg.session_offset_ms = ms;
        }
        // Validate the full list first so a typo in the file is reported as such.
        cfg.validate()?;
        if let Some(wanted) = &self.symbols {
            cfg.retain_symbols(wanted)?;
        }
        Ok(cfg)
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
    fn bad_values_are_reported_in_one_line() {
        let cli = Cli::try_parse_from(["x", "--interval-ms", "0"]).unwrap();
        assert_eq!(
            cli.market.resolve().unwrap_err().to_string(),
            "config field `interval_ms`: 0 is below the minimum of 1"
        );
        let err = Cli::try_parse_from(["x", "--epoch", "yesterday"]).unwrap_err();
        assert!(
            err.to_string().contains("neither Unix milliseconds"),
            "{err}"
        );
        let cli = Cli::try_parse_from(["x", "--config", "/nonexistent/ticker.json"]).unwrap();
        let err = cli.market.resolve().unwrap_err().to_string();
        assert!(
            err.starts_with("config file `/nonexistent/ticker.json`: cannot read it:"),
            "{err}"
        );
    }
}
