//! Polygon's REST API: requests parsed into [`Request`] and the key check; [`RestError`]
//! for failures, and the paging URLs ([`next_url`], [`strip_prefix`]).

use ticker_core::Symbol;

use crate::nanos::{parse_instant, DayEdge, Nanos};
use crate::query::Params;

mod error;
mod paging;

pub use error::RestError;
pub use paging::{next_url, strip_prefix};

/// Aggregates per page: at most 50 000, 5 000 by default.
pub const MAX_LIMIT: usize = 50_000;
/// The page size when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 5_000;

/// An aggregate's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timespan {
    /// `second`.
    Second,
    /// `minute`.
    Minute,
    /// `hour`.
    Hour,
    /// `day` (a New York day).
    Day,
    /// `week`.
    Week,
    /// `month`.
    Month,
    /// `quarter`.
    Quarter,
    /// `year`.
    Year,
}

impl Timespan {
    /// Parses Polygon's name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "second" => Self::Second,
            "minute" => Self::Minute,
            "hour" => Self::Hour,
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            "quarter" => Self::Quarter,
            "year" => Self::Year,
            _ => return None,
        })
    }
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Oldest first (the default).
    #[default]
    Asc,
    /// Newest first.
    Desc,
}

/// `/v2/aggs/ticker/{T}/range/{multiplier}/{timespan}/{from}/{to}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggsRequest {
    /// Ticker.
    pub ticker: Symbol,
    /// Bars of `multiplier` × `timespan`.
    pub multiplier: u32,
    /// Unit.
    pub timespan: Timespan,
    /// First instant (a date: its New York midnight).
    pub from: Nanos,
    /// Last instant, inclusive (a date: its last nanosecond in New York).
    pub to: Nanos,
    /// The path's `from` and `to` as written (kept for `next_url`).
    pub range_text: (String, String),
    /// `adjusted` (accepted; the model has no corporate actions).
    pub adjusted: bool,
    /// Order.
    pub sort: Sort,
    /// Bars per page.
    pub limit: usize,
    /// Where this page starts: the bar start (Unix ms) from a previous `next_url`.
    pub cursor: Option<i64>,
}

/// A parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Aggregates over a range.
    Aggs(AggsRequest),
    /// `/v2/aggs/ticker/{T}/prev`: the previous trading day's bar.
    Prev(Symbol),
    /// `/v2/last/trade/{T}`.
    LastTrade(Symbol),
    /// `/v2/last/nbbo/{T}`.
    LastQuote(Symbol),
    /// `/v2/snapshot/locale/us/markets/stocks/tickers/{T}`.
    Snapshot(Symbol),
    /// `/v2/snapshot/locale/us/markets/stocks/tickers?tickers=A,B` (all symbols without it).
    Snapshots(Option<Vec<Symbol>>),
}

/// Checks the key: `apiKey` in the query or `Authorization: Bearer …`. Without a configured
/// key any non-empty one passes.
pub fn authorize(
    query: &str,
    authorization: Option<&str>,
    configured: Option<&str>,
) -> Result<(), RestError> {
    let params = Params::parse(query).map_err(RestError::bad_request)?;
    let bearer = authorization
        .and_then(|a| a.strip_prefix("Bearer "))
        .map(str::trim);
    let key = params.get("apiKey").or(bearer).filter(|k| !k.is_empty());
    match (key, configured) {
        (None, _) => Err(RestError::no_key()),
        (Some(_), None) => Ok(()),
        (Some(k), Some(c)) if k == c => Ok(()),
        _ => Err(RestError::unknown_key()),
    }
}

fn ticker(s: &str) -> Result<Symbol, RestError> {
    Symbol::parse(s).map_err(|e| RestError::bad_request(format!("invalid ticker: {e}")))
}

fn bound(s: &str, edge: DayEdge) -> Option<Nanos> {
    if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() {
        return s.parse().ok().map(Nanos::from_ms);
    }
    (s.len() == 10).then(|| parse_instant(s, edge)).flatten()
}

/// Parses a request path (under the prefix) and query.
pub fn parse(path: &str, query: &str) -> Result<Request, RestError> {
    let params = Params::parse(query).map_err(RestError::bad_request)?;
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["v2", "aggs", "ticker", t, "range", mult, span, from, to] => {
            aggs(ticker(t)?, mult, span, from, to, &params).map(Request::Aggs)
        }
        ["v2", "aggs", "ticker", t, "prev"] => Ok(Request::Prev(ticker(t)?)),
        ["v2", "last", "trade", t] => Ok(Request::LastTrade(ticker(t)?)),
        ["v2", "last", "nbbo", t] => Ok(Request::LastQuote(ticker(t)?)),
        ["v2", "snapshot", "locale", "us", "markets", "stocks", "tickers", t] => {
            Ok(Request::Snapshot(ticker(t)?))
        }
        ["v2", "snapshot", "locale", "us", "markets", "stocks", "tickers"] => {
            let list = params
                .get("tickers")
                .map(|raw| {
                    raw.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(ticker)
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?;
            Ok(Request::Snapshots(list))
        }
        _ => Err(RestError::not_found("The requested resource was not found")),
    }
}

fn aggs(
    ticker: Symbol,
    mult: &str,
    span: &str,
    from: &str,
    to: &str,
    params: &Params,
) -> Result<AggsRequest, RestError> {
    let multiplier: u32 = mult
        .parse()
        .ok()
        .filter(|m| *m >= 1)
        .ok_or_else(|| RestError::bad_request(format!("invalid multiplier: {mult:?}")))?;
    let timespan = Timespan::parse(span)
        .ok_or_else(|| RestError::bad_request(format!("invalid timespan: {span:?}")))?;
    let start = bound(from, DayEdge::Start).ok_or_else(|| {
        RestError::bad_request(format!("invalid from: {from:?}; use YYYY-MM-DD or Unix ms"))
    })?;
    let end = bound(to, DayEdge::End).ok_or_else(|| {
        RestError::bad_request(format!("invalid to: {to:?}; use YYYY-MM-DD or Unix ms"))
    })?;
    if start > end {
        return Err(RestError::bad_request("from must not be after to"));
    }
    let adjusted = match params.get("adjusted") {
        None | Some("true") => true,
        Some("false") => false,
        Some(v) => return Err(RestError::bad_request(format!("invalid adjusted: {v:?}"))),
    };
    let sort = match params.get("sort") {
        None | Some("asc") => Sort::Asc,
        Some("desc") => Sort::Desc,
        Some(v) => return Err(RestError::bad_request(format!("invalid sort: {v:?}"))),
    };
    let limit = match params.get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                RestError::bad_request(format!("invalid limit: {v:?} (1 to {MAX_LIMIT})"))
            })?,
    };
    let cursor = params
        .get("cursor")
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| RestError::bad_request("invalid cursor"))
        })
        .transpose()?;
    Ok(AggsRequest {
        ticker,
        multiplier,
        timespan,
        from: start,
        to: end,
        range_text: (from.to_owned(), to.to_owned()),
        adjusted,
        sort,
        limit,
        cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(s: &str) -> Symbol {
        Symbol::parse(s).unwrap()
    }

    #[test]
    fn aggs_with_dates_or_milliseconds() {
        let Request::Aggs(r) = parse(
            "/v2/aggs/ticker/AAPL/range/1/minute/2024-01-02/2024-01-02",
            "limit=50&sort=desc&adjusted=false",
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(
            (r.ticker, r.multiplier, r.timespan),
            (sym("AAPL"), 1, Timespan::Minute)
        );
        assert_eq!(r.from.to_string(), "2024-01-02T05:00:00Z");
        assert_eq!(r.to.to_string(), "2024-01-03T04:59:59.999999999Z");
        assert_eq!(
            (r.limit, r.sort, r.adjusted, r.cursor),
            (50, Sort::Desc, false, None)
        );
        let Request::Aggs(r) = parse(
            "/v2/aggs/ticker/AAPL/range/5/second/1704205800000/1704205860000",
            "cursor=1704205830000",
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(r.from.as_ms(), 1_704_205_800_000);
        assert_eq!(r.to.as_ms(), 1_704_205_860_000);
        assert_eq!(
            (r.limit, r.cursor),
            (DEFAULT_LIMIT, Some(1_704_205_830_000))
        );
    }

    #[test]
    fn other_endpoints() {
        assert_eq!(
            parse("/v2/aggs/ticker/AAPL/prev", "").unwrap(),
            Request::Prev(sym("AAPL"))
        );
        assert_eq!(
            parse("/v2/last/trade/AAPL", "").unwrap(),
            Request::LastTrade(sym("AAPL"))
        );
        assert_eq!(
            parse("/v2/last/nbbo/AAPL", "").unwrap(),
            Request::LastQuote(sym("AAPL"))
        );
        assert_eq!(
            parse("/v2/snapshot/locale/us/markets/stocks/tickers/AAPL", "").unwrap(),
            Request::Snapshot(sym("AAPL"))
        );
        assert_eq!(
            parse(
                "/v2/snapshot/locale/us/markets/stocks/tickers",
                "tickers=AAPL%2CMSFT"
            )
            .unwrap(),
            Request::Snapshots(Some(vec![sym("AAPL"), sym("MSFT")]))
        );
        assert_eq!(
            parse("/v2/snapshot/locale/us/markets/stocks/tickers", "").unwrap(),
            Request::Snapshots(None)
        );
    }

    #[test]
    fn bad_requests_are_400_and_unknown_paths_404() {
        for (path, q) in [
            (
                "/v2/aggs/ticker/AAPL/range/0/minute/2024-01-02/2024-01-02",
                "",
            ),
            (
                "/v2/aggs/ticker/AAPL/range/1/fortnight/2024-01-02/2024-01-02",
                "",
            ),
            (
                "/v2/aggs/ticker/AAPL/range/1/minute/01-02-2024/2024-01-02",
                "",
            ),
            (
                "/v2/aggs/ticker/AAPL/range/1/minute/2024-01-03/2024-01-02",
                "",
            ),
            (
                "/v2/aggs/ticker/AAPL/range/1/minute/2024-01-02/2024-01-02",
                "limit=50001",
            ),
            (
                "/v2/aggs/ticker/AAPL/range/1/minute/2024-01-02/2024-01-02",
                "sort=up",
            ),
            (
                "/v2/aggs/ticker/AAPL/range/1/minute/2024-01-02/2024-01-02",
                "adjusted=maybe",
            ),
            (
                "/v2/aggs/ticker/AAPL/range/1/minute/2024-01-02/2024-01-02",
                "cursor=abc",
            ),
            ("/v2/last/trade/aapl", ""),
        ] {
            assert_eq!(parse(path, q).unwrap_err().status, 400, "{path}?{q}");
        }
        let e = parse("/v3/trades/AAPL", "").unwrap_err();
        assert_eq!(e.status, 404);
        assert_eq!(
            RestError::bad_request("x").body("r1"),
            r#"{"status":"ERROR","request_id":"r1","error":"x"}"#
        );
        assert_eq!(
            e.body("r2"),
            r#"{"status":"NOT_FOUND","request_id":"r2","message":"The requested resource was not found"}"#
        );
    }

    #[test]
    fn keys_by_query_or_bearer() {
        assert_eq!(authorize("", None, None).unwrap_err(), RestError::no_key());
        assert!(authorize("apiKey=k", None, None).is_ok());
        assert!(authorize("", Some("Bearer k"), None).is_ok());
        assert!(authorize("apiKey=k", None, Some("k")).is_ok());
        assert_eq!(
            authorize("apiKey=x", None, Some("k")).unwrap_err(),
            RestError::unknown_key()
        );
        assert_eq!(
            authorize("", Some("Bearer x"), Some("k"))
                .unwrap_err()
                .status,
            401
        );
        assert_eq!(
            authorize("apiKey=", None, None).unwrap_err(),
            RestError::no_key()
        );
    }
}
