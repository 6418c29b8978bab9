//! # ticker-vendors
//!
//! The wire formats of the market-data vendors whose clients ticker serves unchanged: each
//! vendor is one module with its message types, their encoding and decoding, and tests on
//! captured frames. Everything here is pure (no sockets, no clocks): the services route
//! requests and hold connections, and call these modules to speak each vendor's protocol.
//! Every value comes from the one deterministic market in `ticker-core`, so every vendor path
//! agrees with the native API on every price, size and time.
//!
//! * [`alpaca`]: Alpaca Market Data v2 (stream in JSON and msgpack, REST).
//! * [`polygon`]: Polygon.io / Massive (stream and REST).
//! * [`finnhub`]: Finnhub (stream and REST).
//! * [`binance`]: Binance Spot public market data (streams and REST).
//!
//! Shared by the vendor modules: [`admission`] (connection slots per key), [`nanos`] (instants
//! in nanoseconds, RFC 3339 and MessagePack timestamps, New York days), [`query`] (query
//! strings), [`params::Params`] (decoded query parameters), [`instruments::Instruments`]
//! (symbol lookup), [`bars`] (bars and their regrouping into weeks, months and other
//! vendor-only widths) and [`json`] (small JSON writers).
//!
//! The facts behind each format, with sources, are in `docs/vendors.md`.

pub mod admission;
pub mod alpaca;
pub mod bars;
pub mod binance;
pub mod finnhub;
pub mod instruments;
pub mod json;
pub mod nanos;
pub mod params;
pub mod polygon;
pub mod query;
