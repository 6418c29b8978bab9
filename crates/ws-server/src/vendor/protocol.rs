//! What a vendor's stream protocol is to the one driver of the vendor connections
//! ([`super::session`]): a [`Protocol`] answers the client's frames with a [`Reply`] and
//! appends each tick's frames. The protocols themselves (Alpaca, Polygon, Finnhub, Binance)
//! wrap the pure state machines of `ticker-vendors`.

use ticker_core::{Market, SymbolSet};

use super::series::Series;
use crate::tick::Tick;
use crate::ticker::Hub;
use crate::wire::encode_text;

/// A client frame.
#[derive(Debug, Clone, Copy)]
pub enum Incoming<'a> {
    /// Text.
    Text(&'a str),
    /// Binary.
    Binary(&'a [u8]),
}

impl Incoming<'_> {
    /// The frame as text (a binary frame's invalid UTF-8 replaced), for text-only protocols.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match *self {
            Incoming::Text(t) => t.into(),
            Incoming::Binary(b) => String::from_utf8_lossy(b),
        }
    }
}

/// A complete unmasked text frame of `payload`.
pub fn text_frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 10);
    encode_text(payload, &mut out);
    out
}

/// What a protocol sends: complete WebSocket frames, then perhaps a close.
#[derive(Debug, Default)]
pub struct Reply {
    /// Frames, in order.
    pub frames: Vec<Vec<u8>>,
    /// Close afterwards (policy violation, with this reason).
    pub close: Option<&'static str>,
}

/// A vendor's stream protocol, driven by [`super::session::run`]. The defaults suit a protocol authenticated
/// before the upgrade (Finnhub, Binance).
pub trait Protocol: Send {
    /// The frames a new connection gets (and whether it ends there).
    fn open(&mut self) -> Reply {
        Reply::default()
    }
    /// Answers a client frame.
    fn message(&mut self, frame: Incoming<'_>) -> Reply;
    /// Whether the client has authenticated (the auth timeout stops).
    fn authenticated(&self) -> bool {
        true
    }
    /// The auth timeout passed.
    fn auth_timeout(&mut self) -> Reply {
        Reply::default()
    }
    /// The client stopped reading: a last message, best effort.
    fn slow(&mut self) -> Reply {
        Reply::default()
    }
    /// Any client frame arrived but a close (pings included; `now_ms` is real time, not the
    /// market's clock): a close reason when it breaks the vendor's own message rate.
    fn frame_received(&mut self, _now_ms: i64) -> Option<&'static str> {
        None
    }
    /// Appends the frames of one tick's subscribed data to `out`; returns how many.
    fn tick(&mut self, hub: &Hub, tick: &Tick, series: &Series, out: &mut Vec<u8>) -> u64;
    /// The market symbols whose data the subscriptions need (what a replay computes).
    fn wanted(&self, market: &Market) -> SymbolSet;
}
