//! The wire types both services send: [`Quote`], [`Candle`] and [`SymbolInfo`] (trades and
//! the NBBO are in `trade.rs`).
//!
//! These field names and meanings are the contract with every frontend; they are documented
//! here once (and in `docs/rest-api.md` / `docs/ws-protocol.md`). Quotes and candles are on the
//! hot path of both services, so besides `serde` they have hand-written encoders that append to
//! a reused buffer without allocating; tests hold the two encodings byte-identical.

use serde::{Deserialize, Serialize};

use crate::calendar::CalendarKind;
use crate::clock::Seq;
use crate::decimal::Decimal;
use crate::symbol::Symbol;
use crate::trade::{Exchange, Tape};

/// The state of one symbol at one tick. The session is the symbol's trading day: a UTC day
/// (by default) for 24/7 symbols, 04:00–20:00 New York for `us-equity` ones, whose `open`,
/// `high`, `low` and closes are the regular session's (as consolidated feeds define them)
/// while `volume`, `trades` and `vwap` count every trade of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// Ticker symbol, e.g. `"AAPL"`.
    pub symbol: Symbol,
    /// The last trade's price as of this tick (extended hours included), on the tick grid.
    pub price: Decimal,
    /// `price − prev_close`, in currency.
    pub change: Decimal,
    /// `change / prev_close × 100`, rounded to 2 decimals.
    pub change_percent: Decimal,
    /// The session's first trade (for `us-equity`, the regular session's: the opening
    /// print); `prev_close` until there is one.
    pub open: Decimal,
    /// Highest trade of the session so far (`us-equity`: of the regular session);
    /// `prev_close` until there is one.
    pub high: Decimal,
    /// Lowest trade of the session so far, likewise.
    pub low: Decimal,
    /// The previous session's last trade (`us-equity`: the previous trading day's closing
    /// print); the reference price before the first.
    pub prev_close: Decimal,
    /// Best bid (NBBO), on the tick grid.
    pub bid: Decimal,
    /// Best offer (NBBO), on the tick grid, at least one tick above the bid.
    pub ask: Decimal,
    /// Shares traded in the session up to and including this tick: the sum of its trades'
    /// sizes.
    pub volume: u64,
    /// Time of the tick, Unix milliseconds.
    pub timestamp: i64,
    /// Tick number: `(timestamp − epoch) / interval`.
    pub seq: Seq,
    /// Shares bid at `bid` (whole round lots: multiples of 100).
    pub bid_size: u64,
    /// Shares offered at `ask` (whole round lots).
    pub ask_size: u64,
    /// The participant with the best bid.
    pub bid_exchange: Exchange,
    /// The participant with the best offer.
    pub ask_exchange: Exchange,
    /// Trades in the session up to and including this tick.
    pub trades: u64,
    /// Volume-weighted average price of the session's trades (`prev_close` before the
    /// first), 4 decimals.
    pub vwap: Decimal,
}

/// Open-high-low-close-volume of one candle interval, from the trades in it. A candle
/// without trades is flat at the last trade before it, with no volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candle {
    /// Start of the interval, Unix milliseconds (aligned to the interval in UTC; a daily
    /// bar's trading day starts at the exchange's local midnight).
    pub timestamp: i64,
    /// The interval's first trade.
    pub open: Decimal,
    /// Its highest trade.
    pub high: Decimal,
    /// Its lowest trade.
    pub low: Decimal,
    /// Its last trade (so far, for the current interval).
    pub close: Decimal,
    /// Shares traded: the sum of its trades' sizes.
    pub volume: u64,
    /// Number of ticks aggregated.
    pub ticks: u64,
    /// Number of trades.
    pub trades: u64,
    /// Volume-weighted average price of its trades, 4 decimals (`close` without trades).
    pub vwap: Decimal,
}

/// What a client may want to know about a symbol besides its price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SymbolInfo {
    /// Ticker symbol.
    pub symbol: Symbol,
    /// Display name.
    pub name: String,
    /// Price at tick 0 and the level prices revert to.
    pub reference_price: Decimal,
    /// Price grid, e.g. `0.01`.
    pub tick_size: Decimal,
    /// Decimals every price of this symbol carries.
    pub decimals: u8,
    /// Annualised volatility of log-returns.
    pub volatility: f64,
    /// Bid/ask spread in basis points.
    pub spread_bps: f64,
    /// Average volume per session.
    pub avg_volume: u64,
    /// Trading calendar.
    pub calendar: CalendarKind,
    /// The consolidated tape of its listing.
    pub tape: Tape,
    /// Mean shares per trade.
    pub avg_trade_size: u64,
}

#[inline]
pub(crate) fn push_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

#[inline]
pub(crate) fn push_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

impl Quote {
    /// Appends the fields without the enclosing braces, so callers can prefix their own
    /// (`{"type":"quote",` …): `"symbol":"AAPL","price":150.45,…,"seq":12`.
    pub fn write_fields(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\"symbol\":\"");
        // Symbols are ASCII letters, digits, '.' and '-': nothing to escape.
        out.extend_from_slice(self.symbol.as_str().as_bytes());
        out.extend_from_slice(b"\",\"price\":");
        self.price.write_json(out);
        out.extend_from_slice(b",\"change\":");
        self.change.write_json(out);
        out.extend_from_slice(b",\"change_percent\":");
        self.change_percent.write_json(out);
        out.extend_from_slice(b",\"open\":");
        self.open.write_json(out);
        out.extend_from_slice(b",\"high\":");
        self.high.write_json(out);
        out.extend_from_slice(b",\"low\":");
        self.low.write_json(out);
        out.extend_from_slice(b",\"prev_close\":");
        self.prev_close.write_json(out);
        out.extend_from_slice(b",\"bid\":");
        self.bid.write_json(out);
        out.extend_from_slice(b",\"ask\":");
        self.ask.write_json(out);
        out.extend_from_slice(b",\"volume\":");
        push_u64(out, self.volume);
        out.extend_from_slice(b",\"timestamp\":");
        push_i64(out, self.timestamp);
        out.extend_from_slice(b",\"seq\":");
        push_u64(out, self.seq.0);
        out.extend_from_slice(b",\"bid_size\":");
        push_u64(out, self.bid_size);
        out.extend_from_slice(b",\"ask_size\":");
        push_u64(out, self.ask_size);
        out.extend_from_slice(b",\"bid_exchange\":\"");
        out.push(self.bid_exchange.code() as u8);
        out.extend_from_slice(b"\",\"ask_exchange\":\"");
        out.push(self.ask_exchange.code() as u8);
        out.extend_from_slice(b"\",\"trades\":");
        push_u64(out, self.trades);
        out.extend_from_slice(b",\"vwap\":");
        self.vwap.write_json(out);
    }

    /// Appends the quote as a JSON object, identical to `serde_json::to_vec(self)`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        self.write_fields(out);
        out.push(b'}');
    }
}

impl Candle {
    /// Appends the candle as a JSON object, identical to `serde_json::to_vec(self)`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"timestamp\":");
        push_i64(out, self.timestamp);
        out.extend_from_slice(b",\"open\":");
        self.open.write_json(out);
        out.extend_from_slice(b",\"high\":");
        self.high.write_json(out);
        out.extend_from_slice(b",\"low\":");
        self.low.write_json(out);
        out.extend_from_slice(b",\"close\":");
        self.close.write_json(out);
        out.extend_from_slice(b",\"volume\":");
        push_u64(out, self.volume);
        out.extend_from_slice(b",\"ticks\":");
        push_u64(out, self.ticks);
        out.extend_from_slice(b",\"trades\":");
        push_u64(out, self.trades);
        out.extend_from_slice(b",\"vwap\":");
        self.vwap.write_json(out);
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(units: i64) -> Quote {
        let d = |u: i64| Decimal::new(u, 2);
        Quote {
            symbol: Symbol::parse("BRK.B").unwrap(),
            price: d(units),
            change: d(units - 15045),
            change_percent: d(-12),
            open: d(15000),
            high: d(units.max(15100)),
            low: d(units.min(14900)),
            prev_close: d(15045),
            bid: d(units - 1),
            ask: d(units + 1),
            volume: 123_456_789,
            timestamp: 1_704_067_200_000,
            seq: Seq(86_400),
            bid_size: 300,
            ask_size: 1_200,
            bid_exchange: Exchange::new('Q').unwrap(),
            ask_exchange: Exchange::new('K').unwrap(),
            trades: 1_234_567,
            vwap: Decimal::new(1_504_512, 4),
        }
    }

    #[test]
    fn hand_encoding_equals_serde() {
        for units in [1, 99, 100, 14_990, 15_045, 15_100, 100_000_000] {
            let q = sample(units);
            let mut fast = Vec::new();
            q.write_json(&mut fast);
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                serde_json::to_string(&q).unwrap()
            );
        }
        let c = Candle {
            timestamp: 60_000,
            open: Decimal::new(1, 2),
            high: Decimal::new(300, 2),
            low: Decimal::new(1, 2),
            close: Decimal::new(250, 2),
            volume: 0,
            ticks: 60,
            trades: 0,
            vwap: Decimal::new(25_000, 4),
        };
        let mut fast = Vec::new();
        c.write_json(&mut fast);
        assert_eq!(
            String::from_utf8(fast).unwrap(),
            serde_json::to_string(&c).unwrap()
        );
    }

    #[test]
    fn quotes_round_trip_through_serde() {
        let q = sample(15_123);
        let text = serde_json::to_string(&q).unwrap();
        let back: Quote = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), text);
    }
}
