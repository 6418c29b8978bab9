//! The market model's objects as Polygon's: trades, NBBO quotes and bars become the REST and
//! stream objects of [`super::msg`], from the same values (price, size, time) as the native
//! API, with Polygon's integer exchanges, tapes and conditions ([`super::codes`]) and its units
//! (milliseconds on the stream and in aggregates, nanoseconds in last trade/NBBO).
//!
//! The sequence number `q` of a trade is its id (the model numbers every symbol's trades from
//! 1, increasing with time), that of a quote its tick.

use ticker_core::{Candle, Nbbo, Symbol, Tape};

use super::codes::{exchange_id, quote_condition, tape_id, trade_conditions};
use super::msg::{Agg, LastQuote, LastTrade, StreamQuote, StreamTrade};
use crate::alpaca::market::conditions;

const NANOS_PER_MS: i64 = 1_000_000;

fn exchange(e: ticker_core::Exchange) -> u8 {
    exchange_id(e.code()).unwrap_or(0)
}

fn tape(t: Tape) -> u8 {
    tape_id(t.code()).unwrap_or(0)
}

/// A stream trade (`T`), time in milliseconds.
pub fn stream_trade(t: &ticker_core::Trade) -> StreamTrade {
    StreamTrade {
        sym: t.symbol,
        x: exchange(t.exchange),
        i: t.id.to_string(),
        z: tape(t.tape),
        p: t.price,
        s: t.size,
        c: trade_conditions(conditions(t.conditions)),
        t: t.timestamp,
        q: t.id,
    }
}

/// A stream quote (`Q`), time in milliseconds.
pub fn stream_quote(n: &Nbbo, t: Tape) -> StreamQuote {
    StreamQuote {
        sym: n.symbol,
        bx: exchange(n.bid_exchange),
        bp: n.bid,
        bs: n.bid_size,
        ax: exchange(n.ask_exchange),
        ap: n.ask,
        as_: n.ask_size,
        c: quote_condition(),
        t: n.timestamp,
        q: n.seq.0,
        z: tape(t),
    }
}

/// `/v2/last/trade` results, times in nanoseconds.
pub fn last_trade(t: &ticker_core::Trade) -> LastTrade {
    LastTrade {
        ticker: t.symbol.as_str().to_owned(),
        i: t.id.to_string(),
        p: t.price,
        s: t.size,
        x: exchange(t.exchange),
        c: trade_conditions(conditions(t.conditions)),
        z: tape(t.tape),
        t: t.timestamp_ns,
        y: t.timestamp_ns,
        q: t.id,
    }
}

/// `/v2/last/nbbo` results, times in nanoseconds (the tick's time).
pub fn last_quote(n: &Nbbo, t: Tape) -> LastQuote {
    let ns = n.timestamp.saturating_mul(NANOS_PER_MS);
    LastQuote {
        ticker: n.symbol.as_str().to_owned(),
        ask_price: n.ask,
        ask_size: n.ask_size,
        ask_exchange: exchange(n.ask_exchange),
        bid_price: n.bid,
        bid_size: n.bid_size,
        bid_exchange: exchange(n.bid_exchange),
        c: vec![quote_condition()],
        z: tape(t),
        t: ns,
        y: ns,
        q: n.seq.0,
    }
}

/// An aggregate bar; `ticker` only for `/prev`.
pub fn agg(c: &Candle, ticker: Option<Symbol>) -> Agg {
    Agg {
        ticker: ticker.map(|s| s.as_str().to_owned()),
        v: c.volume,
        vw: c.vwap.to_f64(),
        o: c.open,
        c: c.close,
        h: c.high,
        l: c.low,
        t: c.timestamp,
        n: c.trades,
    }
}
