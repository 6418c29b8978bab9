//! Polygon/Massive REST under `/polygon`: a client whose base URL is
//! `http://HOST:8000/polygon` calls `/polygon/v2/…` and gets Polygon's bodies.
//!
//! [`ticker_vendors::polygon::rest`] parses the request, checks the key and builds the
//! absolute `next_url`; this file reads the market ([`super::data`]). Aggregates page by bar
//! start: `next_url` carries `cursor=<ms>` of the first bar of the next page.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use http::{HeaderMap, Response};
use ticker_core::{Candle, Market, Seq, Symbol, SymbolId};
use ticker_vendors::bars::Bucket;
use ticker_vendors::polygon::body;
use ticker_vendors::polygon::market;
use ticker_vendors::polygon::msg::{
    SnapshotBar, SnapshotMinute, SnapshotQuote, SnapshotTrade, TickerSnapshot,
};
use ticker_vendors::polygon::rest::{self, AggsRequest, Request, RestError, Sort, Timespan};

use super::data;
use crate::app::App;
use crate::response::{self, Body};

/// The gateway's path prefix.
pub const PREFIX: &str = "/polygon";

/// Answers one request under `/polygon` (`path` still with the prefix, which the Python SDK's
/// pagination may repeat).
pub async fn respond(app: &App, path: &str, query: &str, headers: &HeaderMap) -> Response<Body> {
    let id = request_id();
    let answered = match prepare(app, path, query, headers) {
        Ok((ctx, request)) => {
            let rid = id.clone();
            app.heavy
                .run(u64::MAX, move || answer(&ctx, request, &rid))
                .await
                .unwrap_or_else(|e| Err(RestError::bad_request(e.message)))
        }
        Err(e) => Err(e),
    };
    match answered {
        Ok(body) => response::json(http::StatusCode::OK, body),
        Err(e) => {
            let status = http::StatusCode::from_u16(e.status)
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            response::json(status, e.body(&id))
        }
    }
}

/// A request id unique within the process, in Polygon's 32-hex-digit form.
pub(super) fn request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}{n:016x}", std::process::id())
}

struct Ctx {
    market: Arc<Market>,
    now_ms: i64,
    until: Seq,
    max_ticks: u64,
    /// The `Host` the client used, for `next_url`.
    host: String,
}

fn prepare(
    app: &App,
    path: &str,
    query: &str,
    headers: &HeaderMap,
) -> Result<(Ctx, Request), RestError> {
    let authorization = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    rest::authorize(query, authorization, app.config.gateway_keys.polygon())?;
    let under = rest::strip_prefix(path, PREFIX)
        .ok_or_else(|| RestError::not_found("The requested resource was not found"))?;
    let request = rest::parse(under, query)?;
    if let Request::Snapshots(Some(list)) = &request {
        if list.len() > app.config.max_gateway_symbols {
            return Err(RestError::bad_request(format!(
                "too many tickers (at most {}, --max-gateway-symbols)",
                app.config.max_gateway_symbols
            )));
        }
    }
    let now_ms = app.clock.now_ms();
    let host = headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("127.0.0.1")
        .to_owned();
    Ok((
        Ctx {
            market: app.market.clone(),
            now_ms,
            until: app.market.schedule().tick_at(now_ms),
            max_ticks: app.config.max_history_ticks,
            host,
        },
        request,
    ))
}

fn lookup(ctx: &Ctx, s: Symbol) -> Result<SymbolId, RestError> {
    ctx.market
        .lookup(s.as_str())
        .ok_or_else(|| RestError::not_found(format!("ticker {s} not found")))
}

fn answer(ctx: &Ctx, request: Request, rid: &str) -> Result<String, RestError> {
    let m = &ctx.market;
    match request {
        Request::Aggs(req) => aggs(ctx, &req, rid),
        Request::Prev(s) => {
            let id = lookup(ctx, s)?;
            let prev: Vec<_> = previous_day(ctx, id)
                .iter()
                .map(|c| market::agg(c, Some(s)))
                .collect();
            Ok(body::aggs_json(s.as_str(), true, &prev, rid, None))
        }
        Request::LastTrade(s) => {
            let id = lookup(ctx, s)?;
            let trade = m
                .latest_trade(id, ctx.until)
                .ok_or_else(|| RestError::not_found(format!("no trades for {s} yet")))?;
            Ok(body::last_trade_json(&market::last_trade(&trade), rid))
        }
        Request::LastQuote(s) => {
            let id = lookup(ctx, s)?;
            let nbbo = m.nbbo(id, ctx.until);
            Ok(body::last_quote_json(
                &market::last_quote(&nbbo, m.info(id).tape),
                rid,
            ))
        }
        Request::Snapshot(s) => {
            let id = lookup(ctx, s)?;
            Ok(body::snapshot_json(&snapshot(ctx, id), rid))
        }
        Request::Snapshots(list) => {
            let ids: Vec<SymbolId> = match list {
                Some(list) => list.iter().filter_map(|s| m.lookup(s.as_str())).collect(),
                None => m.ids().collect(),
            };
            let snaps: Vec<TickerSnapshot> = ids.iter().map(|id| snapshot(ctx, *id)).collect();
            Ok(body::snapshots_json(&snaps, rid))
        }
    }
}

fn too_long(ticks: u64, max: u64) -> RestError {
    RestError::bad_request(format!(
        "the range spans {ticks} ticks; the limit is {max} (--max-history-ticks): narrow from and to"
    ))
}

/// `/v2/aggs/ticker/{T}/range/{mult}/{timespan}/{from}/{to}`.
fn aggs(ctx: &Ctx, req: &AggsRequest, rid: &str) -> Result<String, RestError> {
    let m = &ctx.market;
    let id = lookup(ctx, req.ticker)?;
    let from_ms = req.from.as_ms();
    let to_ms = req.to.as_ms().min(ctx.now_ms);
    let mult = i64::from(req.multiplier);
    let mut bars: Vec<Candle> = if from_ms > to_ms {
        Vec::new()
    } else {
        match req.timespan {
            Timespan::Second | Timespan::Minute | Timespan::Hour => {
                let width = mult
                    * match req.timespan {
                        Timespan::Second => 1_000,
                        Timespan::Minute => 60_000,
                        _ => 3_600_000,
                    };
                let from = from_ms.div_euclid(width) * width;
                let to = to_ms.saturating_add(1);
                let ticks = data::minute_ticks(m, from, to);
                if ticks > ctx.max_ticks {
                    return Err(too_long(ticks, ctx.max_ticks));
                }
                if req.timespan == Timespan::Second {
                    data::second_bars(m, id, from, to, ctx.until, width)
                } else {
                    data::minute_bars(m, id, from, to, ctx.until, width / 60_000)
                }
            }
            span => {
                let calendar = m.calendar(id);
                let (from, to) = (calendar.local_date(from_ms), calendar.local_date(to_ms));
                let ticks = data::daily_ticks(m, id, from, to, ctx.until);
                if ticks > ctx.max_ticks {
                    return Err(too_long(ticks, ctx.max_ticks));
                }
                let days = data::daily_bars(m, id, from, to, ctx.until);
                let n = u32::try_from(mult).unwrap_or(u32::MAX);
                match span {
                    Timespan::Day if n <= 1 => days,
                    Timespan::Day => data::chunks(&days, n as usize),
                    Timespan::Week => data::chunks(&data::regroup(&days, Bucket::Week), n as usize),
                    Timespan::Month => data::months(&days, n),
                    Timespan::Quarter => data::months(&days, n.saturating_mul(3)),
                    _ => data::months(&days, n.saturating_mul(12)),
                }
            }
        }
    };
    bars.retain(|c| c.timestamp <= to_ms);
    if req.sort == Sort::Desc {
        bars.reverse();
    }
    if let Some(cursor) = req.cursor {
        bars.retain(|c| match req.sort {
            Sort::Asc => c.timestamp >= cursor,
            Sort::Desc => c.timestamp <= cursor,
        });
    }
    let next = bars
        .get(req.limit)
        .map(|c| rest::next_url(&ctx.host, PREFIX, req, c.timestamp));
    bars.truncate(req.limit);
    let results: Vec<_> = bars.iter().map(|c| market::agg(c, None)).collect();
    Ok(body::aggs_json(
        req.ticker.as_str(),
        req.adjusted,
        &results,
        rid,
        next.as_deref(),
    ))
}

/// The daily bars of the last week up to today, oldest first.
fn recent_days(ctx: &Ctx, id: SymbolId) -> Vec<Candle> {
    let calendar = ctx.market.calendar(id);
    let today = calendar.local_date(ctx.now_ms);
    data::daily_bars(&ctx.market, id, today.add_days(-7), today, ctx.until)
}

/// The last finished trading day's bar (before today's, if today has one).
fn previous_day(ctx: &Ctx, id: SymbolId) -> Option<Candle> {
    let days = recent_days(ctx, id);
    let calendar = ctx.market.calendar(id);
    let today = calendar.local_date(ctx.now_ms);
    days.iter()
        .rev()
        .find(|c| calendar.local_date(c.timestamp) < today)
        .copied()
}

fn snapshot_bar(c: Option<&Candle>) -> SnapshotBar {
    match c {
        Some(c) => SnapshotBar {
            o: c.open,
            h: c.high,
            l: c.low,
            c: c.close,
            v: c.volume,
            vw: c.vwap.to_f64(),
        },
        None => SnapshotBar {
            o: ticker_core::Decimal::new(0, 0),
            h: ticker_core::Decimal::new(0, 0),
            l: ticker_core::Decimal::new(0, 0),
            c: ticker_core::Decimal::new(0, 0),
            v: 0,
            vw: 0.0,
        },
    }
}

/// One ticker's snapshot: today, the latest minute, the previous day, last trade and NBBO.
fn snapshot(ctx: &Ctx, id: SymbolId) -> TickerSnapshot {
    let m = &ctx.market;
    let days = recent_days(ctx, id);
    let today = m.calendar(id).local_date(ctx.now_ms);
    let day = days
        .last()
        .filter(|c| m.calendar(id).local_date(c.timestamp) == today);
    let prev = previous_day(ctx, id);
    let minute = {
        let to = ctx.now_ms + 1;
        data::minute_bars(m, id, to - 86_400_000, to, ctx.until, 1)
            .last()
            .copied()
    };
    let trade = m.latest_trade(id, ctx.until);
    let nbbo = m.nbbo(id, ctx.until);
    let last = trade.map_or(nbbo.bid, |t| t.price).to_f64();
    let (change, perc) = match prev {
        Some(p) if p.close.to_f64() != 0.0 => {
            let c = last - p.close.to_f64();
            (c, c / p.close.to_f64() * 100.0)
        }
        _ => (0.0, 0.0),
    };
    TickerSnapshot {
        ticker: m.symbol(id).as_str().to_owned(),
        todays_change: change,
        todays_change_perc: perc,
        updated: ctx.now_ms.saturating_mul(1_000_000),
        day: snapshot_bar(day),
        min: SnapshotMinute {
            av: day.map_or(0, |d| d.volume),
            t: minute.map_or(0, |c| c.timestamp),
            n: minute.map_or(0, |c| c.trades),
            bar: snapshot_bar(minute.as_ref()),
        },
        prev_day: snapshot_bar(prev.as_ref()),
        last_trade: match trade {
            Some(t) => {
                let lt = market::last_trade(&t);
                SnapshotTrade {
                    c: lt.c,
                    i: lt.i,
                    p: lt.p,
                    s: lt.s,
                    t: lt.t,
                    x: lt.x,
                }
            }
            None => SnapshotTrade {
                c: Vec::new(),
                i: String::new(),
                p: nbbo.bid,
                s: 0,
                t: 0,
                x: 0,
            },
        },
        last_quote: SnapshotQuote {
            ask_price: nbbo.ask,
            ask_size: nbbo.ask_size,
            bid_price: nbbo.bid,
            bid_size: nbbo.bid_size,
            t: nbbo.timestamp.saturating_mul(1_000_000),
        },
    }
}
