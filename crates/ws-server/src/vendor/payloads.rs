//! Finnhub's and Binance's pieces of one symbol at one tick, encoded for
//! [`TickFrames`](super::TickFrames): Finnhub trade objects, Binance trades, book tickers,
//! klines and 24 h tickers. Each Binance item is one stream payload (a connection wraps each
//! in its own frame); Finnhub's trades are one item, the objects comma-separated. Klines and
//! 24 h statistics come from the cross-tick [`Series`](super::series::Series) in the [`Ctx`].

use ticker_vendors::binance::events;
use ticker_vendors::binance::interval::KlineInterval;
use ticker_vendors::binance::model;
use ticker_vendors::binance::num::TimeUnit;
use ticker_vendors::finnhub::stream as finnhub;

use super::frames::{Ctx, Encoded, Named};
use crate::tick::SymbolData;

/// A kind of Binance stream payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Binance {
    /// `@trade`: one payload per trade.
    Trade(TimeUnit),
    /// `@aggTrade`: one payload per trade.
    AggTrade(TimeUnit),
    /// `@bookTicker`.
    Book,
    /// `@kline_<interval>`.
    Kline(&'static str, TimeUnit),
    /// `@miniTicker`.
    Mini(TimeUnit),
    /// `@ticker`.
    Ticker(TimeUnit),
}

/// Finnhub's condition codes for ticker's conditions: `1` regular sale, `12` Form T (extended
/// hours), `37` odd lot.
fn finnhub_conditions(t: &ticker_core::Trade) -> Vec<&'static str> {
    t.conditions
        .names()
        .filter_map(|n| match n {
            "regular" => Some("1"),
            "extended_hours" => Some("12"),
            "odd_lot" => Some("37"),
            _ => None,
        })
        .collect()
}

/// Finnhub's trade objects of the tick, as one item (empty when it has none).
pub fn finnhub(named: Named, data: &SymbolData, ctx: &Ctx<'_>, out: &mut Encoded) {
    let symbol = named.name;
    let mut item = String::new();
    for (i, t) in data.trades(ctx.market).iter().enumerate() {
        if i > 0 {
            item.push(',');
        }
        let conditions = finnhub_conditions(t);
        let trade = finnhub::Trade {
            price: t.price,
            time_ms: t.timestamp,
            volume: t.size,
            conditions: &conditions,
        };
        finnhub::write_trade(&mut item, symbol.as_str(), &trade);
    }
    out.push_raw(item.as_bytes());
}

/// The Binance payloads of `kind` for the tick.
pub fn binance(kind: Binance, named: Named, d: &SymbolData, ctx: &Ctx<'_>, out: &mut Encoded) {
    let m = ctx.market;
    let (id, symbol) = (named.id, named.name);
    let symbol = symbol.as_str();
    let event_ms = ctx.timestamp;
    let mut one = |f: &dyn Fn(&mut String)| {
        let mut item = String::with_capacity(256);
        f(&mut item);
        out.push_raw(item.as_bytes());
    };
    match kind {
        Binance::Trade(unit) | Binance::AggTrade(unit) => {
            for t in d.trades(m).iter() {
                let b = model::trade(t, d.summary.bid, d.summary.ask);
                one(&|o| match kind {
                    Binance::Trade(_) => events::trade(o, symbol, event_ms, &b, unit),
                    _ => events::agg_trade(o, symbol, event_ms, &b, unit),
                });
            }
        }
        // A halted symbol (a scenario's halt) has no book to show, as it has no trades.
        Binance::Book if m.status(id, ctx.seq).is_halted() => {}
        Binance::Book => one(&|o| events::book_ticker(o, symbol, &model::book(&d.nbbo))),
        Binance::Kline(name, unit) => {
            let Some(interval) = KlineInterval::parse(name) else {
                return;
            };
            let bar = ctx.series.kline(ctx.seq, id, interval, d);
            let k = model::kline(interval, bar, event_ms);
            one(&|o| events::kline(o, symbol, event_ms, &k, unit));
        }
        Binance::Mini(unit) | Binance::Ticker(unit) => {
            let Some(stats) = ctx.series.stats(id, ctx.seq) else {
                return;
            };
            if let Binance::Mini(_) = kind {
                return one(&|o| events::mini_ticker(o, symbol, event_ms, &stats, unit));
            }
            let last_qty = m.latest_trade(id, ctx.seq).map_or(0, |t| t.size);
            let book = model::book(&d.nbbo);
            one(&|o| events::ticker(o, symbol, event_ms, &stats, last_qty, &book, unit));
        }
    }
}
