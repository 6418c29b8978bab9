//! The vendor-compatible REST gateways: each vendor's paths under its own prefix, answered in
//! its wire format by `ticker_vendors` from the same market as the native API.
//!
//! * [`finnhub`]: `/finnhub/api/v1/…` (`/quote`, `/stock/candle`, `/stock/symbol`,
//!   `/stock/profile2`).
//! * [`binance`]: `/binance/api/v3/…` (Spot public market data).
//!
//! These handlers are thin: parse with the vendor module, read the market at the clock's tick,
//! encode with the vendor module. Every response is JSON, errors in the vendor's own shape.

pub mod binance;
pub mod finnhub;

use http::{HeaderValue, Response, StatusCode};
use ticker_core::{CalendarKind, Market, SymbolId};
use ticker_net::query::percent_decode;

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
