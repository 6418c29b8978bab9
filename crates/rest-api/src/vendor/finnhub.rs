//! `/finnhub/api/v1/…`: Finnhub's `/quote`, `/stock/candle`, `/stock/symbol` and
//! `/stock/profile2` ([`ticker_vendors::finnhub`]), tolerant of the `//` finnhub-python
//! puts in every URL, always `application/json`.
//!
//! * `/quote` is the native quote at the clock's tick: `c` price, `d` change, `dp` change
//!   percent, `h`/`l`/`o` the session's, `pc` previous close, `t` the tick's time in seconds.
//! * `/stock/candle`: minutes (1, 5, 15, 30, 60) are the native minute bars (minutes with
//!   trades) regrouped; `D` the native daily bars; `W` and `M` those regrouped.
//! * `/stock/symbol?exchange=US` lists the symbols on the `us-equity` calendar.

use http::{HeaderMap, Response};
use ticker_core::{CalendarKind, Market, SymbolId};
use ticker_vendors::bars::{self, Bar};
use ticker_vendors::finnhub::body::{self, Profile, SymbolEntry};
use ticker_vendors::finnhub::rest::{self, CandleRequest, Endpoint, Resolution};
use ticker_vendors::finnhub::{FinnhubError, CONTENT_TYPE};

use super::{exact, json, params};
use crate::app::App;
use crate::response::Body;

/// The REST prefix of the Finnhub gateway.
pub const PREFIX: &str = "/finnhub/api/v1";

fn error(e: &FinnhubError) -> Response<Body> {
    json(e.status, CONTENT_TYPE, e.body())
}

fn ok(body: String) -> Response<Body> {
    json(200, CONTENT_TYPE, body)
}

/// Answers a request whose path below [`PREFIX`] is `rest`.
pub async fn respond(
    app: &App,
    rest: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Response<Body> {
    match answer(app, rest, query, headers).await {
        Ok(body) => ok(body),
        Err(e) => error(&e),
    }
}

async fn answer(
    app: &App,
    rest: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<String, FinnhubError> {
    let endpoint = rest::route(rest)?;
    let params = params(query).map_err(FinnhubError::bad_param)?;
    let header = headers.get("x-finnhub-token").and_then(|v| v.to_str().ok());
    rest::authorize(rest::token(&params, header), &app.config.finnhub_tokens)?;
    let market = &app.market;
    match endpoint {
        Endpoint::Quote => {
            let symbol = rest::parse_symbol(&params)?;
            app.warm().await;
            let quote = exact(market, &symbol).map(|id| {
                let q = app.quote(id, app.current_tick());
                body::Quote {
                    current: q.price,
                    change: q.change,
                    change_percent: q.change_percent.to_f64(),
                    high: q.high,
                    low: q.low,
                    open: q.open,
                    prev_close: q.prev_close,
                    time_s: q.timestamp.div_euclid(1000),
                }
            });
            Ok(body::quote(quote.as_ref()))
        }
        Endpoint::Candle => {
            let req = rest::parse_candle(&params, rest::DEFAULT_MAX_CANDLES)?;
            let Some(id) = exact(market, &req.symbol) else {
                return Ok(body::candles(&[]));
            };
            Ok(body::candles(&candles(app, id, &req).await?))
        }
        Endpoint::Symbols => {
            let req = rest::parse_symbols(&params)?;
            let entries: Vec<SymbolEntry> = if req.exchange == "US" {
                market
                    .ids()
                    .filter(|id| market.calendar(*id).kind() == CalendarKind::UsEquity)
                    .map(|id| entry(market, id))
                    .filter(|e| req.mic.as_ref().is_none_or(|m| *m == e.mic))
                    .filter(|e| req.currency.as_ref().is_none_or(|c| *c == e.currency))
                    .filter(|e| req.security_type.as_ref().is_none_or(|t| *t == e.kind))
                    .collect()
            } else {
                Vec::new()
            };
            Ok(body::symbols(&entries))
        }
        Endpoint::Profile => {
            let symbol = rest::parse_symbol(&params)?;
            let profile = exact(market, &symbol).map(|id| profile(market, id));
            Ok(body::profile(profile.as_ref()))
        }
    }
}

fn entry(market: &Market, id: SymbolId) -> SymbolEntry {
    let info = market.info(id);
    let symbol = info.symbol.as_str().to_owned();
    SymbolEntry {
        currency: "USD".into(),
        description: info.name.to_uppercase(),
        display_symbol: symbol.clone(),
        figi: String::new(),
        isin: None,
        mic: "XNAS".into(),
        share_class_figi: String::new(),
        symbol,
        symbol2: String::new(),
        kind: "Common Stock".into(),
    }
}

fn profile(market: &Market, id: SymbolId) -> Profile {
    let info = market.info(id);
    Profile {
        country: "US".into(),
        currency: "USD".into(),
        exchange: "NASDAQ NMS - GLOBAL MARKET".into(),
        industry: String::new(),
        ipo: String::new(),
        logo: String::new(),
        market_capitalization: 0.0,
        name: info.name.clone(),
        phone: String::new(),
        share_outstanding: 0.0,
        ticker: info.symbol.as_str().to_owned(),
        weburl: String::new(),
    }
}

/// The bars of a candle request: native minute or daily bars, regrouped.
async fn candles(app: &App, id: SymbolId, req: &CandleRequest) -> Result<Vec<Bar>, FinnhubError> {
    let market = app.market.clone();
    let schedule = *market.schedule();
    let until = app.current_tick();
    let (from, to) = req.range_ms();
    let to = to.min(schedule.time_of(until) + 1);
    if from >= to {
        return Ok(Vec::new());
    }
    let too_many = |ticks: u64| {
        FinnhubError::unprocessable(format!(
            "Too many ticks: this range means aggregating {ticks} ticks; the limit is {} \
             (--max-history-ticks)",
            app.config.max_history_ticks
        ))
    };
    let resolution = req.resolution;
    let bars = match resolution {
        Resolution::Minutes(_) => {
            let ticks = ((to - from) / schedule.interval_ms().max(1) as i64) as u64 + 1;
            if ticks > app.config.max_history_ticks {
                return Err(too_many(ticks));
            }
            let work = move || market.minute_bars(id, from, to, until);
            app.heavy
                .run(ticks, work)
                .await
                .map_err(|_| too_many(ticks))?
        }
        Resolution::Day | Resolution::Week | Resolution::Month => {
            let calendar = market.calendar(id);
            let (first, last) = (calendar.local_date(from), calendar.local_date(to - 1));
            let ticks = market.daily_bar_ticks(id, first, last, until);
            if ticks > app.config.max_history_ticks {
                return Err(too_many(ticks));
            }
            let work = move || market.daily_bars(id, first, last, until);
            app.heavy
                .run(ticks, work)
                .await
                .map_err(|_| too_many(ticks))?
        }
    };
    let bars: Vec<Bar> = bars.iter().map(|c| Bar::from_candle(c, None)).collect();
    Ok(match resolution {
        Resolution::Minutes(1) | Resolution::Day => bars,
        other => bars::regroup(&bars, other.bucket()),
    })
}
