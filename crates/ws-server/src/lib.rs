//! # ws-server
//!
//! ticker's WebSocket stream (port 8001) on tokio-tungstenite. One tick loop computes and
//! serialises each symbol's quote once per tick; every connection shares those bytes.
//!
//! * [`server`]: accept loop, HTTP side (`/health`, `/metrics`, the upgrade), shutdown;
//!   [`run`] is the entry point.
//! * [`ticker`]: the tick loop, the replay window and per-tick frames.
//! * [`session`]: one client: subscriptions, queue, heartbeats.
//! * [`wire`]: WebSocket frames encoded once and shared by every session.
//! * [`protocol`]: client commands and control messages (`docs/ws-protocol.md`).
//! * [`cli`]: flags and their `TICKER_*` variables.

pub mod cli;
pub mod protocol;
pub mod server;
pub mod session;
pub mod stats;
pub mod ticker;
pub mod wire;

pub use cli::{Cli, WsConfig};
pub use server::{run, Settings};
