//! `/binance/api/v3/…`: Binance Spot's public market data ([`ticker_vendors::binance`]) for
//! the symbols on the 24/7 calendar, with Binance's error codes.
//!
//! Every value is the native API's at the clock's tick: klines are the native candles
//! (regrouped for the widths the native API lacks), `ticker/price` the quote's price,
//! `bookTicker` and the top of `depth` the NBBO, `trades` the model's trades, and
//! `ticker/24hr` the rolling statistics of the minute candles ([`ticker_vendors::binance::window`]).
//! `X-MBX-TIME-UNIT: MICROSECOND` switches times to microseconds, as on Binance.

use http::{HeaderMap, Response};
use ticker_core::{CandleInterval, Market, Seq, SymbolId};
use ticker_vendors::bars::{self, Bar, Bucket};
use ticker_vendors::binance::body::{self, one_or_many};
use ticker_vendors::binance::depth;
use ticker_vendors::binance::events::Trade;
use ticker_vendors::binance::exchange_info::{self, SymbolSpec};
use ticker_vendors::binance::klines::{parse_klines, KlineQuery};
use ticker_vendors::binance::model;
use ticker_vendors::binance::num::TimeUnit;
use ticker_vendors::binance::rest::{self, Endpoint, Selection};
use ticker_vendors::binance::BinanceError;

use super::{always_open, json, params};
use crate::app::App;
use crate::response::Body;
use ticker_vendors::binance::window::Rolling;

/// The REST prefix of the Binance gateway.
pub const PREFIX: &str = "/binance";

pub(super) const CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// The Binance instruments of a market: 24/7 symbols, named exactly.
pub use ticker_vendors::instruments::binance as instrument;

/// Answers a request whose path below [`PREFIX`] is `rest`.
pub async fn respond(
    app: &App,
    rest: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Response<Body> {
    match answer(app, rest, query, headers).await {
        Ok(body) => json(200, CONTENT_TYPE, body),
        Err(e) => json(e.status, CONTENT_TYPE, e.body()),
    }
}

async fn answer(
    app: &App,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<String, BinanceError> {
    let endpoint = rest::route(path)?;
    let params = params(query).map_err(|why| BinanceError::unsupported("query", &why))?;
    let unit = match headers.get("x-mbx-time-unit").map(|v| v.to_str()) {
        None => TimeUnit::Millisecond,
        Some(Ok(text)) => {
            TimeUnit::parse(text).ok_or_else(|| BinanceError::invalid_value("X-MBX-TIME-UNIT"))?
        }
        Some(Err(_)) => return Err(BinanceError::invalid_value("X-MBX-TIME-UNIT")),
    };
    let market = &app.market;
    let instruments = |s: &str| instrument(market, s);
    let until = app.current_tick();
    let now_ms = app.clock.now_ms();
    match endpoint {
        Endpoint::Ping => Ok(body::PING.to_owned()),
        Endpoint::Time => Ok(body::time(now_ms)),
        Endpoint::ExchangeInfo => {
            let specs: Vec<SymbolSpec> = all(market)
                .map(|id| SymbolSpec {
                    symbol: market.symbol(id).as_str().to_owned(),
                    tick_size: market.info(id).tick_size,
                })
                .collect();
            Ok(exchange_info::body(&specs, now_ms))
        }
        Endpoint::Klines | Endpoint::UiKlines => {
            let q = parse_klines(&params, &instruments, market.schedule().interval_ms())?;
            klines(app, &q, until, unit).await
        }
        Endpoint::Ticker24h => {
            let (selection, kind) = rest::parse_ticker_24h(&params, &instruments)?;
            let (one, ids) = chosen(market, selection);
            let ticks = Rolling::max_ticks(market).saturating_mul(ids.len() as u64);
            let (m, rolling) = (market.clone(), app.rolling.clone());
            let work = move || {
                ids.iter()
                    .filter_map(|&id| {
                        let stats = rolling.stats(&m, id, until)?;
                        let last_qty = m.latest_trade(id, until).map_or(0, |t| t.size);
                        let book = model::book(&m.nbbo(id, until));
                        let symbol = m.symbol(id);
                        Some(body::ticker_24h(
                            symbol.as_str(),
                            &stats,
                            last_qty,
                            &book,
                            kind,
                            unit,
                        ))
                    })
                    .collect::<Vec<String>>()
            };
            let parts = app.heavy.run(ticks, work).await.map_err(|_| internal())?;
            Ok(one_or_many(one, &parts))
        }
        Endpoint::TickerPrice => {
            let (one, ids) = chosen(market, rest::parse_selection(&params, &instruments)?);
            app.warm().await;
            let parts: Vec<String> = ids
                .iter()
                .map(|&id| body::price(market.symbol(id).as_str(), app.quote(id, until).price))
                .collect();
            Ok(one_or_many(one, &parts))
        }
        Endpoint::BookTicker => {
            let (one, ids) = chosen(market, rest::parse_selection(&params, &instruments)?);
            let parts: Vec<String> = ids
                .iter()
                .map(|&id| {
                    let book = model::book(&market.nbbo(id, until));
                    body::book_ticker(market.symbol(id).as_str(), &book)
                })
                .collect();
            Ok(one_or_many(one, &parts))
        }
        Endpoint::Depth => {
            let (id, limit) = rest::parse_depth(&params, &instruments)?;
            let top = model::book(&market.nbbo(id, until));
            let key = market.config().seed ^ u64::from(id.0);
            Ok(body::depth(&depth::book(
                &top,
                market.info(id).tick_size,
                limit,
                key,
            )))
        }
        Endpoint::Trades => {
            let (id, limit) = rest::parse_trades(&params, &instruments)?;
            Ok(body::trades(&recent_trades(market, id, until, limit), unit))
        }
    }
}

fn internal() -> BinanceError {
    BinanceError::unsupported("request", "The server could not compute it.")
}

fn all(market: &Market) -> impl Iterator<Item = SymbolId> + '_ {
    market.ids().filter(|id| always_open(market, *id))
}

/// Whether the answer is one object, and the symbols it covers.
fn chosen(market: &Market, selection: Selection) -> (bool, Vec<SymbolId>) {
    match selection {
        Selection::One(id) => (true, vec![id]),
        Selection::Many(ids) => (false, ids),
        Selection::All => (false, all(market).collect()),
    }
}

/// The last `limit` trades up to tick `until`, oldest first.
fn recent_trades(market: &Market, id: SymbolId, until: Seq, limit: u32) -> Vec<Trade> {
    let last = market.trade_count(id, until);
    let mut next = last.saturating_sub(u64::from(limit)) + 1;
    let mut out = Vec::with_capacity(usize::try_from(limit).unwrap_or(0).min(1024));
    while next <= last {
        let Some(tick) = market.tick_of_trade(id, next) else {
            break;
        };
        let traded = market.trades(id, tick);
        let (bid, ask) = (traded.summary().bid, traded.summary().ask);
        let from = next;
        for t in traded.iter().filter(|t| t.id >= from && t.id <= last) {
            out.push(model::trade(&t, bid, ask));
            next = t.id + 1;
        }
        if next == from {
            break; // no progress: a tick without the trade it was said to hold
        }
    }
    out
}

/// The klines a query selects, from the native candles.
async fn klines(
    app: &App,
    q: &KlineQuery,
    until: Seq,
    unit: TimeUnit,
) -> Result<String, BinanceError> {
    let market = app.market.clone();
    let schedule = *market.schedule();
    let now_ms = schedule.time_of(until);
    let (from, to) = q.window(now_ms);
    if from >= to {
        return Ok("[]".to_owned());
    }
    let ticks = ((to - from) / schedule.interval_ms().max(1) as i64) as u64 + 1;
    if ticks > app.config.max_history_ticks {
        return Err(BinanceError::unsupported(
            "limit",
            &format!(
                "These klines span {ticks} ticks; this server aggregates at most {} per \
                 request (--max-history-ticks): ask for fewer.",
                app.config.max_history_ticks
            ),
        ));
    }
    let (id, interval) = (q.symbol, q.interval);
    let native = interval.native();
    let work = move || -> Vec<Bar> {
        let Some(base) = native else {
            return Vec::new();
        };
        let candles = market.candles(id, base, from, to, until);
        let bars: Vec<Bar> = candles.iter().map(|c| Bar::from_candle(c, None)).collect();
        match interval.bucket() {
            Bucket::Fixed(ms) if ms == base_ms(base) => bars,
            bucket => bars::regroup(&bars, bucket),
        }
    };
    let bars = app.heavy.run(ticks, work).await.map_err(|_| internal())?;
    let rows: Vec<_> = bars
        .into_iter()
        .filter(|b| b.start_ms >= from && b.start_ms < to)
        .take(usize::try_from(q.limit).unwrap_or(usize::MAX))
        .map(|b| model::kline(interval, b, now_ms))
        .collect();
    Ok(body::klines(&rows, unit))
}

fn base_ms(c: CandleInterval) -> i64 {
    c.ms()
}
