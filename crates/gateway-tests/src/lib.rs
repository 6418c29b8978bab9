//! # gateway-tests
//!
//! No code lives here: this crate holds `tests/gateways/`, which starts both services on
//! `127.0.0.1:0` with one manual clock and drives their vendor gateways with the vendors'
//! official SDKs, unmodified (pinned in `scripts/sdk/`, installed by `scripts/sdk-env.sh`),
//! and with raw protocol clients for every error code. Every value an SDK reports is checked
//! against the native API for the same ticks.
