//! The vendor-compatible streams: Finnhub's trade stream at `/finnhub?token=…` and Binance's
//! market streams under `/binance` (`/ws`, `/ws/<streams>`, `/stream?streams=…`), spoken by
//! the pure state machines of `ticker_vendors` over ticker's live ticks.
//!
//! * [`feeds`]: each tick's vendor payloads, encoded once per symbol and kind and shared by
//!   every connection.
//! * [`session`]: one vendor connection's task. It drives its [`crate::conn::Conn`] as a
//!   [`crate::conn::Driver::Source`] (the writer shard only pings it, for the heartbeat):
//!   it follows the hub's published ticks, writes their frames through the outbox, and
//!   answers the client's messages in the vendor's words, under the service's limits
//!   (message rate, stall timeout, heartbeat) and metrics.
//!
//! Replays (`from=`/`speed=`) are not offered on the vendor paths yet.

pub mod feeds;
pub mod session;

pub use feeds::Feeds;
pub use session::Protocol;
