//! The vendors' own client code, run on what ticker-vendors encodes: the pinned SDKs
//! (`scripts/sdk-env.sh`, installed on first use, then cached) parse our frames and payloads
//! with their own models and parsers, and the tests assert what they understood.
//!
//! * alpaca-py reads our MessagePack frames (`raw_data=False`: its models, `.to_datetime()`
//!   on every timestamp extension) and polygon-api-client parses our events, through
//!   `scripts/sdk/decode_frames.py`;
//! * binance-sdk-spot's models and ccxt's parsers read our Binance payloads
//!   (`binance_parsers.py`).
//!
//! Without the SDKs (no Python or npm, or no registry) the tests fail, unless `ALLOW_SKIP`
//! names `sdks` (not under `CI=true`): then they are skipped with a message. The gateway tests
//! against the running services drive the same SDKs as clients end to end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr,
    missing_docs,
    unreachable_pub
)]

mod alpaca_py;
mod binance;
mod harness;
mod polygon_py;

use serde_json::Value;

/// Runs the Alpaca/Polygon SDK decoder on `bytes` and returns one JSON value per decoded
/// message; `None` when the SDKs are unavailable and the skip is allowed.
fn decode(vendor: &str, bytes: &[u8]) -> Option<Vec<Value>> {
    let python = harness::sdk_python("alpaca-polygon")?;
    let file = std::env::temp_dir().join(format!(
        "ticker-sdk-{vendor}-{}-{:?}.bin",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&file, bytes).unwrap();
    let script = test_support::workspace_root().join("scripts/sdk/decode_frames.py");
    let out = harness::run_python(&python, &script, &[vendor, file.to_str().unwrap()], b"");
    let _ = std::fs::remove_file(&file);
    Some(
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
    )
}
