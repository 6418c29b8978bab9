//! Finnhub: the trade stream (`wss://ws.finnhub.io?token=…`) and the REST endpoints hobby
//! dashboards start from (`/quote`, `/stock/candle`, `/stock/symbol`, `/stock/profile2`).
//!
//! * [`stream`]: the stream's client messages, its frames (`trade` batches, `ping`,
//!   `error`) and [`stream::Session`], the per-connection state machine the ws-server drives.
//! * [`rest`]: routing (tolerant of the `//` that `finnhub-python` puts in every URL), the
//!   `token` (query or `X-Finnhub-Token` header), and each endpoint's parameters.
//! * [`body`]: the response bodies, with Finnhub's field names, units (seconds in REST,
//!   milliseconds on the stream) and alphabetical key order.
//! * [`errors`]: `{"error":"…"}` with the status Finnhub uses.
//!
//! Finnhub sends no acknowledgements: a subscribe is answered by trades (or, while the
//! symbol's market is closed, by nothing but `{"type":"ping"}` keep-alives, as on the real
//! service). Every response is `application/json`.

pub mod body;
pub mod errors;
pub mod rest;
pub mod stream;

pub use errors::FinnhubError;

/// The `Content-Type` of every Finnhub response (`finnhub-python` rejects anything else).
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";
