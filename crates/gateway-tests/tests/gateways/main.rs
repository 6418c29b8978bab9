//! The vendor gateways against their vendors' official SDKs, unmodified, as real clients:
//! both services run on `127.0.0.1:0` with one manual clock ([`stack`]); a Python or Node
//! script drives the SDK against them and prints what the SDK understood; the test compares
//! every value with the native API for the same ticks.
//!
//! The SDKs come from `scripts/sdk-env.sh alpaca-polygon` (installed once, cached). Without
//! them the SDK tests fail, unless `ALLOW_SKIP` names `sdks` (never under `CI=true`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr,
    missing_docs,
    unreachable_pub
)]

mod alpaca_rest;
mod harness;
mod polygon_rest;
mod rest_errors;
mod stack;
mod stream_protocol;
mod streams;
