//! Alpaca Market Data v2 under `/alpaca`: a client whose data base URL is
//! `http://HOST:8000/alpaca` calls `/alpaca/v2/stocks/…` and gets Alpaca's bodies.
//!
//! [`ticker_vendors::alpaca::rest`] parses the request and checks the credentials; this file
//! reads the market ([`super::data`]) and pages the answer. A page covers the symbols in
//! request order, `limit` items across all of them; its `next_page_token` names the symbol,
//! time and skip count where the next page starts, so any replica can serve it.

use http::{HeaderMap, Response};
use ticker_core::{Market, Seq, Symbol, SymbolId};
use ticker_vendors::alpaca::body::{self, Page, Snapshot};
use ticker_vendors::alpaca::market;
use ticker_vendors::alpaca::rest::{
    self, PageToken, Request, RequestAuth, RestLimits, Sort, Symbols, Timeframe, Window,
};
use ticker_vendors::alpaca::{Bar, Credentials, Quote, RestError, Trade};
use ticker_vendors::bars::Bucket;
use ticker_vendors::nanos::Nanos;

use super::data;
use crate::app::App;
use crate::response::{self, Body};

const NANOS_PER_MS: i64 = 1_000_000;

/// Answers one request under `/alpaca` (`path` without the prefix).
pub async fn respond(app: &App, path: &str, query: &str, headers: &HeaderMap) -> Response<Body> {
    let answered = match prepare(app, path, query, headers) {
        // The work is bounded (--max-history-ticks) but may take a while: off the async
        // threads and within --max-heavy-requests, like the native history endpoints.
        Ok((ctx, request)) => app
            .heavy
            .run(u64::MAX, move || answer(&ctx, request))
            .await
            .unwrap_or_else(|e| Err(RestError::internal(e.message))),
        Err(e) => Err(e),
    };
    match answered {
        Ok(body) => response::json(http::StatusCode::OK, body),
        Err(e) => error(&e),
    }
}

/// Alpaca's error response.
pub fn error(e: &RestError) -> Response<Body> {
    let status =
        http::StatusCode::from_u16(e.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response::json(status, e.body())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks the credentials and parses the request.
fn prepare(
    app: &App,
    path: &str,
    query: &str,
    headers: &HeaderMap,
) -> Result<(Ctx, Request), RestError> {
    let configured = app
        .config
        .gateway_keys
        .alpaca()
        .map(|(key, secret)| Credentials {
            key: key.to_owned(),
            secret: secret.to_owned(),
        });
    rest::authorize(
        RequestAuth {
            key_id: header(headers, "apca-api-key-id"),
            secret: header(headers, "apca-api-secret-key"),
            authorization: header(headers, "authorization"),
        },
        configured.as_ref(),
    )?;
    let limits = RestLimits {
        max_symbols: app.config.max_gateway_symbols,
    };
    let request = rest::parse(path, query, limits)?;
    let now_ms = app.clock.now_ms();
    let ctx = Ctx {
        market: app.market.clone(),
        now_ms,
        until: app.market.schedule().tick_at(now_ms),
        max_ticks: app.config.max_history_ticks,
    };
    Ok((ctx, request))
}

/// Computes the body of a parsed request.
fn answer(ctx: &Ctx, request: Request) -> Result<String, RestError> {
    match request {
        Request::Bars {
            symbols,
            timeframe,
            window,
        } => {
            let page = paged(ctx, &symbols, &window, |ctx, id, lo, hi| {
                bars_between(ctx, id, timeframe, lo, hi)
            })?;
            Ok(body::page_json("bars", &symbols, &page))
        }
        Request::Trades { symbols, window } => {
            let page = paged_trades(ctx, &symbols, &window)?;
            Ok(body::page_json("trades", &symbols, &page))
        }
        Request::Quotes { symbols, window } => {
            let page = paged(ctx, &symbols, &window, quotes_between)?;
            Ok(body::page_json("quotes", &symbols, &page))
        }
        Request::LatestTrades(symbols) => {
            let items = each(ctx, &symbols, |ctx, id| {
                ctx.market
                    .latest_trade(id, ctx.until)
                    .map(|t| market::trade(&t))
            });
            Ok(body::latest_json("trade", "trades", &symbols, &items))
        }
        Request::LatestQuotes(symbols) => {
            let items = each(ctx, &symbols, |ctx, id| Some(latest_quote(ctx, id)));
            Ok(body::latest_json("quote", "quotes", &symbols, &items))
        }
        Request::LatestBars(symbols) => {
            let items = each(ctx, &symbols, latest_bar);
            Ok(body::latest_json("bar", "bars", &symbols, &items))
        }
        Request::Snapshots(symbols) => {
            let items = each(ctx, &symbols, |ctx, id| Some(snapshot(ctx, id)));
            Ok(body::snapshots_json(&symbols, &items))
        }
    }
}

/// What every handler reads: the market, now and its tick, and the work limit.
struct Ctx {
    market: std::sync::Arc<Market>,
    now_ms: i64,
    until: Seq,
    max_ticks: u64,
}

impl Ctx {
    fn now(&self) -> Nanos {
        Nanos::from_ms(self.now_ms)
    }
}

/// The requested symbols that this market has, in request order (unknown ones have no data,
/// as on Alpaca).
fn known(ctx: &Ctx, symbols: &Symbols) -> Vec<(Symbol, SymbolId)> {
    symbols
        .list()
        .iter()
        .filter_map(|s| ctx.market.lookup(s.as_str()).map(|id| (*s, id)))
        .collect()
}

fn each<T>(
    ctx: &Ctx,
    symbols: &Symbols,
    f: impl Fn(&Ctx, SymbolId) -> Option<T>,
) -> Vec<(Symbol, T)> {
    known(ctx, symbols)
        .into_iter()
        .filter_map(|(s, id)| f(ctx, id).map(|v| (s, v)))
        .collect()
}

/// The window's bounds (inclusive): `start` defaults to today's New York midnight, `end` to
/// now; neither goes past now.
fn bounds(ctx: &Ctx, window: &Window) -> Result<(Nanos, Nanos), RestError> {
    let now = ctx.now();
    let end = window.end.map_or(now, |e| e.min(now));
    let start = window.start.unwrap_or_else(|| now.ny_midnight());
    if window.start.is_some() && window.end.is_some() && window.end < window.start {
        return Err(RestError::unprocessable("end should not be before start"));
    }
    Ok((start, end))
}

/// Where a page resumes within its first symbol: a time and how many items at that time to
/// skip.
type Resume = Option<(Nanos, u32)>;

/// Items of one symbol in `[lo, hi]`, in the window's order, each with its time.
type Timed<T> = Vec<(Nanos, T)>;

/// Pages items from `fetch` (all of a symbol's items in `[lo, hi]`, oldest first) across the
/// symbols: the page starts where the token says and holds at most `limit` items.
fn paged<T>(
    ctx: &Ctx,
    symbols: &Symbols,
    window: &Window,
    fetch: impl Fn(&Ctx, SymbolId, Nanos, Nanos) -> Result<Timed<T>, RestError>,
) -> Result<Page<T>, RestError> {
    let (lo, hi) = bounds(ctx, window)?;
    let desc = window.sort == Sort::Desc;
    let mut page = Page {
        items: Vec::new(),
        next: None,
    };
    let mut left = window.limit;
    for (sym, id, resume) in resumed(ctx, symbols, window.page.as_ref()) {
        let mut items = if lo <= hi {
            fetch(ctx, id, lo, hi)?
        } else {
            Vec::new()
        };
        if desc {
            items.reverse();
        }
        let start = resume.map_or(0, |(at, skip)| {
            let before = items
                .iter()
                .take_while(|(t, _)| if desc { *t > at } else { *t < at })
                .count();
            before + skip as usize
        });
        let rest: Vec<(Nanos, T)> = items.into_iter().skip(start).collect();
        if rest.len() > left {
            page.next = Some(token(sym, &rest, left, resume));
            page.items
                .push((sym, rest.into_iter().take(left).map(|(_, v)| v).collect()));
            return Ok(page);
        }
        left -= rest.len();
        page.items
            .push((sym, rest.into_iter().map(|(_, v)| v).collect()));
    }
    Ok(page)
}

/// The symbols a page covers, from the token's symbol on, the first with the token's resume
/// point `(time, skip)`.
fn resumed(
    ctx: &Ctx,
    symbols: &Symbols,
    page: Option<&PageToken>,
) -> Vec<(Symbol, SymbolId, Resume)> {
    let list = known(ctx, symbols);
    let from = page.map_or(0, |p| {
        list.iter()
            .position(|(s, _)| *s == p.symbol)
            .unwrap_or(list.len())
    });
    list.into_iter()
        .skip(from)
        .enumerate()
        .map(|(i, (s, id))| {
            let resume = page.filter(|_| i == 0).map(|p| (p.at, p.skip));
            (s, id, resume)
        })
        .collect()
}

/// The token of the item at `cut` of `rest` (a symbol's items from the resume point on):
/// its time and how many items at that same time precede it from the resume point.
fn token<T>(sym: Symbol, rest: &Timed<T>, cut: usize, resume: Resume) -> PageToken {
    let at = rest.get(cut).map_or(Nanos(0), |(t, _)| *t);
    let same = rest
        .iter()
        .take(cut)
        .rev()
        .take_while(|(t, _)| *t == at)
        .count() as u32;
    let skip = match resume {
        Some((r, s)) if r == at && same as usize == cut => s + same,
        _ => same,
    };
    PageToken {
        symbol: sym,
        at,
        skip,
    }
}

/// Trades page by trade id: O(log n) per tick visited, never the whole window.
fn paged_trades(ctx: &Ctx, symbols: &Symbols, window: &Window) -> Result<Page<Trade>, RestError> {
    let (lo, hi) = bounds(ctx, window)?;
    let desc = window.sort == Sort::Desc;
    let m = &ctx.market;
    let mut page = Page {
        items: Vec::new(),
        next: None,
    };
    let mut left = window.limit;
    for (sym, id, resume) in resumed(ctx, symbols, window.page.as_ref()) {
        // Ids of the window: first ..= last.
        let mut first = data::count_before(m, id, lo.0, ctx.until) + 1;
        let mut last = data::count_before(m, id, hi.0.saturating_add(1), ctx.until);
        if let Some((at, skip)) = resume {
            if desc {
                last = last.min(
                    data::count_before(m, id, at.0.saturating_add(1), ctx.until)
                        .saturating_sub(u64::from(skip)),
                );
            } else {
                first = first.max(data::count_before(m, id, at.0, ctx.until) + 1 + u64::from(skip));
            }
        }
        if lo > hi || first > last {
            page.items.push((sym, Vec::new()));
            continue;
        }
        let trades = data::trades(m, id, first, last, left.saturating_add(1), desc);
        if trades.len() > left {
            let timed: Timed<()> = trades.iter().map(|t| (Nanos(t.timestamp_ns), ())).collect();
            page.next = Some(token(sym, &timed, left, resume));
            page.items
                .push((sym, trades.iter().take(left).map(market::trade).collect()));
            return Ok(page);
        }
        left -= trades.len();
        page.items
            .push((sym, trades.iter().map(market::trade).collect()));
    }
    Ok(page)
}

fn too_long(ticks: u64, max: u64) -> RestError {
    RestError::unprocessable(format!(
        "the time range spans {ticks} ticks; the limit is {max} (--max-history-ticks): narrow start and end"
    ))
}

/// Every bar of `timeframe` starting in `[lo, hi]`, oldest first.
fn bars_between(
    ctx: &Ctx,
    id: SymbolId,
    timeframe: Timeframe,
    lo: Nanos,
    hi: Nanos,
) -> Result<Timed<Bar>, RestError> {
    let m = &ctx.market;
    let minutes = match timeframe {
        Timeframe::Minutes(n) => Some(i64::from(n)),
        Timeframe::Hours(n) => Some(i64::from(n) * 60),
        _ => None,
    };
    let candles = match minutes {
        Some(n) => {
            let bucket = n * 60_000;
            let from = lo.as_ms().div_euclid(bucket) * bucket;
            let to = hi.as_ms().saturating_add(1);
            let ticks = data::minute_ticks(m, from, to);
            if ticks > ctx.max_ticks {
                return Err(too_long(ticks, ctx.max_ticks));
            }
            data::minute_bars(m, id, from, to, ctx.until, n)
        }
        None => {
            let calendar = m.calendar(id);
            let from = calendar.local_date(lo.as_ms());
            let to = calendar.local_date(hi.as_ms());
            let ticks = data::daily_ticks(m, id, from, to, ctx.until);
            if ticks > ctx.max_ticks {
                return Err(too_long(ticks, ctx.max_ticks));
            }
            let days = data::daily_bars(m, id, from, to, ctx.until);
            match timeframe {
                Timeframe::Week => data::regroup(&days, Bucket::Week),
                Timeframe::Months(n) => data::months(&days, n),
                _ => days,
            }
        }
    };
    Ok(candles
        .iter()
        .map(market::bar)
        .filter(|b| b.time <= hi)
        .map(|b| (b.time, b))
        .collect())
}

/// The NBBO at every tick of `[lo, hi]` while the symbol's market is open, oldest first.
fn quotes_between(
    ctx: &Ctx,
    id: SymbolId,
    lo: Nanos,
    hi: Nanos,
) -> Result<Timed<Quote>, RestError> {
    let m = &ctx.market;
    let s = m.schedule();
    let first = s.tick_at_or_after(lo.as_ms() + i64::from(lo.0.rem_euclid(NANOS_PER_MS) != 0));
    let last = s.tick_at(hi.as_ms()).min(ctx.until);
    let ticks = last.0.saturating_sub(first.0) + 1;
    if ticks > ctx.max_ticks {
        return Err(too_long(ticks, ctx.max_ticks));
    }
    let calendar = m.calendar(id);
    let tape = m.info(id).tape;
    let mut out = Vec::new();
    let mut n = first;
    while n <= last {
        let t = s.time_of(n);
        if calendar.phase_at(t).is_trading() {
            let q = market::quote(&m.nbbo(id, n), tape);
            out.push((q.time, q));
        }
        n = Seq(n.0 + 1);
    }
    Ok(out)
}

fn latest_quote(ctx: &Ctx, id: SymbolId) -> Quote {
    market::quote(&ctx.market.nbbo(id, ctx.until), ctx.market.info(id).tape)
}

/// The last minute bar with trades, looking back an hour, a day, then a week (closed markets
/// have none), within the work limit.
fn latest_bar(ctx: &Ctx, id: SymbolId) -> Option<Bar> {
    let to = ctx.now_ms + 1;
    for span in [3_600_000, 86_400_000, 7 * 86_400_000] {
        let from = to - span;
        if data::minute_ticks(&ctx.market, from, to) > ctx.max_ticks {
            return None;
        }
        if let Some(c) = data::minute_bars(&ctx.market, id, from, to, ctx.until, 1).last() {
            return Some(market::bar(c));
        }
    }
    None
}

/// The latest trade, quote and minute bar, today's (latest) daily bar and the one before.
fn snapshot(ctx: &Ctx, id: SymbolId) -> Snapshot {
    let m = &ctx.market;
    let calendar = m.calendar(id);
    let today = calendar.local_date(ctx.now_ms);
    let days = data::daily_bars(m, id, today.add_days(-7), today, ctx.until);
    let mut recent = days.iter().rev();
    let daily_bar = recent.next().map(market::bar);
    let prev_daily_bar = recent.next().map(market::bar);
    Snapshot {
        latest_trade: m.latest_trade(id, ctx.until).map(|t| market::trade(&t)),
        latest_quote: Some(latest_quote(ctx, id)),
        minute_bar: latest_bar(ctx, id),
        daily_bar,
        prev_daily_bar,
    }
}
