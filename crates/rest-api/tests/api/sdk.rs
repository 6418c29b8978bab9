//! The vendors' own clients as test clients: the pinned SDKs of `scripts/sdk-env.sh` (group
//! `finnhub-binance`), run as a Python script beside this file against a server of the test.
//!
//! Without the SDKs the tests fail, unless `ALLOW_SKIP` names `sdks` (never under `CI=true`).

use std::path::{Path, PathBuf};
use std::process::Command;

pub use test_support::sdk_env;
use ticker_core::{CalendarKind, MarketConfig, SymbolConfig};

use crate::helpers::SEED;

/// The Python of the `finnhub-binance` SDK group (installed on first use); `None`, after
/// saying why, when it cannot be had and the skip is allowed.
pub fn python() -> Option<PathBuf> {
    sdk_env("finnhub-binance", "python")
}

/// Runs `tests/api/sdk/<script>` with `args` off the async threads (the server under test
/// runs on them) and parses its stdout as JSON.
pub async fn run(python: PathBuf, script: &str, args: Vec<String>) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/sdk")
        .join(script);
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(&path)
            .args(&args)
            .output()
            .expect("run the SDK script")
    });
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), out)
        .await
        .expect("the SDK script finished within 2 minutes")
        .unwrap();
    assert!(
        out.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the script prints JSON")
}

/// A market with stocks on the `us-equity` calendar (Finnhub's) and 24/7 pairs (Binance's).
pub fn vendor_market() -> MarketConfig {
    let stock = |s: &str, p: f64| SymbolConfig {
        name: format!("{s} Inc."),
        calendar: CalendarKind::UsEquity,
        ..SymbolConfig::new(s, p)
    };
    MarketConfig {
        seed: SEED,
        symbols: vec![
            stock("AAPL", 150.45),
            stock("MSFT", 380.15),
            SymbolConfig::new("BTCUSDT", 42_000.0),
            SymbolConfig::new("ETHUSDT", 2_300.0),
        ],
        ..MarketConfig::default()
    }
}
