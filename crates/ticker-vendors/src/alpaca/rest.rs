//! Alpaca's historical REST API (`/v2/stocks/…`): requests parsed into [`Request`], with
//! Alpaca's parameters, limits and errors.
//!
//! Both forms of every endpoint are here because the SDKs use both: alpaca-py always calls
//! the multi-symbol form (`/v2/stocks/bars?symbols=AAPL`), the JS SDK and `curl` users the
//! single-symbol one (`/v2/stocks/AAPL/bars`). The responses differ in shape
//! ([`super::body`]). Pagination is stateless: [`PageToken`] names where the next page
//! starts, so any replica can serve it. The credential check is [`authorize`] (`rest/auth.rs`).

use ticker_core::Symbol;

pub use super::params::{PageToken, Sort, Timeframe};

use super::errors::RestError;
use crate::nanos::{parse_instant, DayEdge, Nanos};
use crate::query::Params;

mod auth;

pub use auth::{authorize, RequestAuth};

/// Alpaca's page size bounds: `limit` is 1–10 000, 1 000 by default.
pub const MAX_LIMIT: usize = 10_000;
/// The page size when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 1_000;

/// Symbols requested: the path form (one, answered with `"symbol"` and a list) or the query
/// form (`symbols=A,B`, answered with a map keyed by symbol).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Symbols {
    /// `/v2/stocks/{symbol}/…`.
    One(Symbol),
    /// `/v2/stocks/…?symbols=A,B`, without duplicates, in request order.
    Many(Vec<Symbol>),
}

impl Symbols {
    /// The symbols, in order.
    pub fn list(&self) -> &[Symbol] {
        match self {
            Self::One(s) => std::slice::from_ref(s),
            Self::Many(v) => v,
        }
    }
}

/// The time window and paging of a historical request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// `start` (inclusive); `None` = the start of today in New York (the service knows now).
    pub start: Option<Nanos>,
    /// `end` (inclusive); `None` = now.
    pub end: Option<Nanos>,
    /// Items per page, across all symbols.
    pub limit: usize,
    /// Order.
    pub sort: Sort,
    /// Where to resume.
    pub page: Option<PageToken>,
}

/// A parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Historical bars.
    Bars {
        /// Which symbols.
        symbols: Symbols,
        /// Bar size.
        timeframe: Timeframe,
        /// Window and paging.
        window: Window,
    },
    /// Historical trades.
    Trades {
        /// Which symbols.
        symbols: Symbols,
        /// Window and paging.
        window: Window,
    },
    /// Historical NBBO quotes.
    Quotes {
        /// Which symbols.
        symbols: Symbols,
        /// Window and paging.
        window: Window,
    },
    /// The latest trade.
    LatestTrades(Symbols),
    /// The latest quote.
    LatestQuotes(Symbols),
    /// The latest minute bar.
    LatestBars(Symbols),
    /// Latest trade, quote, minute bar, daily bar and previous daily bar.
    Snapshots(Symbols),
}

/// Limits on a request beyond Alpaca's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestLimits {
    /// The most symbols in one `symbols=` list.
    pub max_symbols: usize,
}

/// Parses a request under the gateway's prefix: `path` is e.g. `/v2/stocks/AAPL/bars`,
/// `query` the raw query string.
pub fn parse(path: &str, query: &str, limits: RestLimits) -> Result<Request, RestError> {
    let params = Params::parse(query).map_err(RestError::bad_request)?;
    let rest = path
        .strip_prefix("/v2/stocks/")
        .ok_or_else(|| RestError::not_found("Not Found"))?;
    let segments: Vec<&str> = rest.split('/').collect();
    let many = || multi_symbols(&params, limits);
    let one = |s: &str| {
        Symbol::parse(s)
            .map(Symbols::One)
            .map_err(|e| RestError::bad_request(format!("invalid symbol: {e}")))
    };
    match segments.as_slice() {
        ["bars"] => bars(many()?, &params),
        ["trades"] => Ok(Request::Trades {
            symbols: many()?,
            window: window(&params)?,
        }),
        ["quotes"] => Ok(Request::Quotes {
            symbols: many()?,
            window: window(&params)?,
        }),
        ["trades", "latest"] => Ok(Request::LatestTrades(many()?)),
        ["quotes", "latest"] => Ok(Request::LatestQuotes(many()?)),
        ["bars", "latest"] => Ok(Request::LatestBars(many()?)),
        ["snapshots"] => Ok(Request::Snapshots(many()?)),
        [sym, "bars"] => bars(one(sym)?, &params),
        [sym, "trades"] => Ok(Request::Trades {
            symbols: one(sym)?,
            window: window(&params)?,
        }),
        [sym, "quotes"] => Ok(Request::Quotes {
            symbols: one(sym)?,
            window: window(&params)?,
        }),
        [sym, "trades", "latest"] => Ok(Request::LatestTrades(one(sym)?)),
        [sym, "quotes", "latest"] => Ok(Request::LatestQuotes(one(sym)?)),
        [sym, "bars", "latest"] => Ok(Request::LatestBars(one(sym)?)),
        [sym, "snapshot"] => Ok(Request::Snapshots(one(sym)?)),
        _ => Err(RestError::not_found("Not Found")),
    }
    .and_then(|r| check_feed(&params).map(|()| r))
}

fn multi_symbols(params: &Params, limits: RestLimits) -> Result<Symbols, RestError> {
    let raw = params
        .get("symbols")
        .ok_or_else(|| RestError::unprocessable("missing symbols parameter"))?;
    let mut out: Vec<Symbol> = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let s = Symbol::parse(name)
            .map_err(|e| RestError::bad_request(format!("invalid symbol: {e}")))?;
        if !out.contains(&s) {
            out.push(s);
        }
        if out.len() > limits.max_symbols {
            return Err(RestError::bad_request(format!(
                "too many symbols (at most {})",
                limits.max_symbols
            )));
        }
    }
    if out.is_empty() {
        return Err(RestError::unprocessable("missing symbols parameter"));
    }
    Ok(Symbols::Many(out))
}

fn bars(symbols: Symbols, params: &Params) -> Result<Request, RestError> {
    let raw = params
        .get("timeframe")
        .ok_or_else(|| RestError::unprocessable("missing timeframe parameter"))?;
    let timeframe =
        Timeframe::parse(raw).ok_or_else(|| RestError::unprocessable("invalid timeframe"))?;
    if let Some(a) = params.get("adjustment") {
        if !["raw", "split", "dividend", "all"].contains(&a) {
            return Err(RestError::unprocessable("invalid adjustment"));
        }
    }
    Ok(Request::Bars {
        symbols,
        timeframe,
        window: window(params)?,
    })
}

fn check_feed(params: &Params) -> Result<(), RestError> {
    match params.get("feed") {
        None | Some("iex" | "sip" | "delayed_sip" | "otc" | "boats" | "overnight") => Ok(()),
        Some(_) => Err(RestError::bad_request("invalid feed")),
    }
}

fn window(params: &Params) -> Result<Window, RestError> {
    let time = |name: &str, edge| -> Result<Option<Nanos>, RestError> {
        params
            .get(name)
            .map(|raw| {
                parse_instant(raw, edge).ok_or_else(|| {
                    RestError::bad_request(format!("invalid {name}: {raw:?} is not RFC-3339"))
                })
            })
            .transpose()
    };
    let start = time("start", DayEdge::Start)?;
    let end = time("end", DayEdge::End)?;
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            return Err(RestError::unprocessable("end should not be before start"));
        }
    }
    let limit = match params.get("limit") {
        None => DEFAULT_LIMIT,
        Some(raw) => {
            let n: i64 = raw
                .parse()
                .map_err(|_| RestError::bad_request(format!("invalid limit: {raw:?}")))?;
            usize::try_from(n)
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    RestError::unprocessable("invalid limit: must be between 1 and 10000")
                })?
        }
    };
    let sort = match params.get("sort") {
        None | Some("asc") => Sort::Asc,
        Some("desc") => Sort::Desc,
        Some(_) => return Err(RestError::unprocessable("invalid sort")),
    };
    let page = params
        .get("page_token")
        .map(|t| PageToken::decode(t).ok_or_else(|| RestError::bad_request("invalid page token")))
        .transpose()?;
    Ok(Window {
        start,
        end,
        limit,
        sort,
        page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: RestLimits = RestLimits { max_symbols: 3 };

    fn sym(s: &str) -> Symbol {
        Symbol::parse(s).unwrap()
    }

    #[test]
    fn single_and_multi_symbol_forms() {
        let r = parse(
            "/v2/stocks/AAPL/bars",
            "timeframe=1Min&limit=2&sort=desc",
            LIMITS,
        )
        .unwrap();
        let Request::Bars {
            symbols,
            timeframe,
            window,
        } = r
        else {
            panic!("{r:?}")
        };
        assert_eq!(symbols, Symbols::One(sym("AAPL")));
        assert_eq!(timeframe, Timeframe::Minutes(1));
        assert_eq!(
            (window.limit, window.sort, window.start),
            (2, Sort::Desc, None)
        );

        // What alpaca-py sends.
        let q = "symbols=AAPL%2CMSFT%2CAAPL&timeframe=1Min&start=2024-01-02T14%3A30%3A00%2B00%3A00&limit=10000&feed=iex";
        let Request::Bars {
            symbols, window, ..
        } = parse("/v2/stocks/bars", q, LIMITS).unwrap()
        else {
            panic!()
        };
        assert_eq!(symbols, Symbols::Many(vec![sym("AAPL"), sym("MSFT")]));
        assert_eq!(window.start.unwrap().to_string(), "2024-01-02T14:30:00Z");
        assert_eq!(window.limit, MAX_LIMIT);

        let cases = [
            (
                "/v2/stocks/trades",
                Request::Trades {
                    symbols: Symbols::Many(vec![sym("AAPL")]),
                    window: Window {
                        start: None,
                        end: None,
                        limit: DEFAULT_LIMIT,
                        sort: Sort::Asc,
                        page: None,
                    },
                },
            ),
            (
                "/v2/stocks/trades/latest",
                Request::LatestTrades(Symbols::Many(vec![sym("AAPL")])),
            ),
            (
                "/v2/stocks/quotes/latest",
                Request::LatestQuotes(Symbols::Many(vec![sym("AAPL")])),
            ),
            (
                "/v2/stocks/bars/latest",
                Request::LatestBars(Symbols::Many(vec![sym("AAPL")])),
            ),
            (
                "/v2/stocks/snapshots",
                Request::Snapshots(Symbols::Many(vec![sym("AAPL")])),
            ),
        ];
        for (path, want) in cases {
            assert_eq!(parse(path, "symbols=AAPL", LIMITS).unwrap(), want, "{path}");
        }
        assert!(matches!(
            parse("/v2/stocks/AAPL/quotes", "", LIMITS),
            Ok(Request::Quotes { .. })
        ));
        assert_eq!(
            parse("/v2/stocks/AAPL/trades/latest", "", LIMITS).unwrap(),
            Request::LatestTrades(Symbols::One(sym("AAPL")))
        );
        assert_eq!(
            parse("/v2/stocks/AAPL/quotes/latest", "", LIMITS).unwrap(),
            Request::LatestQuotes(Symbols::One(sym("AAPL")))
        );
        assert_eq!(
            parse("/v2/stocks/AAPL/bars/latest", "", LIMITS).unwrap(),
            Request::LatestBars(Symbols::One(sym("AAPL")))
        );
        assert_eq!(
            parse("/v2/stocks/AAPL/snapshot", "", LIMITS).unwrap(),
            Request::Snapshots(Symbols::One(sym("AAPL")))
        );
    }

    #[test]
    fn errors_have_alpacas_statuses() {
        let status = |path: &str, q: &str| parse(path, q, LIMITS).unwrap_err().status;
        assert_eq!(status("/v2/stocks/AAPL/bars", ""), 422,);
        assert_eq!(status("/v2/stocks/AAPL/bars", "timeframe=2Day"), 422);
        assert_eq!(
            status("/v2/stocks/AAPL/bars", "timeframe=1Min&limit=0"),
            422
        );
        assert_eq!(
            status("/v2/stocks/AAPL/bars", "timeframe=1Min&limit=10001"),
            422
        );
        assert_eq!(
            status("/v2/stocks/AAPL/bars", "timeframe=1Min&limit=ten"),
            400
        );
        assert_eq!(
            status("/v2/stocks/AAPL/bars", "timeframe=1Min&sort=up"),
            422
        );
        assert_eq!(
            status("/v2/stocks/AAPL/bars", "timeframe=1Min&adjustment=none"),
            422
        );
        assert_eq!(
            status("/v2/stocks/AAPL/bars", "timeframe=1Min&start=yesterday"),
            400
        );
        assert_eq!(
            status(
                "/v2/stocks/AAPL/bars",
                "timeframe=1Min&start=2024-01-03&end=2024-01-02"
            ),
            422
        );
        assert_eq!(
            status("/v2/stocks/AAPL/bars", "timeframe=1Min&page_token=zz"),
            400
        );
        assert_eq!(
            status("/v2/stocks/AAPL/bars", "timeframe=1Min&feed=nasdaq"),
            400
        );
        assert_eq!(status("/v2/stocks/aapl/trades", ""), 400);
        assert_eq!(status("/v2/stocks/bars", "timeframe=1Min"), 422);
        assert_eq!(
            status("/v2/stocks/bars", "timeframe=1Min&symbols=A,B,C,D"),
            400
        );
        assert_eq!(status("/v2/stocks/AAPL/candles", ""), 404);
        assert_eq!(status("/v1/bars", ""), 404);
        assert_eq!(status("/v2/stocks/AAPL/bars", "a=%zz"), 400);
        let e = parse("/v2/stocks/AAPL/bars", "timeframe=7Min7", LIMITS).unwrap_err();
        assert_eq!(
            e.body(),
            r#"{"code":42210000,"message":"invalid timeframe"}"#
        );
    }

    #[test]
    fn page_tokens_round_trip_and_reject_garbage() {
        let t = PageToken {
            symbol: sym("BRK.B"),
            at: Nanos(1_704_205_800_123_456_789),
            skip: 2,
        };
        let text = t.encode();
        assert!(text.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(PageToken::decode(&text), Some(t));
        let q = format!("timeframe=1Min&page_token={text}");
        let Request::Bars { window, .. } = parse("/v2/stocks/AAPL/bars", &q, LIMITS).unwrap()
        else {
            panic!()
        };
        assert_eq!(window.page, Some(t));
        for bad in ["", "0", "zz", "41", &"41".repeat(100), "4141413a313a313a31"] {
            assert_eq!(PageToken::decode(bad), None, "{bad}");
        }
    }
}
