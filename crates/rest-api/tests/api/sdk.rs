//! The vendors' own clients as test clients: the pinned SDKs of `scripts/sdk-env.sh` (group
//! `finnhub-binance`), run as a Python script beside this file against a server of the test.
//!
//! Without the SDKs the tests fail, unless `ALLOW_SKIP` names `sdks` (never under `CI=true`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ticker_core::{CalendarKind, MarketConfig, SymbolConfig};

use crate::helpers::SEED;

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn skip_allowed() -> bool {
    !under_ci()
        && std::env::var("ALLOW_SKIP").is_ok_and(|l| l.split(',').any(|c| c.trim() == "sdks"))
}

/// The Python of the `finnhub-binance` SDK group (installed on first use); `None`, after
/// saying why, when it cannot be had and the skip is allowed.
pub fn python() -> Option<PathBuf> {
    sdk_env("finnhub-binance", "python")
}

/// `scripts/sdk-env.sh <group> <what>` (installing the group's pinned tools on first use):
/// the path it prints; `None`, after saying why, when they cannot be had and `ALLOW_SKIP=sdks`
/// allows that, else a panic saying why.
pub fn sdk_env(group: &str, what: &str) -> Option<PathBuf> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/sdk-env.sh");
    let out = Command::new("bash")
        .arg(script)
        .args([group, what])
        .stderr(Stdio::piped())
        .output();
    let problem = match out {
        Ok(o) if o.status.success() => {
            return Some(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        }
        Ok(o) => format!(
            "scripts/sdk-env.sh {group} could not install its pinned tools: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => format!("cannot run scripts/sdk-env.sh: {e}"),
    };
    if skip_allowed() {
        eprintln!("SKIPPED (ALLOW_SKIP=sdks): {problem}");
        return None;
    }
    panic!("{problem}\nALLOW_SKIP=sdks skips the tests that need them (not under CI=true)");
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
