//! Path → handler. The route table is the single list of endpoints: `/` describes it and
//! `/metrics` labels requests with it (`labels.rs`).

use std::time::Duration;

use http::{Method, Request, Response};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use ticker_net::head::declares_body;
use ticker_net::{ApiError, RejectSlot, CONTROL_CLOCK_PATH, REJECTED_PATH};

use crate::app::App;
use crate::cors::ALLOWED_METHODS;
use crate::response::{self, Body};
use crate::vendor::{self, Gateway};
use crate::{assets, bars, calendar, history, openapi, quotes, relay, status, trades};
use ticker_net::query::Query;

mod labels;

pub use labels::{label, ROUTE_LABELS};
pub(crate) use labels::{CONTROL, NOT_FOUND, REJECTED};

/// A matched endpoint; symbol segments are still raw (percent-encoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// `/`: service info and the endpoint list.
    Info,
    /// `/health`.
    Health,
    /// `/api/v1/symbols`.
    Symbols,
    /// `/api/v1/latest/{symbol}`.
    Latest(&'a str),
    /// `/api/v1/latest?symbols=…`.
    LatestMany,
    /// `/api/v1/history/{symbol}`.
    History(&'a str),
    /// `/api/v1/trades/{symbol}`.
    Trades(&'a str),
    /// `/api/v1/trades/{symbol}/latest`.
    LatestTrade(&'a str),
    /// `/api/v1/nbbo/{symbol}`.
    Nbbo(&'a str),
    /// `/api/v1/bars/{symbol}`.
    Bars(&'a str),
    /// `/api/v1/market/status`.
    MarketStatus,
    /// `/api/v1/calendar`.
    Calendar,
    /// `/metrics`.
    Metrics,
    /// `/dashboard`: the live page.
    Dashboard,
    /// `/assets/{name}`: an embedded file ([`crate::assets`]).
    Asset(&'a str),
    /// `/ws`: WebSocket connections relayed to the ws-server.
    Ws,
    /// `/alpaca/…`, `/polygon/…`, `/finnhub/api/v1/…` or `/binance/…`: a vendor gateway
    /// ([`crate::vendor`]), with the path as matched (one trailing slash dropped).
    Gateway(Gateway, &'a str),
    /// `/openapi.json`: the REST contract.
    OpenApi,
    /// `/docs`: the contract, to read and try.
    Docs,
    /// `/debug/panic` (only with `--debug-routes`).
    DebugPanic,
    /// `/debug/sleep?ms=` (only with `--debug-routes`).
    DebugSleep,
}

/// Every endpoint as `(method, path, description)`, for `/`.
pub const ENDPOINTS: &[(&str, &str, &str)] = &[
    ("GET", "/", "service info and this list"),
    (
        "GET",
        "/health",
        "liveness, with the market clock and ws-server components",
    ),
    (
        "GET",
        "/api/v1/symbols",
        "configured symbols and their details",
    ),
    (
        "GET",
        "/api/v1/latest/{symbol}?at=",
        "the current quote of one symbol (with at=, the quote at that moment)",
    ),
    (
        "GET",
        "/api/v1/latest?symbols=A,B&at=",
        "current quotes of several (default all) symbols (with at=, at that moment)",
    ),
    (
        "GET",
        "/api/v1/history/{symbol}?interval=1m&from=&to=&limit=",
        "OHLCV candles",
    ),
    (
        "GET",
        "/api/v1/trades/{symbol}?from=&to=&limit=&page_token=",
        "trades, oldest first, paged (the latest ones without from)",
    ),
    ("GET", "/api/v1/trades/{symbol}/latest", "the last trade"),
    (
        "GET",
        "/api/v1/nbbo/{symbol}",
        "the best bid and offer, with sizes and exchanges",
    ),
    (
        "GET",
        "/api/v1/bars/{symbol}?interval=1m|1d&from=&to=&limit=",
        "minute bars (minutes with trades) and daily bars (trading days)",
    ),
    (
        "GET",
        "/api/v1/market/status?symbol=&at=",
        "open / pre / post / closed now (or at=), with the next open and close, per calendar",
    ),
    (
        "GET",
        "/api/v1/calendar?from=&to=&symbol=",
        "trading days and their session times, per calendar",
    ),
    (
        "GET",
        "/finnhub/api/v1/…",
        "Finnhub-compatible REST (quote, stock/candle, stock/symbol, stock/profile2)",
    ),
    (
        "GET",
        "/binance/api/v3/…",
        "Binance-compatible REST (exchangeInfo, klines, ticker, depth, trades, …)",
    ),
    (
        "GET",
        "/alpaca/v2/stocks/…",
        "Alpaca Market Data v2 (bars, trades, quotes, latest, snapshots; docs/vendors.md)",
    ),
    (
        "GET",
        "/polygon/v2/…",
        "Polygon/Massive (aggregates, prev, last trade/NBBO, snapshots; docs/vendors.md)",
    ),
    ("GET", "/metrics", "Prometheus metrics"),
    ("GET", "/dashboard", "live dashboard page"),
    (
        "GET",
        "/assets/ticker.js",
        "the TypeScript client of the stream, compiled (an ES module; clients/typescript)",
    ),
    (
        "GET",
        "/openapi.json",
        "the OpenAPI 3.1 document of this API",
    ),
    (
        "GET",
        "/docs",
        "the API documentation, to read and try requests from",
    ),
    (
        "GET",
        "/ws",
        "WebSocket stream relayed to the ws-server (classic arrays unless ?format= says otherwise)",
    ),
];

/// Matches a path (one trailing slash is ignored).
pub fn route(path: &str, debug_routes: bool) -> Option<Route<'_>> {
    let path = match path.strip_suffix('/') {
        Some(p) if !p.is_empty() => p,
        _ => path,
    };
    let route = match path {
        "/" => Route::Info,
        "/health" => Route::Health,
        "/metrics" => Route::Metrics,
        "/dashboard" => Route::Dashboard,
        "/ws" => Route::Ws,
        "/openapi.json" => Route::OpenApi,
        "/docs" => Route::Docs,
        "/api/v1/symbols" => Route::Symbols,
        "/api/v1/latest" => Route::LatestMany,
        "/api/v1/market/status" => Route::MarketStatus,
        "/api/v1/calendar" => Route::Calendar,
        "/debug/panic" if debug_routes => Route::DebugPanic,
        "/debug/sleep" if debug_routes => Route::DebugSleep,
        _ => {
            if let Some(s) = path.strip_prefix("/api/v1/latest/") {
                Route::Latest(s)
            } else if let Some(name) = path.strip_prefix("/assets/") {
                Route::Asset(name)
            } else if let Some(s) = path.strip_prefix("/api/v1/history/") {
                Route::History(s)
            } else if let Some(s) = path.strip_prefix("/api/v1/trades/") {
                match s.strip_suffix("/latest") {
                    Some(symbol) => Route::LatestTrade(symbol),
                    None => Route::Trades(s),
                }
            } else if let Some(s) = path.strip_prefix("/api/v1/nbbo/") {
                Route::Nbbo(s)
            } else if let Some(s) = path.strip_prefix("/api/v1/bars/") {
                Route::Bars(s)
            } else if let Some(g) = Gateway::of(path) {
                Route::Gateway(g, path)
            } else {
                return None;
            }
        }
    };
    // A symbol segment is one segment: `/api/v1/latest/a/b` is no route at all.
    match route {
        Route::Latest(s)
        | Route::History(s)
        | Route::Trades(s)
        | Route::LatestTrade(s)
        | Route::Nbbo(s)
        | Route::Bars(s)
            if s.is_empty() || s.contains('/') =>
        {
            None
        }
        r => Some(r),
    }
}

/// `/control/clock` in `/`'s list, when a control token enables it.
pub const CONTROL_ENDPOINT: (&str, &str, &str) = (
    "GET, POST",
    CONTROL_CLOCK_PATH,
    "the market clock; POST moves a manual clock (needs the control token)",
);

/// Answers one request (errors become JSON by the caller).
pub async fn respond(
    app: &App,
    slot: &RejectSlot,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    // The control endpoint reads its own body; without a token it does not exist (404 below).
    if app.control.enabled() && req.uri().path() == CONTROL_CLOCK_PATH {
        let timeout = Duration::from_millis(app.config.header_timeout_ms);
        return Ok(app
            .control
            .respond(req, app.clock.as_ref(), app.market.schedule(), timeout)
            .await);
    }
    // An upgrade needs the whole request (hyper hands the socket over through it).
    if req.method() == Method::GET
        && route(req.uri().path(), app.config.debug_routes) == Some(Route::Ws)
    {
        return relay::open(&app.relay, req).await;
    }
    let with_body = declares_body(req.headers());
    let (head, body) = req.into_parts();
    let path = head.uri.path();
    if path == REJECTED_PATH {
        if let Some(rejection) = slot.take() {
            return Err(rejection);
        }
    }
    let Some(route) = route(path, app.config.debug_routes) else {
        return Err(ApiError::not_found(path, "GET / lists the endpoints"));
    };
    match head.method {
        Method::GET | Method::HEAD => {}
        Method::OPTIONS => return Ok(app.cors.preflight(&head.headers)),
        ref other => return Ok(response::method_not_allowed(other, ALLOWED_METHODS)),
    }
    if with_body {
        drain_body(app, body).await?;
    }
    // The gateways answer every request themselves (their own query strings), errors in their
    // vendor's shape.
    if let Route::Gateway(g, matched) = route {
        return Ok(vendor::respond(app, g, matched, &head).await);
    }
    let query = Query::parse(head.uri.query())?;
    match route {
        Route::Info => Ok(status::info(app)),
        Route::Health => Ok(status::health(app).await),
        Route::Metrics => Ok(status::metrics(app)),
        Route::Dashboard => Ok(status::dashboard()),
        Route::Asset(name) => assets::asset(name)
            .ok_or_else(|| ApiError::not_found(path, "GET / lists /assets/ticker.js")),
        Route::Ws => Ok(relay::upgrade_required()),
        Route::OpenApi => Ok(openapi::serve(&app.openapi)),
        Route::Docs => Ok(openapi::docs_page()),
        Route::Symbols => Ok(quotes::symbols(app)),
        Route::Latest(raw) => {
            app.warm().await;
            quotes::latest_one(app, raw, &query).await
        }
        Route::LatestMany => {
            app.warm().await;
            quotes::latest_many(app, &query).await
        }
        Route::History(raw) => history::history(app, raw, &query).await,
        Route::Trades(raw) => trades::range(app, raw, &query),
        Route::LatestTrade(raw) => trades::latest(app, raw),
        Route::Nbbo(raw) => trades::nbbo(app, raw),
        Route::Bars(raw) => bars::bars(app, raw, &query).await,
        Route::MarketStatus => calendar::market_status(app, &query),
        Route::Calendar => calendar::calendar(app, &query),
        Route::Gateway(..) => Err(ApiError::not_found(path, "GET / lists the endpoints")),
        Route::DebugPanic => panic_on_purpose(),
        Route::DebugSleep => {
            let ms = query
                .get("ms")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(1000u64);
            tokio::time::sleep(Duration::from_millis(ms.min(60_000))).await;
            Ok(response::json(http::StatusCode::OK, r#"{"slept":true}"#))
        }
    }
}

/// Reads and discards a request body, enforcing the size limit and the header timeout.
async fn drain_body(app: &App, body: Incoming) -> Result<(), ApiError> {
    let limit = usize::try_from(app.config.max_body_bytes).unwrap_or(usize::MAX);
    let read = Limited::new(body, limit).collect();
    match tokio::time::timeout(Duration::from_millis(app.config.header_timeout_ms), read).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::new(
            http::StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("request bodies are limited to {limit} bytes"),
        )),
        Ok(Err(_)) => Err(ApiError::bad_request("the request body is malformed")),
        Err(_) => Err(ApiError::new(
            http::StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request body did not arrive in time",
        )),
    }
}

#[allow(clippy::panic)]
fn panic_on_purpose() -> Result<Response<Body>, ApiError> {
    panic!("/debug/panic was requested");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_every_endpoint() {
        assert_eq!(route("/", false), Some(Route::Info));
        assert_eq!(route("/health/", false), Some(Route::Health));
        assert_eq!(
            route("/api/v1/latest/AAPL", false),
            Some(Route::Latest("AAPL"))
        );
        assert_eq!(route("/api/v1/latest", false), Some(Route::LatestMany));
        assert_eq!(
            route("/api/v1/history/msft/", false),
            Some(Route::History("msft"))
        );
        assert_eq!(route("/api/v1/latest/", false), Some(Route::LatestMany));
        assert_eq!(route("/api/v1/latest/a/b", false), None);
        assert_eq!(
            route("/api/v1/market/status/", false),
            Some(Route::MarketStatus)
        );
        assert_eq!(route("/api/v1/calendar", false), Some(Route::Calendar));
        assert_eq!(route("/ws/", false), Some(Route::Ws));
        assert_eq!(
            route("/api/v1/trades/AAPL", false),
            Some(Route::Trades("AAPL"))
        );
        assert_eq!(
            route("/api/v1/trades/aapl/latest/", false),
            Some(Route::LatestTrade("aapl"))
        );
        assert_eq!(route("/api/v1/trades/a/b", false), None);
        assert_eq!(route("/api/v1/trades//latest", false), None);
        assert_eq!(route("/api/v1/nbbo/MSFT", false), Some(Route::Nbbo("MSFT")));
        assert_eq!(route("/api/v1/bars/MSFT", false), Some(Route::Bars("MSFT")));
        assert_eq!(
            route("/finnhub/api/v1//quote", false),
            Some(Route::Gateway(Gateway::Finnhub, "/finnhub/api/v1//quote"))
        );
        assert_eq!(
            route("/binance/api/v3/klines", false),
            Some(Route::Gateway(Gateway::Binance, "/binance/api/v3/klines"))
        );
        assert_eq!(route("/binancex/api/v3/ping", false), None);
        assert_eq!(route("/debug/panic", false), None);
        assert_eq!(route("/debug/panic", true), Some(Route::DebugPanic));
        assert_eq!(
            route("//", false),
            Some(Route::Info),
            "one trailing slash is dropped"
        );
        assert_eq!(route("", false), None);
    }
}
