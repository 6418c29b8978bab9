//! The wire types of trades: [`Trade`] and what describes one, [`Exchange`] (a participant
//! letter), [`Tape`] and [`Conditions`].
//!
//! The codes are deliberately neutral, so that vendor layers can map them to their own:
//! exchanges are the participant letters of the CTA and UTP plans (`Q` Nasdaq, `N` NYSE, `D`
//! FINRA's trade reporting facilities, …), which Alpaca sends as they are and Polygon maps to
//! integer ids; conditions are named (`regular`, `extended_hours`, `odd_lot`,
//! `opening_print`, `closing_print`) rather than given one vendor's letters or numbers.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::clock::Seq;
use crate::decimal::Decimal;
use crate::quote::{push_i64, push_u64};
use crate::symbol::Symbol;

/// A market participant: one upper-case letter, as the CTA and UTP plans assign them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Exchange(u8);

impl Exchange {
    /// The participant with letter `code` (`A`–`Z`).
    pub fn new(code: char) -> Option<Self> {
        code.is_ascii_uppercase().then_some(Self(code as u8))
    }

    /// The letter.
    pub fn code(self) -> char {
        char::from(self.0)
    }

    fn write_json(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[b'"', self.0, b'"']);
    }
}

impl Default for Exchange {
    /// `D`, FINRA's trade reporting facilities: where off-exchange trades print.
    fn default() -> Self {
        Self(b'D')
    }
}

impl fmt::Debug for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Exchange({})", self.code())
    }
}

impl fmt::Display for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

impl Serialize for Exchange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_char(self.code())
    }
}

impl<'de> Deserialize<'de> for Exchange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let mut chars = text.chars();
        match (chars.next().and_then(Exchange::new), chars.next()) {
            (Some(e), None) => Ok(e),
            _ => Err(serde::de::Error::custom(format!(
                "{text:?} is not an exchange code (one letter A-Z)"
            ))),
        }
    }
}

/// The consolidated tape a symbol's trades are reported on, by where it is listed: `A` NYSE,
/// `B` NYSE Arca, NYSE American and other exchanges, `C` Nasdaq.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tape {
    /// NYSE-listed.
    A,
    /// Listed on NYSE Arca, NYSE American, Cboe and other regional exchanges (most ETFs).
    B,
    /// Nasdaq-listed: the default.
    #[default]
    C,
}

impl Tape {
    /// The letter.
    pub fn code(self) -> char {
        match self {
            Self::A => 'A',
            Self::B => 'B',
            Self::C => 'C',
        }
    }
}

/// A trade's conditions, as a set of flags. A trade is either `regular` (in the regular
/// session, or any trade of a 24/7 market) or `extended_hours` (pre-market or after-hours,
/// the CTA/UTP "Form T"); besides it may be an `odd_lot` (fewer than 100 shares), the
/// `opening_print` (the regular session's first trade, at the open) or the `closing_print`
/// (its last, at the close).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Conditions(u8);

impl Conditions {
    /// Outside the regular session (Form T).
    pub const EXTENDED_HOURS: Self = Self(1);
    /// Fewer than 100 shares.
    pub const ODD_LOT: Self = Self(2);
    /// The regular session's first trade, at the open.
    pub const OPENING_PRINT: Self = Self(4);
    /// The regular session's last trade, at the close.
    pub const CLOSING_PRINT: Self = Self(8);

    /// No flag: a regular round-lot (or mixed-lot) trade.
    pub const fn regular() -> Self {
        Self(0)
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// `self` with the flags of `other` added.
    #[must_use]
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The names, in the order the JSON lists them.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        let session = if self.contains(Self::EXTENDED_HOURS) {
            "extended_hours"
        } else {
            "regular"
        };
        let flags = [
            (Self::ODD_LOT, "odd_lot"),
            (Self::OPENING_PRINT, "opening_print"),
            (Self::CLOSING_PRINT, "closing_print"),
        ];
        std::iter::once(session).chain(
            flags
                .into_iter()
                .filter(move |(flag, _)| self.contains(*flag))
                .map(|(_, name)| name),
        )
    }

    fn write_json(self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, name) in self.names().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(name.as_bytes());
            out.push(b'"');
        }
        out.push(b']');
    }
}

impl Serialize for Conditions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

/// One trade of one symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Trade {
    /// Ticker symbol.
    pub symbol: Symbol,
    /// Per-symbol id: the trade's rank among all the symbol's trades (1 is the first after
    /// the epoch), so ids increase strictly with time, with no gap.
    pub id: u64,
    /// Price, on the tick grid, at or inside the NBBO of the tick that reports it.
    pub price: Decimal,
    /// Shares (at least 1).
    pub size: u64,
    /// Where it printed.
    pub exchange: Exchange,
    /// The symbol's tape.
    pub tape: Tape,
    /// Session and lot conditions.
    pub conditions: Conditions,
    /// When it happened, Unix milliseconds (`timestamp_ns` rounded down).
    pub timestamp: i64,
    /// When it happened, Unix nanoseconds: inside `[time of tick seq − 1, time of tick seq)`.
    /// Beyond 2^53, so JavaScript needs `BigInt` for it; `timestamp` is exact as a Number.
    pub timestamp_ns: i64,
    /// The tick that reports it (the first tick at or after it).
    pub seq: Seq,
}

impl Trade {
    /// Appends the fields without the enclosing braces, so callers can prefix their own
    /// (`{"type":"trade",` …).
    pub fn write_fields(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\"symbol\":\"");
        out.extend_from_slice(self.symbol.as_str().as_bytes());
        out.extend_from_slice(b"\",\"id\":");
        push_u64(out, self.id);
        out.extend_from_slice(b",\"price\":");
        self.price.write_json(out);
        out.extend_from_slice(b",\"size\":");
        push_u64(out, self.size);
        out.extend_from_slice(b",\"exchange\":");
        self.exchange.write_json(out);
        out.extend_from_slice(b",\"tape\":\"");
        out.push(self.tape.code() as u8);
        out.extend_from_slice(b"\",\"conditions\":");
        self.conditions.write_json(out);
        out.extend_from_slice(b",\"timestamp\":");
        push_i64(out, self.timestamp);
        out.extend_from_slice(b",\"timestamp_ns\":");
        push_i64(out, self.timestamp_ns);
        out.extend_from_slice(b",\"seq\":");
        push_u64(out, self.seq.0);
    }

    /// Appends the trade as a JSON object, identical to `serde_json::to_vec(self)`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        self.write_fields(out);
        out.push(b'}');
    }
}

/// The best bid and offer of one symbol at one tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Nbbo {
    /// Ticker symbol.
    pub symbol: Symbol,
    /// Best bid, on the tick grid.
    pub bid: Decimal,
    /// Shares bid at `bid`: whole round lots (multiples of 100).
    pub bid_size: u64,
    /// The participant with the best bid.
    pub bid_exchange: Exchange,
    /// Best offer, on the tick grid, at least one tick above the bid.
    pub ask: Decimal,
    /// Shares offered at `ask`: whole round lots (multiples of 100).
    pub ask_size: u64,
    /// The participant with the best offer.
    pub ask_exchange: Exchange,
    /// Time of the tick, Unix milliseconds.
    pub timestamp: i64,
    /// The tick.
    pub seq: Seq,
}

impl Nbbo {
    /// Appends the NBBO as a JSON object, identical to `serde_json::to_vec(self)`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"symbol\":\"");
        out.extend_from_slice(self.symbol.as_str().as_bytes());
        out.extend_from_slice(b"\",\"bid\":");
        self.bid.write_json(out);
        out.extend_from_slice(b",\"bid_size\":");
        push_u64(out, self.bid_size);
        out.extend_from_slice(b",\"bid_exchange\":");
        self.bid_exchange.write_json(out);
        out.extend_from_slice(b",\"ask\":");
        self.ask.write_json(out);
        out.extend_from_slice(b",\"ask_size\":");
        push_u64(out, self.ask_size);
        out.extend_from_slice(b",\"ask_exchange\":");
        self.ask_exchange.write_json(out);
        out.extend_from_slice(b",\"timestamp\":");
        push_i64(out, self.timestamp);
        out.extend_from_slice(b",\"seq\":");
        push_u64(out, self.seq.0);
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_encoding_equals_serde() {
        let symbol = Symbol::parse("BRK.B").unwrap();
        let flags = [
            Conditions::regular(),
            Conditions::ODD_LOT,
            Conditions::EXTENDED_HOURS.with(Conditions::ODD_LOT),
            Conditions::OPENING_PRINT,
            Conditions::CLOSING_PRINT.with(Conditions::ODD_LOT),
        ];
        for (i, conditions) in flags.into_iter().enumerate() {
            let t = Trade {
                symbol,
                id: 1 + i as u64 * 1_000_003,
                price: Decimal::new(15_045 + i as i64, 2),
                size: 37 + 100 * i as u64,
                exchange: Exchange::new('Q').unwrap(),
                tape: Tape::A,
                conditions,
                timestamp: 1_795_433_918_123,
                timestamp_ns: 1_795_433_918_123_456_789,
                seq: Seq(91_366_718),
            };
            let mut fast = Vec::new();
            t.write_json(&mut fast);
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                serde_json::to_string(&t).unwrap()
            );
        }
        let n = Nbbo {
            symbol,
            bid: Decimal::new(15_043, 2),
            bid_size: 300,
            bid_exchange: Exchange::new('K').unwrap(),
            ask: Decimal::new(15_047, 2),
            ask_size: 1_200,
            ask_exchange: Exchange::new('V').unwrap(),
            timestamp: 1_795_433_918_000,
            seq: Seq(7),
        };
        let mut fast = Vec::new();
        n.write_json(&mut fast);
        assert_eq!(
            String::from_utf8(fast).unwrap(),
            serde_json::to_string(&n).unwrap()
        );
    }

    #[test]
    fn conditions_name_the_session_first() {
        let names = |c: Conditions| c.names().collect::<Vec<_>>();
        assert_eq!(names(Conditions::regular()), ["regular"]);
        assert_eq!(
            names(Conditions::EXTENDED_HOURS.with(Conditions::ODD_LOT)),
            ["extended_hours", "odd_lot"]
        );
        assert_eq!(
            names(Conditions::OPENING_PRINT.with(Conditions::ODD_LOT)),
            ["regular", "odd_lot", "opening_print"]
        );
    }

    #[test]
    fn exchanges_are_single_upper_case_letters() {
        assert_eq!(Exchange::new('Q').unwrap().code(), 'Q');
        assert!(Exchange::new('q').is_none() && Exchange::new('1').is_none());
        let e: Exchange = serde_json::from_str("\"N\"").unwrap();
        assert_eq!(e.to_string(), "N");
        assert!(serde_json::from_str::<Exchange>("\"NY\"").is_err());
    }
}
