//! Polygon.io / Massive stocks: the stream and the REST API.
//!
//! * [`stream`]: one stream session as a pure state machine (`connected`, auth, one status
//!   per subscribed topic, `T.`/`Q.`/`AM.`/`A.` topics and `*`, limits).
//! * [`msg`]: stream events and REST objects with Polygon's fields: integer exchanges,
//!   tapes and conditions ([`codes`]); milliseconds on the stream and in aggregates,
//!   nanoseconds in last trade/NBBO and snapshots.
//! * [`market`]: the market model's trades, NBBO and bars as those objects.
//! * [`rest`]: requests (aggregates, previous close, last trade/NBBO, snapshots), the key
//!   check, errors and the absolute `next_url`; [`body`]: the response envelopes.
//!
//! Massive (Polygon's new name) speaks the same protocol; its SDKs work the same way.

pub mod body;
pub mod codes;
pub mod market;
pub mod msg;
pub mod rest;
pub mod stream;

pub use msg::{Agg, Event, StreamAgg, StreamQuote, StreamTrade};
pub use stream::{Kind, Session, Step, StreamConfig, Topic};
