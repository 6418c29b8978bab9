//! Alpaca REST response bodies, in the shape of each endpoint's form.
//!
//! Single-symbol endpoints answer `{"bars":[…],"symbol":"AAPL","next_page_token":…}`;
//! multi-symbol ones key by symbol: `{"bars":{"AAPL":[…]},"next_page_token":…}`. Every body
//! has exactly one of Alpaca's data keys (alpaca-py refuses anything else), except the
//! multi-symbol snapshot, which is a bare map keyed by symbol. `next_page_token` is `null` on
//! the last page: clients page until then.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use ticker_core::Symbol;

use super::msg::{Bar, Quote, Trade};
use super::rest::{PageToken, Symbols};

/// One page of a historical endpoint: per symbol, its items (in the page's order).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The symbols with their items; symbols without items are left out of multi-symbol
    /// bodies (as Alpaca does) and give `[]` in single-symbol ones.
    pub items: Vec<(Symbol, Vec<T>)>,
    /// Where the next page starts, if there is one.
    pub next: Option<PageToken>,
}

/// Serialises a historical page under `key` (`bars`, `trades`, `quotes`).
pub fn page_json<T: Serialize>(key: &str, symbols: &Symbols, page: &Page<T>) -> String {
    struct Body<'a, T> {
        key: &'a str,
        symbols: &'a Symbols,
        page: &'a Page<T>,
    }
    struct ByKey<'a, T>(&'a [(Symbol, Vec<T>)]);
    impl<T: Serialize> Serialize for ByKey<'_, T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(None)?;
            for (sym, items) in self.0.iter().filter(|(_, v)| !v.is_empty()) {
                m.serialize_entry(sym.as_str(), items)?;
            }
            m.end()
        }
    }
    impl<T: Serialize> Serialize for Body<'_, T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(None)?;
            let next = self.page.next.map(|t| t.encode());
            match self.symbols {
                Symbols::One(sym) => {
                    let items: &[T] = self
                        .page
                        .items
                        .iter()
                        .find(|(s, _)| s == sym)
                        .map_or(&[], |(_, v)| v.as_slice());
                    m.serialize_entry(self.key, items)?;
                    m.serialize_entry("symbol", sym.as_str())?;
                }
                Symbols::Many(_) => m.serialize_entry(self.key, &ByKey(&self.page.items))?,
            }
            m.serialize_entry("next_page_token", &next)?;
            m.end()
        }
    }
    serde_json::to_string(&Body { key, symbols, page }).unwrap_or_default()
}

/// Serialises a latest endpoint: `{"symbol":"AAPL","trade":{…}}` for one symbol,
/// `{"trades":{"AAPL":{…}}}` for several. `one`/`many` are the two keys (`trade`/`trades`).
/// Symbols with no item are left out of the map.
pub fn latest_json<T: Serialize>(
    one: &str,
    many: &str,
    symbols: &Symbols,
    items: &[(Symbol, T)],
) -> String {
    let value = match symbols {
        Symbols::One(sym) => {
            let item = items.iter().find(|(s, _)| s == sym).map(|(_, v)| v);
            serde_json::json!({ "symbol": sym.as_str(), one: item })
        }
        Symbols::Many(_) => {
            let map: serde_json::Map<String, serde_json::Value> = items
                .iter()
                .map(|(s, v)| {
                    (
                        s.as_str().to_owned(),
                        serde_json::to_value(v).unwrap_or_default(),
                    )
                })
                .collect();
            serde_json::json!({ many: map })
        }
    };
    value.to_string()
}

/// One symbol's snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// The latest trade.
    pub latest_trade: Option<Trade>,
    /// The latest NBBO quote.
    pub latest_quote: Option<Quote>,
    /// The latest minute bar.
    pub minute_bar: Option<Bar>,
    /// Today's daily bar so far.
    pub daily_bar: Option<Bar>,
    /// The previous trading day's bar.
    pub prev_daily_bar: Option<Bar>,
}

/// Serialises snapshots: `{"symbol":"AAPL","latestTrade":…}` for one symbol, the bare map
/// `{"AAPL":{…},"MSFT":{…}}` for several.
pub fn snapshots_json(symbols: &Symbols, items: &[(Symbol, Snapshot)]) -> String {
    let value = match symbols {
        Symbols::One(sym) => {
            let mut v = items
                .iter()
                .find(|(s, _)| s == sym)
                .and_then(|(_, snap)| serde_json::to_value(snap).ok())
                .unwrap_or_else(|| serde_json::json!({}));
            if let Some(obj) = v.as_object_mut() {
                obj.insert("symbol".into(), sym.as_str().into());
            }
            v
        }
        Symbols::Many(_) => serde_json::Value::Object(
            items
                .iter()
                .map(|(s, v)| {
                    (
                        s.as_str().to_owned(),
                        serde_json::to_value(v).unwrap_or_default(),
                    )
                })
                .collect(),
        ),
    };
    value.to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::alpaca::msg::tests::{bar, quote, sym, trade};
    use crate::nanos::Nanos;

    /// alpaca-py's rule (`_get_marketdata_entries`): exactly one known data key.
    fn data_keys(body: &str) -> Vec<String> {
        const KEYS: [&str; 12] = [
            "bar",
            "bars",
            "corporate_actions",
            "news",
            "orderbook",
            "orderbooks",
            "quote",
            "quotes",
            "snapshot",
            "snapshots",
            "trade",
            "trades",
        ];
        let v: Value = serde_json::from_str(body).unwrap();
        v.as_object()
            .unwrap()
            .keys()
            .filter(|k| KEYS.contains(&k.as_str()))
            .cloned()
            .collect()
    }

    #[test]
    fn historical_pages_in_both_forms() {
        let token = PageToken {
            symbol: sym("MSFT"),
            at: Nanos(5),
            skip: 0,
        };
        let page = Page {
            items: vec![(sym("AAPL"), vec![bar()]), (sym("MSFT"), vec![])],
            next: Some(token),
        };
        let one = page_json("bars", &Symbols::One(sym("AAPL")), &page);
        let v: Value = serde_json::from_str(&one).unwrap();
        assert_eq!(v["symbol"], "AAPL");
        assert_eq!(v["bars"][0]["o"], 388.985);
        assert_eq!(v["next_page_token"], token.encode());
        assert_eq!(data_keys(&one), ["bars"]);

        let many = page_json(
            "bars",
            &Symbols::Many(vec![sym("AAPL"), sym("MSFT")]),
            &Page { next: None, ..page },
        );
        let v: Value = serde_json::from_str(&many).unwrap();
        assert_eq!(v["bars"]["AAPL"][0]["n"], 206);
        assert!(
            v["bars"].get("MSFT").is_none(),
            "symbols without items are left out"
        );
        assert_eq!(v["next_page_token"], Value::Null);
        assert_eq!(data_keys(&many), ["bars"]);

        let empty: Page<Trade> = Page {
            items: vec![],
            next: None,
        };
        assert_eq!(
            page_json("trades", &Symbols::One(sym("AAPL")), &empty),
            r#"{"trades":[],"symbol":"AAPL","next_page_token":null}"#
        );
        assert_eq!(
            page_json("trades", &Symbols::Many(vec![sym("AAPL")]), &empty),
            r#"{"trades":{},"next_page_token":null}"#
        );
    }

    #[test]
    fn latest_bodies_in_both_forms() {
        let one = latest_json(
            "trade",
            "trades",
            &Symbols::One(sym("AAPL")),
            &[(sym("AAPL"), trade())],
        );
        let v: Value = serde_json::from_str(&one).unwrap();
        assert_eq!(v["symbol"], "AAPL");
        assert_eq!(v["trade"]["i"], 96_921);
        assert_eq!(data_keys(&one), ["trade"]);
        let many = latest_json(
            "quote",
            "quotes",
            &Symbols::Many(vec![sym("AAPL")]),
            &[(sym("AAPL"), quote())],
        );
        let v: Value = serde_json::from_str(&many).unwrap();
        assert_eq!(v["quotes"]["AAPL"]["bs"], 100);
        assert_eq!(data_keys(&many), ["quotes"]);
    }

    #[test]
    fn snapshots_single_has_symbol_and_multi_is_a_bare_map() {
        let snap = Snapshot {
            latest_trade: Some(trade()),
            latest_quote: Some(quote()),
            minute_bar: Some(bar()),
            daily_bar: Some(bar()),
            prev_daily_bar: None,
        };
        let one = snapshots_json(&Symbols::One(sym("AAPL")), &[(sym("AAPL"), snap.clone())]);
        let v: Value = serde_json::from_str(&one).unwrap();
        assert_eq!(v["symbol"], "AAPL");
        assert_eq!(v["latestTrade"]["p"], 134.56);
        assert_eq!(v["prevDailyBar"], Value::Null);
        let many = snapshots_json(
            &Symbols::Many(vec![sym("AAPL"), sym("MSFT")]),
            &[(sym("AAPL"), snap)],
        );
        let v: Value = serde_json::from_str(&many).unwrap();
        assert_eq!(v.as_object().unwrap().keys().collect::<Vec<_>>(), ["AAPL"]);
        assert_eq!(v["AAPL"]["minuteBar"]["v"], 49_378);
    }
}
