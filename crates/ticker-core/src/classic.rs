//! The classic array element, `{"stock":"AAPL",…,"price":150.45,"change":0.23,…}`: the shape
//! the seed-000 generator broadcast and that simple pages (Photon and the like) read with
//! `JSON.parse(…).forEach(…)`, colouring each price by the sign of `change`.
//!
//! In that shape `change` is the change **since the previous tick**, so its sign flips from
//! tick to tick and such pages flash as they did against the generator; `change_percent`
//! follows it (relative to the previous tick's price), so the two never disagree within one
//! element. Every other field keeps its quote meaning (session `open`, `high`, `low`,
//! `prev_close`, `volume`): the session change is `price − prev_close`. The quote object
//! itself, and every native framing, keep `change` relative to the previous close.
//!
//! Both services build the element by splicing the tick change into the quote's shared
//! encoding ([`write_classic`]), so a `format=array` WebSocket frame and REST's
//! `/api/v1/latest?format=array` body are the same bytes for the same tick.

use crate::clock::Seq;
use crate::decimal::Decimal;
use crate::market::Market;
use crate::quote::Quote;
use crate::symbol::{Symbol, SymbolId};

/// `change` and `change_percent` of a classic element: relative to the previous tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickChange {
    /// `price − price at the previous tick`, in currency.
    pub change: Decimal,
    /// `change / previous price × 100`, rounded to 2 decimals (half away from zero).
    pub change_percent: Decimal,
}

impl TickChange {
    /// The change from `previous` to `price` (two prices of one symbol, same decimals).
    pub fn between(previous: Decimal, price: Decimal) -> Self {
        let change = Decimal::new(price.units() - previous.units(), price.decimals());
        // The quote's own formula (session.rs), so both percentages round alike.
        let change_percent = Decimal::from_f64(
            change.units() as f64 / previous.units().max(1) as f64 * 100.0,
            2,
        );
        Self {
            change,
            change_percent,
        }
    }
}

impl Market {
    /// The change of a symbol's quoted price (its last trade) from tick `seq − 1` to tick
    /// `seq`, by random access (O(log n)); zero at tick 0, which has no previous tick.
    pub fn tick_change(&self, id: SymbolId, seq: Seq) -> TickChange {
        let previous = self.last_price(id, Seq(seq.0.saturating_sub(1)));
        TickChange::between(previous, self.last_price(id, seq))
    }
}

/// Opens a classic-shape object, `{"stock":"AAPL",`, for callers that append quote fields and
/// the closing brace themselves.
pub fn open_classic(symbol: Symbol, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"stock\":\"");
    out.extend_from_slice(symbol.as_str().as_bytes());
    out.extend_from_slice(b"\",");
}

/// What [`Quote::write_fields`] writes before and after `change` and `change_percent`.
const CHANGE: &[u8] = b",\"change\":";
const CHANGE_PERCENT: &[u8] = b",\"change_percent\":";
const AFTER: &[u8] = b",\"open\":";

/// Appends the classic element of `symbol` from the quote's encoded `fields` (what
/// [`Quote::write_fields`] wrote, without braces), with `change` and `change_percent`
/// replaced by `tick`. Byte-identical to [`Quote::write_classic`] of the same quote.
pub fn write_classic(symbol: Symbol, fields: &[u8], tick: TickChange, out: &mut Vec<u8>) {
    open_classic(symbol, out);
    let start = find(fields, CHANGE, 0);
    let end = start.and_then(|s| find(fields, AFTER, s));
    match (start, end) {
        (Some(start), Some(end)) => {
            out.extend_from_slice(fields.get(..start).unwrap_or_default());
            write_change(tick, out);
            out.extend_from_slice(fields.get(end..).unwrap_or_default());
        }
        // Not the layout of `write_fields` (a test holds that it is): copy it as it is.
        _ => out.extend_from_slice(fields),
    }
    out.push(b'}');
}

fn write_change(tick: TickChange, out: &mut Vec<u8>) {
    out.extend_from_slice(CHANGE);
    tick.change.write_json(out);
    out.extend_from_slice(CHANGE_PERCENT);
    tick.change_percent.write_json(out);
}

/// The position of `needle` in `haystack` at or after `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| at + from)
}

impl Quote {
    /// Appends the quote as a classic array element: `{"stock":"AAPL","symbol":"AAPL",…}`
    /// with `change` and `change_percent` relative to the previous tick (`tick`).
    pub fn write_classic(&self, tick: TickChange, out: &mut Vec<u8>) {
        let quote = Self {
            change: tick.change,
            change_percent: tick.change_percent,
            ..*self
        };
        open_classic(quote.symbol, out);
        quote.write_fields(out);
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MarketConfig;

    fn market() -> Market {
        Market::new(MarketConfig::default()).unwrap()
    }

    #[test]
    fn the_element_is_the_quote_with_the_tick_change_and_stock_first() {
        let m = market();
        for id in m.ids() {
            for n in [1u64, 59, 86_399, 86_400, 86_401, 1_000_000] {
                let seq = Seq(n);
                let quote = m.quote(id, seq);
                let tick = m.tick_change(id, seq);
                let mut fields = Vec::new();
                quote.write_fields(&mut fields);
                let mut spliced = Vec::new();
                write_classic(quote.symbol, &fields, tick, &mut spliced);
                let mut whole = Vec::new();
                quote.write_classic(tick, &mut whole);
                assert_eq!(spliced, whole, "{} at {n}", quote.symbol);

                let v: serde_json::Value = serde_json::from_slice(&whole).unwrap();
                let previous = m.last_price(id, Seq(n - 1));
                assert_eq!(v["stock"], quote.symbol.as_str());
                assert_eq!(v["symbol"], quote.symbol.as_str());
                assert_eq!(v["price"].as_f64().unwrap(), quote.price.to_f64());
                assert_eq!(
                    Decimal::from_f64(v["change"].as_f64().unwrap(), 2).units(),
                    quote.price.units() - previous.units()
                );
                // Every other field is the quote's.
                assert_eq!(v["prev_close"].as_f64().unwrap(), quote.prev_close.to_f64());
                assert_eq!(v["volume"], quote.volume);
                assert_eq!(v["seq"], n);
                assert_eq!(v.as_object().unwrap().len(), 20);
            }
        }
    }

    #[test]
    fn tick_zero_has_no_change_and_signs_flip_over_a_few_ticks() {
        let m = market();
        let id = SymbolId(4);
        let zero = m.tick_change(id, Seq(0));
        assert_eq!((zero.change.units(), zero.change_percent.units()), (0, 0));
        let signs: Vec<i64> = (1..200)
            .map(|n| m.tick_change(id, Seq(n)).change.units().signum())
            .collect();
        assert!(signs.contains(&1) && signs.contains(&-1), "{signs:?}");
    }

    #[test]
    fn the_percentage_follows_the_tick_change() {
        let t = TickChange::between(Decimal::new(20_000, 2), Decimal::new(20_150, 2));
        assert_eq!(t.change, Decimal::new(150, 2));
        assert_eq!(t.change_percent, Decimal::new(75, 2));
        let t = TickChange::between(Decimal::new(20_000, 2), Decimal::new(19_999, 2));
        assert_eq!(t.change, Decimal::new(-1, 2));
        assert_eq!(
            t.change_percent,
            Decimal::new(-1, 2),
            "-0.005 % rounds away from zero"
        );
    }

    #[test]
    fn foreign_bytes_are_copied_not_cut() {
        let symbol = Symbol::parse("AAPL").unwrap();
        let tick = TickChange::between(Decimal::new(1, 2), Decimal::new(2, 2));
        let mut out = Vec::new();
        write_classic(symbol, b"\"x\":1", tick, &mut out);
        assert_eq!(out, b"{\"stock\":\"AAPL\",\"x\":1}");
    }
}
