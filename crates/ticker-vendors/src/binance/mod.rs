//! Binance Spot public market data: the streams of `wss://stream.binance.com:9443` and the
//! `/api/v3` market-data endpoints of `https://api.binance.com`, for the 24/7 pairs.
//!
//! * [`session`]: one stream connection (raw `/ws…` or combined `/stream…`), its live
//!   `SUBSCRIBE`/`UNSUBSCRIBE`/`LIST_SUBSCRIPTIONS`/`SET_PROPERTY`/`GET_PROPERTY` handling
//!   ([`control`]) and the documented limits.
//! * [`streams`]: stream names (`btcusdt@kline_1m`); [`interval`]: kline intervals, and which
//!   of them fit this server's tick grid.
//! * [`events`]: stream payloads; [`rolling`]: the 24 h rolling statistics behind `@ticker`,
//!   `@miniTicker` and `/ticker/24hr`, a pure function of the minute bars.
//! * [`rest`]: REST routing and parameters ([`klines`]: which klines a request selects);
//!   [`body`]: REST bodies; [`depth`]: a deterministic order book around the best bid and
//!   ask; [`exchange_info`]: the symbol list `ccxt` loads.
//! * [`errors`]: `{"code":-1121,"msg":"Invalid symbol."}` and the other codes.
//!
//! Symbols are upper case in REST and payloads (`BTCUSDT`) and lower case in stream names;
//! prices and quantities are decimal strings ([`num`]); times are milliseconds.

pub mod body;
pub mod control;
pub mod depth;
pub mod errors;
pub mod events;
pub mod exchange_info;
pub mod interval;
pub mod klines;
pub mod model;
pub mod num;
pub mod rest;
pub mod rolling;
pub mod session;
pub mod streams;
pub mod window;

pub use errors::BinanceError;
