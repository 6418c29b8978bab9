//! The rest-api integration tests: each test starts the real server on `127.0.0.1:0` with a
//! settable clock and a fixed seed, and talks to it over real sockets with the small raw
//! HTTP/1.1 client in [`client`], so malformed requests, pipelining and keep-alive are under
//! the test's control. Expected prices are computed through the same `ticker_core::Market`.
//! The `/ws` relay's tests run the real ws-server behind it ([`relayed`]).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr,
    missing_docs,
    unreachable_pub
)]

mod agreement;
mod at;
mod binance;
mod calendar;
mod channels;
mod client;
mod clocks;
mod connection;
mod contract;
mod control;
mod cors;
mod endpoints;
mod errors;
mod faults;
mod finnhub;
mod head;
mod health;
mod heavy;
mod helpers;
mod history;
mod limits;
mod relay;
mod relay_limits;
mod relayed;
mod scenario;
mod schemathesis;
mod sdk;
mod shutdown;
mod trades;
mod warm;
