//! Alpaca Market Data API v2 (stocks): the stream and the historical REST API.
//!
//! What a client sees, and where it is built:
//!
//! * [`stream`]: one stream session as a pure state machine (handshake, auth, incremental
//!   subscriptions, every error code and limit); [`wire`] frames it in JSON or MessagePack and
//!   reads client messages in either; [`errors`] has the codes; [`subscription`] is what a
//!   session is subscribed to.
//! * [`market`]: the market model's trades, NBBO, bars and phases as those objects.
//! * [`msg`]: trades, quotes, bars and statuses with Alpaca's field names and units, both as
//!   REST objects and as stream items.
//! * [`rest`]: historical requests (bars, trades, quotes, latest, snapshots) parsed and
//!   checked ([`params`]: timeframes, sort, page tokens); [`body`]: their responses, in the
//!   single- and multi-symbol shapes.
//!
//! The official SDKs speak MessagePack only (`Content-Type: application/msgpack` on the
//! upgrade), and alpaca-py calls `.to_datetime()` on every `t`: timestamps must be MessagePack
//! timestamp extensions there, RFC 3339 strings in JSON ([`crate::nanos::Nanos`] does both).

pub mod body;
pub mod errors;
pub mod market;
pub mod msg;
pub mod params;
pub mod rest;
pub mod stream;
pub mod subscription;
pub mod wire;

pub use errors::{RestError, StreamError};
pub use msg::{Bar, BarKind, Item, Quote, Trade, TradingStatus};
pub use stream::{Admission, Channel, Credentials, Feed, Session, Step, StreamConfig, FAKEPACA};
pub use wire::{decode_client, encode, ClientMessage, Control, Encoding, Frame};
