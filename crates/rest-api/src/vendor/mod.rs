//! The vendor gateways: market-data vendors' REST APIs on their own path prefixes, so an app
//! (or the vendor's SDK) written against a vendor works against ticker by changing its base
//! URL. The wire formats are in `ticker-vendors` (pure); these modules read the market at the
//! clock's tick and answer in each vendor's shapes, errors included. See `docs/vendors.md`.
//!
//! * [`alpaca`]: Alpaca Market Data v2 under `/alpaca` (`/alpaca/v2/stocks/…`);
//! * [`polygon`]: Polygon/Massive under `/polygon` (`/polygon/v2/…`);
//! * [`finnhub`]: `/finnhub/api/v1/…` (`/quote`, `/stock/candle`, `/stock/symbol`,
//!   `/stock/profile2`);
//! * [`binance`]: `/binance/api/v3/…` (Spot public market data);
//! * [`data`]: what Alpaca and Polygon read from the market (trades by id, minute/daily/wider
//!   bars).
//!
//! [`Gateway::of`] routes a path to its gateway and [`respond`] hands the request to it; the
//! helpers below ([`params`], [`json`]) serve Finnhub and Binance.

pub mod alpaca;
pub mod binance;
pub mod data;
pub mod finnhub;
pub mod polygon;

use http::request::Parts;
use http::{HeaderValue, Response, StatusCode};
use ticker_core::{CalendarKind, Market, SymbolId};
use ticker_net::query::percent_decode;

use crate::app::App;
use crate::response::{self, Body};

/// Most query parameters a vendor request may carry.
const MAX_PARAMS: usize = 64;

/// The decoded query pairs, in order (duplicates kept: Binance reports them).
pub fn params(raw: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for part in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        if pairs.len() == MAX_PARAMS {
            return Err(format!("too many query parameters (at most {MAX_PARAMS})"));
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let (Some(key), Some(value)) = (percent_decode(k, true), percent_decode(v, true)) else {
            return Err("a query parameter is not valid percent-encoded UTF-8".to_owned());
        };
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// A JSON response with the vendor's content type.
pub fn json(
    status: u16,
    content_type: &'static str,
    body: impl Into<bytes::Bytes>,
) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    response::with_body(status, HeaderValue::from_static(content_type), body)
}

pub use ticker_vendors::instruments::exact;

/// Whether a symbol trades around the clock (the crypto-like pairs).
pub fn always_open(market: &Market, id: SymbolId) -> bool {
    market.calendar(id).kind() == CalendarKind::Always
}

/// A vendor gateway a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    /// `/alpaca/…`.
    Alpaca,
    /// `/polygon/…`.
    Polygon,
    /// `/finnhub/api/v1` and below.
    Finnhub,
    /// `/binance` and below.
    Binance,
}

impl Gateway {
    /// The gateway of a path, by its prefix.
    pub fn of(path: &str) -> Option<Self> {
        if below(path, finnhub::PREFIX).is_some() {
            return Some(Self::Finnhub);
        }
        if below(path, binance::PREFIX).is_some() {
            return Some(Self::Binance);
        }
        let first = path.strip_prefix('/')?.split('/').next()?;
        match first {
            "alpaca" if path.len() > "/alpaca".len() => Some(Self::Alpaca),
            "polygon" if path.len() > "/polygon".len() => Some(Self::Polygon),
            _ => None,
        }
    }
}

/// The path below `prefix`, if `path` is `prefix` or under it.
fn below<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    path.strip_prefix(prefix)
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Answers a request routed to `gateway`, in its vendor's shapes (errors included); `matched`
/// is the path as routed (one trailing slash dropped), which Finnhub and Binance read, while
/// Alpaca and Polygon read the request's own path.
pub async fn respond(app: &App, gateway: Gateway, matched: &str, head: &Parts) -> Response<Body> {
    let (full, query, headers) = (head.uri.path(), head.uri.query(), &head.headers);
    match gateway {
        Gateway::Alpaca => {
            let under = full.strip_prefix("/alpaca").unwrap_or(full);
            alpaca::respond(app, under, query.unwrap_or(""), headers).await
        }
        Gateway::Polygon => polygon::respond(app, full, query.unwrap_or(""), headers).await,
        Gateway::Finnhub => {
            let rest = below(matched, finnhub::PREFIX).unwrap_or("");
            finnhub::respond(app, rest, query, headers).await
        }
        Gateway::Binance => {
            let rest = below(matched, binance::PREFIX).unwrap_or("");
            binance::respond(app, rest, query, headers).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_gateways() {
        assert_eq!(Gateway::of("/alpaca/v2/stocks/bars"), Some(Gateway::Alpaca));
        assert_eq!(Gateway::of("/alpaca"), None);
        assert_eq!(Gateway::of("/polygon/v2/aggs"), Some(Gateway::Polygon));
        assert_eq!(Gateway::of("/finnhub/api/v1/quote"), Some(Gateway::Finnhub));
        assert_eq!(Gateway::of("/finnhub/api/v1"), Some(Gateway::Finnhub));
        assert_eq!(Gateway::of("/finnhub/api/v2"), None);
        assert_eq!(
            Gateway::of("/binance/api/v3/klines"),
            Some(Gateway::Binance)
        );
        assert_eq!(Gateway::of("/binancex"), None);
        assert_eq!(Gateway::of("/api/v1/symbols"), None);
    }
}
