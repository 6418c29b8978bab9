//! The vendor gateways: market-data vendors' REST APIs on their own path prefixes, so an app
//! (or the vendor's SDK) written against a vendor works against ticker by changing its base
//! URL. The wire formats are in `ticker-vendors` (pure); these modules read the market and
//! answer in each vendor's shapes, errors included. See `docs/vendors.md`.
//!
//! * [`alpaca`]: Alpaca Market Data v2 under `/alpaca` (`/alpaca/v2/stocks/…`);
//! * [`polygon`]: Polygon/Massive under `/polygon` (`/polygon/v2/…`);
//! * [`data`]: what both read from the market (trades by id, minute/daily/wider bars).

pub mod alpaca;
pub mod data;
pub mod polygon;

/// A vendor gateway a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    /// `/alpaca/…`.
    Alpaca,
    /// `/polygon/…`.
    Polygon,
}

impl Gateway {
    /// The gateway of a path, by its first segment.
    pub fn of(path: &str) -> Option<Self> {
        let first = path.strip_prefix('/')?.split('/').next()?;
        match first {
            "alpaca" if path.len() > "/alpaca".len() => Some(Self::Alpaca),
            "polygon" if path.len() > "/polygon".len() => Some(Self::Polygon),
            _ => None,
        }
    }
}
