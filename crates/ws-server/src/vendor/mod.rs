//! The vendor gateways' streams: market-data vendors' WebSocket protocols on their own paths,
//! so an app or the vendor's SDK streams ticker's market by changing its URL.
//!
//! * `/alpaca/v2/{iex,sip,delayed_sip,test}`: Alpaca Market Data v2 ([`alpaca`]), JSON or
//!   MessagePack by the upgrade's `Content-Type`;
//! * `/polygon/stocks` and `/polygon/delayed/stocks`: Polygon/Massive ([`polygon`]);
//! * `/finnhub?token=…`: Finnhub's trade stream ([`finnhub`]);
//! * `/binance` (`/ws`, `/ws/<streams>`, `/stream?streams=…`): Binance's market streams
//!   ([`binance`]).
//!
//! The protocols themselves (handshake, subscriptions, error codes, encodings) are the pure
//! state machines of `ticker-vendors`. Every vendor connection is its own tick source
//! ([`Driver::Source`]: the writer shard only pings it and enforces the heartbeat), its frames
//! go through the same outbox, and the same limits hold (message rate, stall timeout). Each
//! tick's vendor data is encoded once per symbol and kind and shared by every connection.
//!
//! One runner, [`session`], drives every connection through its vendor's
//! [`protocol::Protocol`], from a [`Setup`]; the upgrade routing of all four is
//! `crate::server::vendor`. It gets the ticks from a [`Source`]: the live ticks or a replay
//! of the past (`?from=&to=&speed=&then=`, the native replay's parsing, pacing and clock), and
//! sends each tick's frames through the connection's faults (`fault_*`), as the native stream
//! does. Every vendor's pieces of a tick are cached in the [`Tick`](crate::tick::Tick)
//! ([`frames`]; Finnhub's and Binance's encoded by [`payloads`], from the cross-tick
//! [`series`]).
//!
//! [`Driver::Source`]: crate::conn::Driver::Source

pub mod alpaca;
pub mod binance;
pub mod finnhub;
pub mod frames;
pub mod gather;
pub mod payloads;
pub mod polygon;
pub mod protocol;
pub mod series;
pub mod session;
pub mod slots;
pub mod source;

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{watch, OwnedSemaphorePermit};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::faults::{Faults, Layer, Spec};
use crate::replay::ReplayRequest;
use crate::session::Limits;
use crate::ticker::Hub;

pub use frames::TickFrames;
pub use series::Series;
pub use slots::Slots;
pub use source::Source;

/// What a vendor session needs besides its socket.
pub struct Setup {
    /// The live ticks.
    pub hub: Arc<Hub>,
    /// The live ticks' cross-tick vendor state (Binance's klines and 24 h windows).
    pub series: Arc<Series>,
    /// tungstenite's limits.
    pub ws_config: WebSocketConfig,
    /// The service's limits.
    pub limits: Limits,
    /// The server's shutdown signal.
    pub shutdown: watch::Receiver<bool>,
    /// `?from=…`: replay the past, with its place among `--max-replays`.
    pub replay: Option<(ReplayRequest, OwnedSemaphorePermit)>,
    /// The connection's faults (`fault_*`), with the server-wide side.
    pub faults: Option<(Spec, Arc<Faults>)>,
}

/// The connection's [`Source`]: live or a positioned replay, with its faults; `None` when the
/// replay could not be positioned (logged; the connection ends).
async fn source_of(
    hub: &Hub,
    replay: Option<(ReplayRequest, OwnedSemaphorePermit)>,
    faults: Option<(Spec, Arc<Faults>)>,
    max_held: usize,
) -> Option<Source> {
    let layer = faults.map(|(spec, faults)| Layer::new(spec, faults, max_held, Instant::now()));
    match replay {
        None => Some(Source::live(layer)),
        Some((request, permit)) => match Source::replay(hub, request, permit, layer).await {
            Ok(source) => Some(source),
            Err(e) => {
                tracing::error!(error = %e, "could not position a replay");
                None
            }
        },
    }
}

/// What every Alpaca and Polygon session shares: keys, limits and the sessions per key (the
/// auth timeout holds for every vendor that authenticates on the socket).
#[derive(Debug)]
pub struct Gateways {
    /// Alpaca's configured key pair, if any.
    pub alpaca_credentials: Option<ticker_vendors::alpaca::Credentials>,
    /// Polygon's configured key, if any.
    pub polygon_key: Option<String>,
    /// Time to authenticate.
    pub auth_timeout: std::time::Duration,
    /// Most entries (channel × symbol) or topics one session may hold.
    pub max_subscriptions: usize,
    /// Authenticated Alpaca sessions per key.
    pub alpaca_slots: Slots,
    /// Authenticated Polygon sessions per key.
    pub polygon_slots: Slots,
}

impl Gateways {
    /// From the service settings.
    pub fn new(config: &crate::cli::WsConfig) -> Self {
        let keys = &config.gateway_keys;
        Self {
            alpaca_credentials: keys.alpaca().map(|(key, secret)| {
                ticker_vendors::alpaca::Credentials {
                    key: key.to_owned(),
                    secret: secret.to_owned(),
                }
            }),
            polygon_key: keys.polygon().map(str::to_owned),
            auth_timeout: crate::cli::WsConfig::ms(config.gateway_auth_timeout_ms),
            max_subscriptions: config.max_symbols,
            alpaca_slots: Slots::new(config.gateway_max_sessions_per_key),
            polygon_slots: Slots::new(config.gateway_max_sessions_per_key),
        }
    }
}
