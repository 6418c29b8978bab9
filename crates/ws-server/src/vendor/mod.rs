//! The vendor gateways' streams: market-data vendors' WebSocket protocols on their own paths,
//! so an app or the vendor's SDK streams ticker's market by changing its URL.
//!
//! * `/alpaca/v2/{iex,sip,delayed_sip,test}`: Alpaca Market Data v2 ([`alpaca`]), JSON or
//!   MessagePack by the upgrade's `Content-Type`;
//! * `/polygon/stocks` and `/polygon/delayed/stocks`: Polygon/Massive ([`polygon`]).
//!
//! The protocols themselves (handshake, subscriptions, error codes, encodings) are the pure
//! state machines of `ticker-vendors`; [`session`] runs one of them on a connection the way the
//! native session runs its own: the connection is its own tick source ([`Driver::Source`]: the
//! writer shard only pings it and enforces the heartbeat), its frames go through the same
//! outbox, and the same limits hold (message rate, stall timeout, read pause). Each tick's
//! vendor data is encoded once per symbol and format and shared by every connection
//! ([`frames::TickFrames`], kept in the [`Tick`](crate::tick::Tick)).
//!
//! [`Driver::Source`]: crate::conn::Driver::Source

pub mod alpaca;
pub mod frames;
pub mod polygon;
pub mod session;
pub mod slots;

use ticker_vendors::alpaca::Feed;

pub use frames::TickFrames;
pub use slots::Slots;

/// A vendor stream a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    /// `/alpaca/v2/{feed}`.
    Alpaca(Feed),
    /// `/polygon/stocks` (also `/polygon/delayed/stocks`: the same stream).
    Polygon,
}

impl Gateway {
    /// The gateway of a request path, if it is one.
    pub fn of(path: &str) -> Option<Self> {
        let path = path.strip_suffix('/').unwrap_or(path);
        if let Some(feed) = path.strip_prefix("/alpaca/v2/") {
            return Feed::from_name(feed).map(Self::Alpaca);
        }
        match path {
            "/polygon/stocks" | "/polygon/delayed/stocks" => Some(Self::Polygon),
            _ => None,
        }
    }
}

/// What every gateway session shares: keys, limits and the sessions per key.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_gateways() {
        assert_eq!(
            Gateway::of("/alpaca/v2/test"),
            Some(Gateway::Alpaca(Feed::Test))
        );
        assert_eq!(
            Gateway::of("/alpaca/v2/iex/"),
            Some(Gateway::Alpaca(Feed::Iex))
        );
        assert_eq!(Gateway::of("/alpaca/v2/crypto"), None);
        assert_eq!(Gateway::of("/polygon/stocks"), Some(Gateway::Polygon));
        assert_eq!(
            Gateway::of("/polygon/delayed/stocks"),
            Some(Gateway::Polygon)
        );
        assert_eq!(Gateway::of("/polygon/options"), None);
        assert_eq!(Gateway::of("/ws"), None);
    }
}
