//! The metrics label of every request: one per route of the table, plus the guard's
//! rejections and unknown paths, so `/metrics` has a bounded set of labels.

use ticker_net::REJECTED_PATH;

use super::{route, Route};
use crate::vendor::Gateway;

/// Metric labels, indexed by [`label`].
pub const ROUTE_LABELS: &[&str] = &[
    "info",
    "health",
    "symbols",
    "latest",
    "latest_many",
    "history",
    "metrics",
    "debug",
    "rejected",
    "not_found",
    "dashboard",
    "market_status",
    "calendar",
    "ws",
    "trades",
    "latest_trade",
    "nbbo",
    "bars",
    "control",
    "finnhub",
    "binance",
    "alpaca",
    "polygon",
    "assets",
    "openapi",
    "docs",
];
/// Label of guard rejections.
pub(crate) const REJECTED: usize = 8;
/// Label of unknown routes.
pub(crate) const NOT_FOUND: usize = 9;
const DASHBOARD: usize = 10;
const MARKET_STATUS: usize = 11;
const CALENDAR: usize = 12;
const WS: usize = 13;
const TRADES: usize = 14;
const LATEST_TRADE: usize = 15;
const NBBO: usize = 16;
const BARS: usize = 17;
/// Label of `/control/clock`.
pub(crate) const CONTROL: usize = 18;
const FINNHUB: usize = 19;
const BINANCE: usize = 20;
const ALPACA: usize = 21;
const POLYGON: usize = 22;
const ASSETS: usize = 23;
const OPENAPI: usize = 24;
const DOCS: usize = 25;

/// The metrics label of a path.
pub fn label(path: &str, debug_routes: bool) -> usize {
    if path == REJECTED_PATH {
        return REJECTED;
    }
    match route(path, debug_routes) {
        Some(Route::Info) => 0,
        Some(Route::Health) => 1,
        Some(Route::Symbols) => 2,
        Some(Route::Latest(_)) => 3,
        Some(Route::LatestMany) => 4,
        Some(Route::History(_)) => 5,
        Some(Route::Metrics) => 6,
        Some(Route::DebugPanic | Route::DebugSleep) => 7,
        Some(Route::Dashboard) => DASHBOARD,
        Some(Route::Asset(_)) => ASSETS,
        Some(Route::MarketStatus) => MARKET_STATUS,
        Some(Route::Calendar) => CALENDAR,
        Some(Route::Ws) => WS,
        Some(Route::Trades(_)) => TRADES,
        Some(Route::LatestTrade(_)) => LATEST_TRADE,
        Some(Route::Nbbo(_)) => NBBO,
        Some(Route::Bars(_)) => BARS,
        Some(Route::Gateway(Gateway::Finnhub, _)) => FINNHUB,
        Some(Route::Gateway(Gateway::Binance, _)) => BINANCE,
        Some(Route::Gateway(Gateway::Alpaca, _)) => ALPACA,
        Some(Route::Gateway(Gateway::Polygon, _)) => POLYGON,
        Some(Route::OpenApi) => OPENAPI,
        Some(Route::Docs) => DOCS,
        None => NOT_FOUND,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cover_the_table() {
        assert_eq!(ROUTE_LABELS[label("/api/v1/latest/X", false)], "latest");
        assert_eq!(ROUTE_LABELS[label("/nope", false)], "not_found");
        assert_eq!(
            ROUTE_LABELS[label("/api/v1/market/status", false)],
            "market_status"
        );
        assert_eq!(ROUTE_LABELS[label("/api/v1/calendar", false)], "calendar");
        assert_eq!(ROUTE_LABELS[label("/ws", false)], "ws");
        assert_eq!(ROUTE_LABELS[label("/assets/ticker.js", false)], "assets");
        assert_eq!(
            ROUTE_LABELS[label("/api/v1/trades/X/latest", false)],
            "latest_trade"
        );
        assert_eq!(ROUTE_LABELS[label("/api/v1/bars/X", false)], "bars");
        assert_eq!(ROUTE_LABELS[label(REJECTED_PATH, false)], "rejected");
        assert_eq!(ROUTE_LABELS[label("/openapi.json", false)], "openapi");
        assert_eq!(ROUTE_LABELS[label("/docs/", false)], "docs");
    }
}
