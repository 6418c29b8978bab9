//! Alpaca's market-data objects, with Alpaca's field names, types and units.
//!
//! One type per object: [`Trade`], [`Quote`], [`Bar`], [`TradingStatus`]. Each serialises two
//! ways from one field list ([`Fields`]): on its own for REST (`{"t":…,"x":…}`), and as a
//! stream item with its type letter and symbol first ([`Item`]: `{"T":"t","S":"AAPL",…}`).
//! Field order follows Alpaca's documented examples. Prices are JSON numbers (MessagePack
//! float64), sizes and counts integers, times [`Nanos`]: RFC 3339 strings in JSON, timestamp
//! extensions in MessagePack (the encoding decides, see [`crate::nanos`]).

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use ticker_core::{Decimal, Symbol};

use crate::nanos::Nanos;

/// A trade: `{"t","x","p","s","c","i","z"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trade {
    /// Time of the trade, nanosecond precision.
    pub time: Nanos,
    /// Exchange code, e.g. `'V'` (IEX).
    pub exchange: char,
    /// Trade price.
    pub price: Decimal,
    /// Shares.
    pub size: u64,
    /// Condition codes, e.g. `["@", "I"]` (regular sale, odd lot).
    pub conditions: &'static [&'static str],
    /// Trade id, increasing with time per symbol.
    pub id: u64,
    /// Tape: `'A'`, `'B'` or `'C'`.
    pub tape: char,
}

/// An NBBO quote: `{"t","ax","ap","as","bx","bp","bs","c","z"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// Time of the quote, nanosecond precision.
    pub time: Nanos,
    /// Ask exchange code.
    pub ask_exchange: char,
    /// Ask price.
    pub ask_price: Decimal,
    /// Ask size, shares.
    pub ask_size: u64,
    /// Bid exchange code.
    pub bid_exchange: char,
    /// Bid price.
    pub bid_price: Decimal,
    /// Bid size, shares.
    pub bid_size: u64,
    /// Quote conditions, e.g. `["R"]` (regular).
    pub conditions: &'static [&'static str],
    /// Tape.
    pub tape: char,
}

/// A bar: `{"t","o","h","l","c","v","n","vw"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Start of the bar (a daily bar: midnight in New York).
    pub time: Nanos,
    /// Open.
    pub open: Decimal,
    /// High.
    pub high: Decimal,
    /// Low.
    pub low: Decimal,
    /// Close.
    pub close: Decimal,
    /// Shares traded.
    pub volume: u64,
    /// Number of trades.
    pub trade_count: u64,
    /// Volume-weighted average price.
    pub vwap: f64,
}

/// A trading status (halt, resume): `{"sc","sm","rc","rm","t","z"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct TradingStatus {
    /// Status code, e.g. `"H"` (halt, tape C) or `"2"` (halt, tapes A/B).
    pub status_code: &'static str,
    /// Status message, e.g. `"Trading Halt"`.
    pub status_message: &'static str,
    /// Reason code, e.g. `"T12"`.
    pub reason_code: &'static str,
    /// Reason message (a scenario halt's own reason).
    pub reason_message: String,
    /// When the status took effect.
    pub time: Nanos,
    /// Tape.
    pub tape: char,
}

/// The field list of an object, written into a map that may already hold other entries.
pub trait Fields {
    /// How many entries [`Fields::write`] adds.
    const LEN: usize;
    /// Adds the entries.
    fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error>;
}

impl Fields for Trade {
    const LEN: usize = 7;
    fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        m.serialize_entry("t", &self.time)?;
        m.serialize_entry("x", &self.exchange)?;
        m.serialize_entry("p", &self.price)?;
        m.serialize_entry("s", &self.size)?;
        m.serialize_entry("c", self.conditions)?;
        m.serialize_entry("i", &self.id)?;
        m.serialize_entry("z", &self.tape)
    }
}

impl Fields for Quote {
    const LEN: usize = 9;
    fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        m.serialize_entry("t", &self.time)?;
        m.serialize_entry("ax", &self.ask_exchange)?;
        m.serialize_entry("ap", &self.ask_price)?;
        m.serialize_entry("as", &self.ask_size)?;
        m.serialize_entry("bx", &self.bid_exchange)?;
        m.serialize_entry("bp", &self.bid_price)?;
        m.serialize_entry("bs", &self.bid_size)?;
        m.serialize_entry("c", self.conditions)?;
        m.serialize_entry("z", &self.tape)
    }
}

impl Fields for Bar {
    const LEN: usize = 8;
    fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        m.serialize_entry("t", &self.time)?;
        m.serialize_entry("o", &self.open)?;
        m.serialize_entry("h", &self.high)?;
        m.serialize_entry("l", &self.low)?;
        m.serialize_entry("c", &self.close)?;
        m.serialize_entry("v", &self.volume)?;
        m.serialize_entry("n", &self.trade_count)?;
        m.serialize_entry("vw", &self.vwap)
    }
}

impl Fields for TradingStatus {
    const LEN: usize = 6;
    fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        m.serialize_entry("sc", self.status_code)?;
        m.serialize_entry("sm", self.status_message)?;
        m.serialize_entry("rc", self.reason_code)?;
        m.serialize_entry("rm", &self.reason_message)?;
        m.serialize_entry("t", &self.time)?;
        m.serialize_entry("z", &self.tape)
    }
}

macro_rules! serialize_fields {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(<$t as Fields>::LEN))?;
                self.write(&mut m)?;
                m.end()
            }
        }
    )*};
}
serialize_fields!(Trade, Quote, Bar, TradingStatus);

/// Which kind of bar a stream item carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarKind {
    /// `b`: a finished minute bar.
    Minute,
    /// `u`: a minute bar corrected by late trades.
    Updated,
    /// `d`: today's daily bar so far.
    Daily,
}

/// A stream data message: the object with its type letter `T` and symbol `S` first.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `T: "t"`.
    Trade(Symbol, Trade),
    /// `T: "q"`.
    Quote(Symbol, Quote),
    /// `T: "b"`, `"u"` or `"d"`.
    Bar(BarKind, Symbol, Bar),
    /// `T: "s"`.
    Status(Symbol, TradingStatus),
}

impl Item {
    /// The message type letter.
    pub fn tag(&self) -> &'static str {
        match self {
            Self::Trade(..) => "t",
            Self::Quote(..) => "q",
            Self::Bar(BarKind::Minute, ..) => "b",
            Self::Bar(BarKind::Updated, ..) => "u",
            Self::Bar(BarKind::Daily, ..) => "d",
            Self::Status(..) => "s",
        }
    }

    /// The symbol it is about.
    pub fn symbol(&self) -> Symbol {
        match self {
            Self::Trade(s, _) | Self::Quote(s, _) | Self::Bar(_, s, _) | Self::Status(s, _) => *s,
        }
    }
}

fn head<S: Serializer>(
    s: S,
    tag: &str,
    sym: &Symbol,
    len: usize,
) -> Result<S::SerializeMap, S::Error> {
    let mut m = s.serialize_map(Some(len + 2))?;
    m.serialize_entry("T", tag)?;
    m.serialize_entry("S", sym.as_str())?;
    Ok(m)
}

impl Serialize for Item {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let tag = self.tag();
        match self {
            Self::Trade(sym, x) => {
                let mut m = head(s, tag, sym, Trade::LEN)?;
                x.write(&mut m)?;
                m.end()
            }
            Self::Quote(sym, x) => {
                let mut m = head(s, tag, sym, Quote::LEN)?;
                x.write(&mut m)?;
                m.end()
            }
            Self::Bar(_, sym, x) => {
                let mut m = head(s, tag, sym, Bar::LEN)?;
                x.write(&mut m)?;
                m.end()
            }
            Self::Status(sym, x) => {
                let mut m = head(s, tag, sym, TradingStatus::LEN)?;
                x.write(&mut m)?;
                m.end()
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sym(s: &str) -> Symbol {
        Symbol::parse(s).unwrap()
    }

    pub(crate) fn trade() -> Trade {
        Trade {
            time: Nanos(1_614_008_704_208_123_456),
            exchange: 'V',
            price: Decimal::new(13_456, 2),
            size: 3,
            conditions: &["@", "I"],
            id: 96_921,
            tape: 'C',
        }
    }

    pub(crate) fn quote() -> Quote {
        Quote {
            time: Nanos(1_614_008_705_335_689_322),
            ask_exchange: 'Q',
            ask_price: Decimal::new(8768, 2),
            ask_size: 400,
            bid_exchange: 'U',
            bid_price: Decimal::new(8766, 2),
            bid_size: 100,
            conditions: &["R"],
            tape: 'C',
        }
    }

    pub(crate) fn bar() -> Bar {
        Bar {
            time: Nanos::from_ms(1_614_021_300_000),
            open: Decimal::new(388_985, 3),
            high: Decimal::new(38_913, 2),
            low: Decimal::new(388_975, 3),
            close: Decimal::new(38_912, 2),
            volume: 49_378,
            trade_count: 206,
            vwap: 389.05,
        }
    }

    #[test]
    fn rest_objects_have_alpacas_fields_in_order() {
        assert_eq!(
            serde_json::to_string(&trade()).unwrap(),
            r#"{"t":"2021-02-22T15:45:04.208123456Z","x":"V","p":134.56,"s":3,"c":["@","I"],"i":96921,"z":"C"}"#
        );
        assert_eq!(
            serde_json::to_string(&quote()).unwrap(),
            r#"{"t":"2021-02-22T15:45:05.335689322Z","ax":"Q","ap":87.68,"as":400,"bx":"U","bp":87.66,"bs":100,"c":["R"],"z":"C"}"#
        );
        assert_eq!(
            serde_json::to_string(&bar()).unwrap(),
            r#"{"t":"2021-02-22T19:15:00Z","o":388.985,"h":389.13,"l":388.975,"c":389.12,"v":49378,"n":206,"vw":389.05}"#
        );
    }

    #[test]
    fn stream_items_put_type_and_symbol_first() {
        let items = [
            Item::Trade(sym("FAKEPACA"), trade()),
            Item::Quote(sym("AMD"), quote()),
            Item::Bar(BarKind::Minute, sym("SPY"), bar()),
            Item::Bar(BarKind::Updated, sym("SPY"), bar()),
            Item::Bar(BarKind::Daily, sym("SPY"), bar()),
            Item::Status(
                sym("AAPL"),
                TradingStatus {
                    status_code: "H",
                    status_message: "Trading Halt",
                    reason_code: "T12",
                    reason_message: "Trading Halted; For information requested by NASDAQ".into(),
                    time: Nanos::from_ms(1_614_021_300_000),
                    tape: 'C',
                },
            ),
        ];
        let json: Vec<serde_json::Value> = items
            .iter()
            .map(|i| serde_json::to_value(i).unwrap())
            .collect();
        let tags: Vec<&str> = json.iter().map(|v| v["T"].as_str().unwrap()).collect();
        assert_eq!(tags, ["t", "q", "b", "u", "d", "s"]);
        assert_eq!(
            serde_json::to_string(&items[0]).unwrap(),
            r#"{"T":"t","S":"FAKEPACA","t":"2021-02-22T15:45:04.208123456Z","x":"V","p":134.56,"s":3,"c":["@","I"],"i":96921,"z":"C"}"#
        );
        assert_eq!(json[5]["rc"], "T12");
        assert_eq!(json[5]["z"], "C");
        assert_eq!(items[2].symbol(), sym("SPY"));
    }
}
