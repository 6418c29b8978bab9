//! `/api/v1/trades/{symbol}` (a range, paged), `/api/v1/trades/{symbol}/latest` and
//! `/api/v1/nbbo/{symbol}`: the model's trades and best quotes, computed on demand.
//!
//! A range: trades with `from ≤ timestamp < to` (Unix ms or RFC 3339; `to` defaults to now
//! and is clamped to it), oldest first, at most `limit` (default 100, at most
//! `--max-trades`), with `next_page_token` naming the next one when more remain; pass it
//! back as `page_token` (with the same `to`) for the next page. Without `from` or
//! `page_token`, the latest `limit` trades before `to`. Each request costs O(log n) per tick
//! it visits and O(1) per trade, and visits only ticks that traded: quiet stretches (a
//! weekend) are skipped through the cumulative trade count.

use http::{Response, StatusCode};
use ticker_core::{Seq, SymbolId, Trade};
use ticker_net::query::{shorten, Query};
use ticker_net::ApiError;

use crate::app::App;
use crate::params::{self, invalid};
use crate::quotes::resolve_path_symbol;
use crate::response::{self, Body};

const DEFAULT_LIMIT: usize = 100;

/// `GET /api/v1/trades/{symbol}/latest`: the last trade at or before now.
pub fn latest(app: &App, raw: &str) -> Result<Response<Body>, ApiError> {
    let id = resolve_path_symbol(app, raw)?;
    let Some(trade) = app.market.latest_trade(id, app.current_tick()) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_trade",
            format!(
                "{} has not traded yet (the clock is before its first session)",
                app.market.symbol(id)
            ),
        ));
    };
    let mut body = Vec::with_capacity(256);
    trade.write_json(&mut body);
    Ok(response::json(StatusCode::OK, body))
}

/// `GET /api/v1/nbbo/{symbol}`: the best bid and offer now.
pub fn nbbo(app: &App, raw: &str) -> Result<Response<Body>, ApiError> {
    let id = resolve_path_symbol(app, raw)?;
    let mut body = Vec::with_capacity(256);
    app.market
        .nbbo(id, app.current_tick())
        .write_json(&mut body);
    Ok(response::json(StatusCode::OK, body))
}

/// The number of trades before `to` (Unix ms), among the ticks up to `until`: the id of the
/// last of them.
fn count_before(app: &App, id: SymbolId, to: i64, until: Seq) -> u64 {
    let market = &app.market;
    let schedule = market.schedule();
    // Every tick up to `to`'s own has its trades before it; that one, some of them.
    let straddling = Seq(schedule.tick_at(to.saturating_sub(1)).0 + 1);
    if straddling > until {
        return market.trade_count(id, until);
    }
    let before = market.trade_count(id, Seq(straddling.0 - 1));
    let inside = market.trades(id, straddling);
    before + inside.iter().take_while(|t| t.timestamp < to).count() as u64
}

/// Where a page starts: a trade id.
fn start(app: &App, id: SymbolId, query: &Query, last: u64, limit: usize) -> Result<u64, ApiError> {
    let market = &app.market;
    let schedule = market.schedule();
    if let Some(raw) = query.get("page_token")? {
        return match raw.parse::<u64>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(invalid(
                "page_token",
                format!("{:?} is not a token from a previous page", shorten(raw)),
            )),
        };
    }
    match params::time(query, "from")? {
        // The first trade of the tick whose interval holds `from` (earlier ones are skipped).
        Some(from) => Ok(market.trade_count(id, schedule.tick_at(from)) + 1),
        // The latest `limit` before `to`.
        None => Ok(last.saturating_sub(limit as u64 - 1).max(1)),
    }
}

/// `GET /api/v1/trades/{symbol}?from=&to=&limit=&page_token=`.
pub fn range(app: &App, raw: &str, query: &Query) -> Result<Response<Body>, ApiError> {
    let id = resolve_path_symbol(app, raw)?;
    let market = &app.market;
    let schedule = market.schedule();
    let limit = params::limit(query, DEFAULT_LIMIT, app.config.max_trades)?;
    let now_ms = app.clock.now_ms();
    let until = schedule.tick_at(now_ms);
    let to = params::time(query, "to")?.map_or(now_ms + 1, |t| t.min(now_ms + 1));
    let from = params::time(query, "from")?;
    if from.is_some_and(|f| f >= to) {
        return Err(invalid(
            "from",
            "must be before `to` (and not in the future)",
        ));
    }
    let last = count_before(app, id, to, until);
    let first = start(app, id, query, last, limit)?;
    let mut trades: Vec<Trade> = Vec::with_capacity(limit.min(1024));
    let mut next = first;
    // Tick by tick through the ticks that traded: each visit is O(log n) plus its trades.
    while next <= last && trades.len() < limit {
        let Some(tick) = market.tick_of_trade(id, next) else {
            break;
        };
        let traded = market.trades(id, tick);
        let skip = usize::try_from(next - traded.first_id).unwrap_or(usize::MAX);
        for t in traded.iter().skip(skip) {
            if t.id > last || trades.len() == limit {
                break;
            }
            next = t.id + 1;
            if from.is_none_or(|f| t.timestamp >= f) {
                trades.push(t);
            }
        }
    }
    let more = next <= last;
    let mut body = Vec::with_capacity(64 + trades.len() * 220);
    body.extend_from_slice(b"{\"symbol\":\"");
    body.extend_from_slice(market.symbol(id).as_str().as_bytes());
    body.extend_from_slice(b"\",\"trades\":[");
    for (i, t) in trades.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        t.write_json(&mut body);
    }
    body.extend_from_slice(b"],\"next_page_token\":");
    if more {
        body.push(b'"');
        body.extend_from_slice(next.to_string().as_bytes());
        body.push(b'"');
    } else {
        body.extend_from_slice(b"null");
    }
    body.push(b'}');
    Ok(response::json(StatusCode::OK, body))
}
