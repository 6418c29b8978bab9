//! One tick's vendor data, encoded once per symbol, kind and format and shared by every
//! gateway connection, then gathered into each connection's frame.
//!
//! A vendor frame is an array of messages (Alpaca: `[{"T":"t",…},…]`, Polygon:
//! `[{"ev":"T",…},…]`). The items of one symbol and kind at one tick (its trades, its quote,
//! the minute bar it closes) are the same bytes for every connection that wants them, so
//! [`TickFrames`] keeps them per tick ([`Piece`] × symbol) the first time any connection asks;
//! a connection's frame is an array header and the pieces it subscribed to, copied
//! ([`super::gather`]). JSON pieces are comma-separated objects; MessagePack pieces are
//! concatenated values (a MessagePack array is its length followed by its elements).
//!
//! Finnhub and Binance take their pieces from the same cache ([`super::payloads`]): a Binance
//! piece's items are the payloads a connection frames one by one (or gathers into
//! `!miniTicker@arr`); what carries over from tick to tick (klines, 24 h windows) is the
//! [`Series`] in the [`Ctx`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;
use ticker_core::{CalendarKind, Candle, Market, Phase, Seq, Symbol, SymbolId};
use ticker_vendors::alpaca::{self, BarKind, Item};
use ticker_vendors::nanos::Nanos;
use ticker_vendors::polygon::{self, Event, StreamAgg};

use super::payloads::{self, Binance};
use super::series::Series;
use crate::tick::{SymbolData, Tick};

const DAY_MS: i64 = 86_400_000;

/// A kind of vendor data, in one format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Piece {
    /// Alpaca `t` (every trade of the tick); `true` for MessagePack.
    AlpacaTrades(bool),
    /// Alpaca `q` (the NBBO, while the symbol's market trades).
    AlpacaQuote(bool),
    /// Alpaca `b` (the minute bar the tick closes).
    AlpacaBar(bool),
    /// Alpaca `d` (the day's bar so far, when a minute closes).
    AlpacaDailyBar(bool),
    /// Alpaca `s` (a trading status, when the calendar's phase changes).
    AlpacaStatus(bool),
    /// Polygon `T`.
    PolygonTrades,
    /// Polygon `Q`.
    PolygonQuote,
    /// Polygon `AM`.
    PolygonMinute,
    /// Polygon `A` (the tick's trades as one aggregate).
    PolygonSecond,
    /// Finnhub's trades (one item, the objects comma-separated).
    Finnhub,
    /// A Binance stream payload.
    Binance(Binance),
}

/// Encoded items of one piece: how many, and their bytes.
#[derive(Debug, Default)]
pub struct Encoded {
    /// Messages.
    pub count: usize,
    /// JSON objects separated by commas, or MessagePack values back to back.
    pub bytes: Vec<u8>,
    /// Where each item ends in `bytes`.
    ends: Vec<usize>,
}

impl Encoded {
    /// Appends one already encoded JSON item.
    pub fn push_raw(&mut self, item: &[u8]) {
        if self.count > 0 {
            self.bytes.push(b',');
        }
        self.bytes.extend_from_slice(item);
        self.ends.push(self.bytes.len());
        self.count += 1;
    }

    /// The items one by one, as text (Binance frames each payload on its own).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().map(|e| e + 1));
        starts
            .zip(&self.ends)
            .filter_map(|(start, end)| self.bytes.get(start..*end))
            .filter_map(|item| std::str::from_utf8(item).ok())
    }
}

/// A symbol as a gateway names it: a market symbol, or the test feed's `FAKEPACA`, which
/// mirrors one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Named {
    /// The market symbol whose data it carries.
    pub id: SymbolId,
    /// The name it is sent under.
    pub name: Symbol,
}

/// The vendor pieces of one tick (see the module docs).
#[derive(Debug, Default)]
pub struct TickFrames {
    pieces: Mutex<HashMap<(Piece, Named), Arc<Encoded>>>,
}

impl TickFrames {
    /// The piece for `named`, encoded now if no connection asked before.
    pub fn get(
        &self,
        piece: Piece,
        named: Named,
        data: &SymbolData,
        ctx: &Ctx<'_>,
    ) -> Arc<Encoded> {
        let key = (piece, named);
        if let Some(e) = self.lock().get(&key) {
            return e.clone();
        }
        // Encoded outside the lock: two connections may race to it, and both get equal bytes.
        let encoded = Arc::new(encode(piece, named, data, ctx));
        self.lock().entry(key).or_insert(encoded).clone()
    }

    /// Frees the pieces (the tick left the live window).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Piece, Named), Arc<Encoded>>> {
        self.pieces.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What encoding a piece needs besides the symbol's data.
pub struct Ctx<'a> {
    /// The market.
    pub market: &'a Market,
    /// The tick.
    pub seq: Seq,
    /// The tick's time, Unix ms.
    pub timestamp: i64,
    /// The tick interval, ms.
    pub interval_ms: i64,
    /// The name is the test feed's always-open symbol.
    pub always_open: bool,
    /// Binance's klines in progress and 24 h windows.
    pub series: &'a Series,
}

impl<'a> Ctx<'a> {
    /// The context of `tick` (not the test feed's symbol).
    pub fn new(market: &'a Market, tick: &Tick, series: &'a Series) -> Self {
        Self {
            market,
            seq: tick.seq,
            timestamp: tick.timestamp,
            interval_ms: market.schedule().interval_ms() as i64,
            always_open: false,
            series,
        }
    }
}

/// The piece of market symbol `id` at `tick`, `None` when the tick does not hold its data (a
/// replayed tick holds only its connection's symbols; a tick out of the live window, none).
pub fn piece_of(tick: &Tick, piece: Piece, id: SymbolId, ctx: &Ctx<'_>) -> Option<Arc<Encoded>> {
    let data = tick.data()?;
    let d = data
        .binary_search_by_key(&id, |d| d.id)
        .ok()
        .and_then(|i| data.get(i))?;
    let named = Named {
        id,
        name: ctx.market.symbol(id),
    };
    Some(tick.vendor().get(piece, named, d, ctx))
}

pub(super) fn push_item<T: Serialize>(out: &mut Encoded, item: &T, msgpack: bool) {
    if msgpack {
        let mut se = rmp_serde::Serializer::new(&mut out.bytes).with_struct_map();
        if item.serialize(&mut se).is_err() {
            return;
        }
    } else {
        if out.count > 0 {
            out.bytes.push(b',');
        }
        if serde_json::to_writer(&mut out.bytes, item).is_err() {
            return;
        }
    }
    out.ends.push(out.bytes.len());
    out.count += 1;
}

/// The calendar phase of the symbol at `t_ms` (the test feed's symbol is always open).
fn phase(ctx: &Ctx<'_>, id: SymbolId, t_ms: i64) -> Phase {
    if ctx.always_open {
        return Phase::Regular;
    }
    ctx.market.calendar(id).phase_at(t_ms)
}

/// Whether the symbol trades at the tick: its market is open and no scenario halts it (a
/// halted symbol has neither trades nor quotes, on every vendor path).
fn trading(ctx: &Ctx<'_>, id: SymbolId) -> bool {
    phase(ctx, id, ctx.timestamp).is_trading() && !ctx.market.status(id, ctx.seq).is_halted()
}

/// The start of the trading day holding `t_ms`, as its daily bars are stamped.
fn day_start(market: &Market, id: SymbolId, t_ms: i64) -> i64 {
    match market.info(id).calendar {
        CalendarKind::UsEquity => Nanos::from_ms(t_ms).ny_midnight().as_ms(),
        CalendarKind::Always => t_ms.div_euclid(DAY_MS) * DAY_MS,
    }
}

fn encode(piece: Piece, named: Named, data: &SymbolData, ctx: &Ctx<'_>) -> Encoded {
    let mut out = Encoded::default();
    let (id, name) = (named.id, named.name);
    let m = ctx.market;
    let tape = m.info(id).tape;
    match piece {
        Piece::AlpacaTrades(mp) => {
            for t in data.trades(m) {
                push_item(&mut out, &Item::Trade(name, alpaca::market::trade(&t)), mp);
            }
        }
        Piece::AlpacaQuote(mp) => {
            if trading(ctx, id) {
                let q = alpaca::market::quote(&data.nbbo, tape);
                push_item(&mut out, &Item::Quote(name, q), mp);
            }
        }
        Piece::AlpacaBar(mp) => {
            if let Some(bar) = &data.bar {
                let b = alpaca::market::bar(bar);
                push_item(&mut out, &Item::Bar(BarKind::Minute, name, b), mp);
            }
        }
        Piece::AlpacaDailyBar(mp) => {
            if data.bar.is_some() {
                let q = &data.quote;
                let day = data.daily_bar.unwrap_or(Candle {
                    timestamp: day_start(m, id, ctx.timestamp - 1),
                    open: q.open,
                    high: q.high,
                    low: q.low,
                    close: q.price,
                    volume: q.volume,
                    ticks: 0,
                    trades: q.trades,
                    vwap: q.vwap,
                });
                let b = alpaca::market::bar(&day);
                push_item(&mut out, &Item::Bar(BarKind::Daily, name, b), mp);
            }
        }
        Piece::AlpacaStatus(mp) => {
            // A status when the symbol starts or stops trading at this tick: its calendar's
            // phase, or a scenario's halt (`H`/`2` with the halt's reason) and its end.
            let halt = m.status(id, ctx.seq).halt;
            let before = Seq(ctx.seq.0.saturating_sub(1));
            let was_halted = m.status(id, before).is_halted();
            let now_phase = phase(ctx, id, ctx.timestamp);
            let open = now_phase.is_trading() && halt.is_none();
            let was_open =
                phase(ctx, id, ctx.timestamp - ctx.interval_ms).is_trading() && !was_halted;
            if open != was_open {
                let s = match &halt {
                    Some(h) => alpaca::market::halt(tape, ctx.timestamp, h.market_wide, &h.reason),
                    None => alpaca::market::status(now_phase, tape, ctx.timestamp),
                };
                push_item(&mut out, &Item::Status(name, s), mp);
            }
        }
        Piece::PolygonTrades => {
            for t in data.trades(m) {
                let mut e = polygon::market::stream_trade(&t);
                e.sym = name;
                push_item(&mut out, &Event::Trade(e), false);
            }
        }
        Piece::PolygonQuote => {
            if trading(ctx, id) {
                let mut e = polygon::market::stream_quote(&data.nbbo, tape);
                e.sym = name;
                push_item(&mut out, &Event::Quote(e), false);
            }
        }
        Piece::PolygonMinute => {
            if let Some(bar) = &data.bar {
                let agg = stream_agg(name, bar, data, 60_000);
                push_item(&mut out, &Event::Minute(agg), false);
            }
        }
        Piece::PolygonSecond => {
            let s = &data.summary;
            if s.count > 0 {
                let bar = Candle {
                    timestamp: ctx.timestamp - ctx.interval_ms,
                    open: s.first,
                    high: s.high,
                    low: s.low,
                    close: s.last,
                    volume: s.volume,
                    ticks: 1,
                    trades: s.count,
                    vwap: ticker_core::Decimal::from_f64(notional(s) / s.volume.max(1) as f64, 4),
                };
                let agg = stream_agg(name, &bar, data, ctx.interval_ms);
                push_item(&mut out, &Event::Second(agg), false);
            }
        }
        Piece::Finnhub => payloads::finnhub(named, data, ctx, &mut out),
        Piece::Binance(kind) => payloads::binance(kind, named, data, ctx, &mut out),
    }
    out
}

/// Σ price × size of a tick's trades, in currency units.
fn notional(s: &ticker_core::TickSummary) -> f64 {
    s.notional as f64 / 10f64.powi(i32::from(s.last.decimals()))
}

/// An aggregate of `bar` (`width_ms` wide) with the day's figures from the tick's quote.
fn stream_agg(name: Symbol, bar: &Candle, data: &SymbolData, width_ms: i64) -> StreamAgg {
    let q = &data.quote;
    StreamAgg {
        sym: name,
        v: bar.volume,
        av: q.volume,
        op: q.open,
        vw: bar.vwap.to_f64(),
        o: bar.open,
        c: bar.close,
        h: bar.high,
        l: bar.low,
        a: q.vwap.to_f64(),
        z: bar.volume / bar.trades.max(1),
        s: bar.timestamp,
        e: bar.timestamp + width_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_items_come_back_one_by_one_even_when_empty_or_holding_commas() {
        let mut e = Encoded::default();
        e.push_raw(br#"{"a":1},{"b":2}"#);
        e.push_raw(b"");
        e.push_raw(br#"{"c":3}"#);
        assert_eq!(e.count, 3);
        assert_eq!(e.bytes, br#"{"a":1},{"b":2},,{"c":3}"#);
        let items: Vec<&str> = e.texts().collect();
        assert_eq!(items, [r#"{"a":1},{"b":2}"#, "", r#"{"c":3}"#]);
        assert_eq!(Encoded::default().texts().count(), 0);
    }
}
