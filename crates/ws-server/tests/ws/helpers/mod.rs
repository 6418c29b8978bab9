//! Shared test plumbing: start the real server on `127.0.0.1:0` with a manual clock, talk to
//! it with real WebSocket and plain HTTP clients, and compute what it should send through
//! `ticker_core`.

mod client;
mod contract;
mod expected;
mod raw;
mod server;

pub use client::*;
pub use contract::*;
pub use expected::*;
pub use raw::*;
pub use server::*;
