//! Polygon's messages and objects, with Polygon's field names and units.
//!
//! Units differ by place, as on the real service: stream events and aggregates carry Unix
//! **milliseconds**; last trade, last NBBO and snapshot trade/quote times are Unix
//! **nanoseconds**. Exchanges, tapes and conditions are integers ([`super::codes`]); trade ids
//! are strings.

use serde::Serialize;
use ticker_core::{Decimal, Symbol};

/// A stream event: every element of a server frame carries `ev`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "ev")]
pub enum Event {
    /// `{"ev":"status","status":…,"message":…}`.
    #[serde(rename = "status")]
    Status {
        /// `connected`, `auth_success`, `auth_failed`, `success`, `error`, `max_connections`.
        status: &'static str,
        /// Human-readable detail.
        message: String,
    },
    /// A trade.
    #[serde(rename = "T")]
    Trade(StreamTrade),
    /// An NBBO quote.
    #[serde(rename = "Q")]
    Quote(StreamQuote),
    /// A minute aggregate.
    #[serde(rename = "AM")]
    Minute(StreamAgg),
    /// A second aggregate.
    #[serde(rename = "A")]
    Second(StreamAgg),
}

impl Event {
    /// A status event.
    pub fn status(status: &'static str, message: impl Into<String>) -> Self {
        Self::Status {
            status,
            message: message.into(),
        }
    }
}

fn is_empty(v: &[u8]) -> bool {
    v.is_empty()
}

/// `T`: `{"sym","x","i","z","p","s","c","t","q"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamTrade {
    /// Symbol.
    #[serde(serialize_with = "symbol")]
    pub sym: Symbol,
    /// Exchange id.
    pub x: u8,
    /// Trade id (a string).
    pub i: String,
    /// Tape (1, 2, 3).
    pub z: u8,
    /// Price.
    pub p: Decimal,
    /// Size, shares.
    pub s: u64,
    /// Conditions (left out when none, as Polygon does for regular trades).
    #[serde(skip_serializing_if = "is_empty")]
    pub c: Vec<u8>,
    /// Unix milliseconds.
    pub t: i64,
    /// Sequence number.
    pub q: u64,
}

/// `Q`: `{"sym","bx","bp","bs","ax","ap","as","c","t","q","z"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamQuote {
    /// Symbol.
    #[serde(serialize_with = "symbol")]
    pub sym: Symbol,
    /// Bid exchange id.
    pub bx: u8,
    /// Bid price.
    pub bp: Decimal,
    /// Bid size, shares.
    pub bs: u64,
    /// Ask exchange id.
    pub ax: u8,
    /// Ask price.
    pub ap: Decimal,
    /// Ask size, shares.
    #[serde(rename = "as")]
    pub as_: u64,
    /// Quote condition.
    pub c: u8,
    /// Unix milliseconds.
    pub t: i64,
    /// Sequence number.
    pub q: u64,
    /// Tape.
    pub z: u8,
}

/// `AM` / `A`: `{"sym","v","av","op","vw","o","c","h","l","a","z","s","e"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamAgg {
    /// Symbol.
    #[serde(serialize_with = "symbol")]
    pub sym: Symbol,
    /// Volume in this window.
    pub v: u64,
    /// Volume accumulated today.
    pub av: u64,
    /// Today's official open.
    pub op: Decimal,
    /// This window's VWAP.
    pub vw: f64,
    /// Open.
    pub o: Decimal,
    /// Close.
    pub c: Decimal,
    /// High.
    pub h: Decimal,
    /// Low.
    pub l: Decimal,
    /// Today's VWAP.
    pub a: f64,
    /// Average trade size in this window.
    pub z: u64,
    /// Window start, Unix milliseconds.
    pub s: i64,
    /// Window end, Unix milliseconds.
    pub e: i64,
}

fn symbol<S: serde::Serializer>(s: &Symbol, se: S) -> Result<S::Ok, S::Error> {
    se.serialize_str(s.as_str())
}

/// An aggregate bar of `/v2/aggs`: `{"v","vw","o","c","h","l","t","n"}`, `t` the bar start in
/// Unix ms. `T` (the ticker) is set only by `/prev`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agg {
    /// Ticker (only in `/prev`).
    #[serde(rename = "T", skip_serializing_if = "Option::is_none")]
    pub ticker: Option<String>,
    /// Volume.
    pub v: u64,
    /// VWAP.
    pub vw: f64,
    /// Open.
    pub o: Decimal,
    /// Close.
    pub c: Decimal,
    /// High.
    pub h: Decimal,
    /// Low.
    pub l: Decimal,
    /// Bar start, Unix milliseconds.
    pub t: i64,
    /// Number of trades.
    pub n: u64,
}

/// `/v2/last/trade/{T}` results: times in **nanoseconds**.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastTrade {
    /// Ticker.
    #[serde(rename = "T")]
    pub ticker: String,
    /// Trade id.
    pub i: String,
    /// Price.
    pub p: Decimal,
    /// Size.
    pub s: u64,
    /// Exchange id.
    pub x: u8,
    /// Conditions.
    #[serde(skip_serializing_if = "is_empty")]
    pub c: Vec<u8>,
    /// Tape.
    pub z: u8,
    /// SIP time, Unix nanoseconds.
    pub t: i64,
    /// Exchange time, Unix nanoseconds.
    pub y: i64,
    /// Sequence number.
    pub q: u64,
}

/// `/v2/last/nbbo/{T}` results: `P`/`S`/`X` ask, `p`/`s`/`x` bid; times in nanoseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastQuote {
    /// Ticker.
    #[serde(rename = "T")]
    pub ticker: String,
    /// Ask price.
    #[serde(rename = "P")]
    pub ask_price: Decimal,
    /// Ask size.
    #[serde(rename = "S")]
    pub ask_size: u64,
    /// Ask exchange id.
    #[serde(rename = "X")]
    pub ask_exchange: u8,
    /// Bid price.
    #[serde(rename = "p")]
    pub bid_price: Decimal,
    /// Bid size.
    #[serde(rename = "s")]
    pub bid_size: u64,
    /// Bid exchange id.
    #[serde(rename = "x")]
    pub bid_exchange: u8,
    /// Conditions.
    pub c: Vec<u8>,
    /// Tape.
    pub z: u8,
    /// SIP time, Unix nanoseconds.
    pub t: i64,
    /// Exchange time, Unix nanoseconds.
    pub y: i64,
    /// Sequence number.
    pub q: u64,
}

/// A day's (or minute's) OHLCV inside a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotBar {
    /// Open.
    pub o: Decimal,
    /// High.
    pub h: Decimal,
    /// Low.
    pub l: Decimal,
    /// Close.
    pub c: Decimal,
    /// Volume.
    pub v: u64,
    /// VWAP.
    pub vw: f64,
}

/// The snapshot's minute bar: the bar plus accumulated volume, start (ms) and trade count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotMinute {
    /// Volume accumulated today.
    pub av: u64,
    /// Minute start, Unix milliseconds.
    pub t: i64,
    /// Trades in the minute.
    pub n: u64,
    /// The bar.
    #[serde(flatten)]
    pub bar: SnapshotBar,
}

/// The snapshot's last trade: time in nanoseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotTrade {
    /// Conditions.
    pub c: Vec<u8>,
    /// Trade id.
    pub i: String,
    /// Price.
    pub p: Decimal,
    /// Size.
    pub s: u64,
    /// Unix nanoseconds.
    pub t: i64,
    /// Exchange id.
    pub x: u8,
}

/// The snapshot's last quote: `P`/`S` ask, `p`/`s` bid, time in nanoseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotQuote {
    /// Ask price.
    #[serde(rename = "P")]
    pub ask_price: Decimal,
    /// Ask size.
    #[serde(rename = "S")]
    pub ask_size: u64,
    /// Bid price.
    #[serde(rename = "p")]
    pub bid_price: Decimal,
    /// Bid size.
    #[serde(rename = "s")]
    pub bid_size: u64,
    /// Unix nanoseconds.
    pub t: i64,
}

/// One ticker of `/v2/snapshot/locale/us/markets/stocks/tickers[/{T}]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TickerSnapshot {
    /// Ticker.
    pub ticker: String,
    /// Last price − previous close.
    pub todays_change: f64,
    /// That change in percent of the previous close.
    pub todays_change_perc: f64,
    /// Last update, Unix nanoseconds.
    pub updated: i64,
    /// Today so far.
    pub day: SnapshotBar,
    /// The latest minute.
    pub min: SnapshotMinute,
    /// The previous trading day.
    pub prev_day: SnapshotBar,
    /// The last trade.
    pub last_trade: SnapshotTrade,
    /// The last NBBO.
    pub last_quote: SnapshotQuote,
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::{json, Value};

    use super::*;

    pub(crate) fn sym(s: &str) -> Symbol {
        Symbol::parse(s).unwrap()
    }

    pub(crate) fn trade() -> StreamTrade {
        StreamTrade {
            sym: sym("AAPL"),
            x: 10,
            i: "5096".into(),
            z: 3,
            p: Decimal::new(16_187, 2),
            s: 300,
            c: vec![14, 41],
            t: 1_651_684_192_462,
            q: 4_009_402,
        }
    }

    #[test]
    fn stream_events_carry_ev_and_polygons_fields() {
        let v = serde_json::to_value(Event::Trade(trade())).unwrap();
        assert_eq!(
            v,
            json!({"ev":"T","sym":"AAPL","x":10,"i":"5096","z":3,"p":161.87,"s":300,"c":[14,41],"t":1_651_684_192_462_i64,"q":4_009_402})
        );
        let regular = StreamTrade {
            c: vec![],
            ..trade()
        };
        assert!(serde_json::to_value(Event::Trade(regular))
            .unwrap()
            .get("c")
            .is_none());
        let q = StreamQuote {
            sym: sym("AAPL"),
            bx: 11,
            bp: Decimal::new(16_186, 2),
            bs: 200,
            ax: 12,
            ap: Decimal::new(16_188, 2),
            as_: 100,
            c: 0,
            t: 1_651_684_192_462,
            q: 7,
            z: 3,
        };
        let v = serde_json::to_value(Event::Quote(q)).unwrap();
        assert_eq!(v["ev"], "Q");
        assert_eq!(v["as"], 100);
        assert_eq!(v["bp"], 161.86);
        let agg = StreamAgg {
            sym: sym("AAPL"),
            v: 100,
            av: 10_000,
            op: Decimal::new(16_000, 2),
            vw: 161.5,
            o: Decimal::new(16_100, 2),
            c: Decimal::new(16_200, 2),
            h: Decimal::new(16_250, 2),
            l: Decimal::new(16_050, 2),
            a: 160.9,
            z: 50,
            s: 1_651_684_140_000,
            e: 1_651_684_200_000,
        };
        let am = serde_json::to_value(Event::Minute(agg.clone())).unwrap();
        let a = serde_json::to_value(Event::Second(agg)).unwrap();
        assert_eq!(
            (am["ev"].as_str(), a["ev"].as_str()),
            (Some("AM"), Some("A"))
        );
        assert_eq!(am["e"], 1_651_684_200_000_i64);
        let status =
            serde_json::to_string(&[Event::status("connected", "Connected Successfully")]).unwrap();
        assert_eq!(
            status,
            r#"[{"ev":"status","status":"connected","message":"Connected Successfully"}]"#
        );
    }

    #[test]
    fn rest_objects_use_nanoseconds_where_polygon_does() {
        let last = LastTrade {
            ticker: "AAPL".into(),
            i: "237688".into(),
            p: Decimal::new(16_625, 2),
            s: 2,
            x: 4,
            c: vec![37],
            z: 3,
            t: 1_617_901_342_969_834_000,
            y: 1_617_901_342_969_834_000,
            q: 1_177,
        };
        let v: Value = serde_json::to_value(last).unwrap();
        assert_eq!(v["T"], "AAPL");
        assert_eq!(v["t"], 1_617_901_342_969_834_000_i64);
        let min = SnapshotMinute {
            av: 5,
            t: 1_605_195_918_000,
            n: 3,
            bar: SnapshotBar {
                o: Decimal::new(1, 0),
                h: Decimal::new(2, 0),
                l: Decimal::new(1, 0),
                c: Decimal::new(2, 0),
                v: 5,
                vw: 1.5,
            },
        };
        let v = serde_json::to_value(min).unwrap();
        assert_eq!(v["av"], 5);
        assert_eq!(v["vw"], 1.5);
        let agg = Agg {
            ticker: None,
            v: 1,
            vw: 1.0,
            o: Decimal::new(1, 0),
            c: Decimal::new(1, 0),
            h: Decimal::new(1, 0),
            l: Decimal::new(1, 0),
            t: 60_000,
            n: 1,
        };
        assert!(serde_json::to_value(&agg).unwrap().get("T").is_none());
    }
}
