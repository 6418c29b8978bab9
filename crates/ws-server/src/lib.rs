//! # ws-server
//!
//! ticker's WebSocket stream (port 8001) on tokio-tungstenite. One tick loop computes and
//! serialises each symbol's quote once per tick; every connection shares those bytes.
//!
//! * [`server`]: accept loop, HTTP side (`/health`, `/metrics`, the upgrade), shutdown;
//!   [`run`] is the entry point.
//! * [`ticker`]: the tick loop and the replay window.
//! * [`tick`]: one tick's frames, serialised once and shared.
//! * [`shard`]: writer shards, one per core, that fan each tick out to many sockets, and
//!   the heartbeat.
//! * [`conn`]: one connection's write side, shared by its shard, its session and tungstenite.
//! * [`faults`]: fault injection (`fault_*` URL parameters, `--faults allow`): refused
//!   upgrades, and the per-connection layer that drops, duplicates, reorders, delays, stalls
//!   and disconnects.
//! * [`outbox`]: non-blocking writes of shared frames, and the bytes a socket did not take.
//! * [`stream`]: what a connection streams (format, subscription, position) and its frames.
//! * [`replay`]: a connection's own tick source, the market as it was (`?from=`), paced at
//!   any speed.
//! * [`session`]: one client's task: start, client messages, a lagging socket, the close.
//! * [`wire`]: WebSocket frames encoded once and shared by every connection.
//! * [`channel`]: the channels besides quotes (trades, bars, status), their frames, and the
//!   one function that says a symbol's trading status at a tick.
//! * [`protocol`]: client commands and control messages (`docs/ws-protocol.md`).
//! * [`vendor`]: the vendor gateways' streams (Alpaca, Polygon, Finnhub, Binance) on their own paths.
//! * [`asyncapi`]: the native protocol as an AsyncAPI 3.0 document (`GET /asyncapi.json`).
//! * [`cli`]: flags and their `TICKER_*` variables.

pub mod asyncapi;
pub mod channel;
pub mod cli;
pub mod conn;
pub mod faults;
pub mod outbox;
pub mod protocol;
pub mod replay;
pub mod server;
pub mod session;
pub mod shard;
pub mod stats;
pub mod stream;
pub mod tick;
pub mod ticker;
pub mod vendor;
pub mod wire;

pub use cli::{Cli, WsConfig};
pub use server::{run, Settings};
