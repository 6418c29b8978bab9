//! The vendors' own client code, run on what ticker-vendors encodes: the pinned SDKs
//! (installed by `scripts/vendor-sdks-finnhub-binance.sh`, cached) parse our payloads with
//! their own models and parsers, and the tests assert what they understood.
//!
//! Without the SDKs (no Python or npm, or no registry) the tests fail, unless `ALLOW_SKIP`
//! names `sdks` (not under `CI=true`): then they are skipped with a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr,
    missing_docs,
    unreachable_pub
)]

mod binance;
mod harness;
