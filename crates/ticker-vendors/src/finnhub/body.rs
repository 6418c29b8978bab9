//! Finnhub REST response bodies, keys in Finnhub's (alphabetical) order. REST times are Unix
//! **seconds** (the stream's are milliseconds).

use serde::Serialize;
use ticker_core::Decimal;

use crate::bars::Bar;
use crate::json::{push_decimal, push_f64, push_int};

/// The `/quote` of a symbol.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quote {
    /// `c`: current price.
    pub current: Decimal,
    /// `d`: change since the previous close.
    pub change: Decimal,
    /// `dp`: that change in percent.
    pub change_percent: f64,
    /// `h`: high of the day.
    pub high: Decimal,
    /// `l`: low of the day.
    pub low: Decimal,
    /// `o`: open of the day.
    pub open: Decimal,
    /// `pc`: previous close.
    pub prev_close: Decimal,
    /// `t`: time of the price, Unix seconds.
    pub time_s: i64,
}

/// The `/quote` body; `None` (an unknown symbol) gives Finnhub's all-zero answer with null
/// changes, not an error.
pub fn quote(q: Option<&Quote>) -> String {
    let Some(q) = q else {
        return r#"{"c":0,"d":null,"dp":null,"h":0,"l":0,"o":0,"pc":0,"t":0}"#.to_owned();
    };
    let mut out = String::with_capacity(128);
    out.push_str("{\"c\":");
    push_decimal(&mut out, q.current);
    out.push_str(",\"d\":");
    push_decimal(&mut out, q.change);
    out.push_str(",\"dp\":");
    push_f64(&mut out, (q.change_percent * 10_000.0).round() / 10_000.0);
    out.push_str(",\"h\":");
    push_decimal(&mut out, q.high);
    out.push_str(",\"l\":");
    push_decimal(&mut out, q.low);
    out.push_str(",\"o\":");
    push_decimal(&mut out, q.open);
    out.push_str(",\"pc\":");
    push_decimal(&mut out, q.prev_close);
    out.push_str(",\"t\":");
    push_int(&mut out, q.time_s);
    out.push('}');
    out
}

/// The `/stock/candle` body: parallel arrays with `t` in seconds, or `{"s":"no_data"}`.
pub fn candles(bars: &[Bar]) -> String {
    if bars.is_empty() {
        return r#"{"s":"no_data"}"#.to_owned();
    }
    let mut out = String::with_capacity(16 + bars.len() * 60);
    let column = |out: &mut String, key: &str, f: &dyn Fn(&mut String, &Bar)| {
        out.push('"');
        out.push_str(key);
        out.push_str("\":[");
        for (i, bar) in bars.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            f(out, bar);
        }
        out.push(']');
    };
    out.push('{');
    column(&mut out, "c", &|o, b| push_decimal(o, b.close));
    out.push(',');
    column(&mut out, "h", &|o, b| push_decimal(o, b.high));
    out.push(',');
    column(&mut out, "l", &|o, b| push_decimal(o, b.low));
    out.push(',');
    column(&mut out, "o", &|o, b| push_decimal(o, b.open));
    out.push_str(",\"s\":\"ok\",");
    column(&mut out, "t", &|o, b| {
        push_int(o, b.start_ms.div_euclid(1000));
    });
    out.push(',');
    column(&mut out, "v", &|o, b| push_int(o, b.volume));
    out.push('}');
    out
}

/// One entry of `/stock/symbol`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SymbolEntry {
    /// Trading currency, e.g. `USD`.
    pub currency: String,
    /// Company name.
    pub description: String,
    /// Symbol as displayed.
    #[serde(rename = "displaySymbol")]
    pub display_symbol: String,
    /// FIGI (empty here: ticker's symbols are synthetic).
    pub figi: String,
    /// ISIN (null: not available).
    pub isin: Option<String>,
    /// Market identifier code, e.g. `XNAS`.
    pub mic: String,
    /// Share-class FIGI (empty).
    #[serde(rename = "shareClassFIGI")]
    pub share_class_figi: String,
    /// The symbol.
    pub symbol: String,
    /// Alternative symbol (empty).
    pub symbol2: String,
    /// Security type, e.g. `Common Stock`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// The `/stock/symbol` body (an array).
pub fn symbols(entries: &[SymbolEntry]) -> String {
    serde_json::to_string(entries).unwrap_or_else(|_| "[]".to_owned())
}

/// The `/stock/profile2` of a symbol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// Country of the company's headquarters.
    pub country: String,
    /// Currency of the listing.
    pub currency: String,
    /// Listing exchange.
    pub exchange: String,
    /// Industry classification.
    #[serde(rename = "finnhubIndustry")]
    pub industry: String,
    /// IPO date, `YYYY-MM-DD`.
    pub ipo: String,
    /// Logo URL (empty).
    pub logo: String,
    /// Market capitalisation in millions of `currency`.
    #[serde(rename = "marketCapitalization")]
    pub market_capitalization: f64,
    /// Company name.
    pub name: String,
    /// Phone number (empty).
    pub phone: String,
    /// Shares outstanding, in millions.
    #[serde(rename = "shareOutstanding")]
    pub share_outstanding: f64,
    /// The symbol.
    pub ticker: String,
    /// Web site (empty).
    pub weburl: String,
}

/// The `/stock/profile2` body; `None` (an unknown symbol) is Finnhub's `{}`.
pub fn profile(p: Option<&Profile>) -> String {
    p.and_then(|p| serde_json::to_string(p).ok())
        .unwrap_or_else(|| "{}".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(units: i64) -> Decimal {
        Decimal::new(units, 2)
    }

    #[test]
    fn quote_has_finnhubs_keys_and_seconds() {
        let q = Quote {
            current: d(26174),
            change: d(-167),
            change_percent: -0.633_993_4,
            high: d(26331),
            low: d(26068),
            open: d(26107),
            prev_close: d(26341),
            time_s: 1_602_705_600,
        };
        assert_eq!(
            quote(Some(&q)),
            r#"{"c":261.74,"d":-1.67,"dp":-0.634,"h":263.31,"l":260.68,"o":261.07,"pc":263.41,"t":1602705600}"#
        );
        assert_eq!(
            quote(None),
            r#"{"c":0,"d":null,"dp":null,"h":0,"l":0,"o":0,"pc":0,"t":0}"#
        );
    }

    #[test]
    fn candles_are_parallel_arrays_or_no_data() {
        assert_eq!(candles(&[]), r#"{"s":"no_data"}"#);
        let bar = |t: i64, o, h, l, c, v| Bar {
            start_ms: t,
            open: d(o),
            high: d(h),
            low: d(l),
            close: d(c),
            volume: v,
            trades: 1,
            notional: 0.0,
            trade_ids: None,
        };
        let body = candles(&[
            bar(1_704_067_200_000, 100, 120, 90, 110, 7),
            bar(1_704_067_260_000, 110, 111, 100, 101, 0),
        ]);
        assert_eq!(
            body,
            r#"{"c":[1.1,1.01],"h":[1.2,1.11],"l":[0.9,1.0],"o":[1.0,1.1],"s":"ok","t":[1704067200,1704067260],"v":[7,0]}"#
        );
    }

    #[test]
    fn symbol_and_profile_bodies_use_finnhubs_names() {
        let e = SymbolEntry {
            currency: "USD".into(),
            description: "Apple Inc.".into(),
            display_symbol: "AAPL".into(),
            figi: String::new(),
            isin: None,
            mic: "XNAS".into(),
            share_class_figi: String::new(),
            symbol: "AAPL".into(),
            symbol2: String::new(),
            kind: "Common Stock".into(),
        };
        let raw = symbols(&[e]);
        let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(v[0].as_object().unwrap().len(), 10);
        let mut keys: Vec<(usize, &String)> = v[0]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| (raw.find(&format!("\"{k}\":")).unwrap(), k))
            .collect();
        keys.sort();
        let keys: Vec<&String> = keys.into_iter().map(|(_, k)| k).collect();
        assert_eq!(
            keys,
            [
                "currency",
                "description",
                "displaySymbol",
                "figi",
                "isin",
                "mic",
                "shareClassFIGI",
                "symbol",
                "symbol2",
                "type"
            ]
        );
        assert_eq!(profile(None), "{}");
        let p = Profile {
            country: "US".into(),
            currency: "USD".into(),
            exchange: "NASDAQ NMS - GLOBAL MARKET".into(),
            industry: "Technology".into(),
            ipo: "1980-12-12".into(),
            logo: String::new(),
            market_capitalization: 1415993.0,
            name: "Apple Inc".into(),
            phone: String::new(),
            share_outstanding: 4375.47998046875,
            ticker: "AAPL".into(),
            weburl: String::new(),
        };
        let v: serde_json::Value = serde_json::from_str(&profile(Some(&p))).unwrap();
        assert_eq!(v["finnhubIndustry"], "Technology");
        assert_eq!(v["marketCapitalization"], 1415993.0);
        assert_eq!(v["shareOutstanding"], 4375.47998046875);
    }
}
