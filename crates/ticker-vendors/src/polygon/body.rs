//! Polygon REST response envelopes around the objects of [`super::msg`].
//!
//! Every body has `"status":"OK"` and a `request_id`. Aggregates always carry `results`, even
//! empty: the JS SDK's pagination spreads it (`[...results]`) and would throw on a missing one.

use serde::Serialize;

use super::msg::{Agg, LastQuote, LastTrade, TickerSnapshot};

/// `/v2/aggs/…/range/…` and `/prev`: `{"ticker","queryCount","resultsCount","adjusted",
/// "results","status","request_id","count","next_url"?}`.
pub fn aggs_json(
    ticker: &str,
    adjusted: bool,
    results: &[Agg],
    request_id: &str,
    next_url: Option<&str>,
) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Body<'a> {
        ticker: &'a str,
        query_count: usize,
        results_count: usize,
        adjusted: bool,
        results: &'a [Agg],
        status: &'a str,
        #[serde(rename = "request_id")]
        request_id: &'a str,
        count: usize,
        #[serde(rename = "next_url", skip_serializing_if = "Option::is_none")]
        next_url: Option<&'a str>,
    }
    serde_json::to_string(&Body {
        ticker,
        query_count: results.len(),
        results_count: results.len(),
        adjusted,
        results,
        status: "OK",
        request_id,
        count: results.len(),
        next_url,
    })
    .unwrap_or_default()
}

#[derive(Serialize)]
struct Envelope<'a, T> {
    status: &'a str,
    request_id: &'a str,
    results: &'a T,
}

/// `/v2/last/trade/{T}`: `{"status":"OK","request_id":…,"results":{…}}`.
pub fn last_trade_json(trade: &LastTrade, request_id: &str) -> String {
    serde_json::to_string(&Envelope {
        status: "OK",
        request_id,
        results: trade,
    })
    .unwrap_or_default()
}

/// `/v2/last/nbbo/{T}`: `{"status":"OK","request_id":…,"results":{…}}`.
pub fn last_quote_json(quote: &LastQuote, request_id: &str) -> String {
    serde_json::to_string(&Envelope {
        status: "OK",
        request_id,
        results: quote,
    })
    .unwrap_or_default()
}

/// One ticker's snapshot: `{"status":"OK","request_id":…,"ticker":{…}}`.
pub fn snapshot_json(snapshot: &TickerSnapshot, request_id: &str) -> String {
    serde_json::json!({ "status": "OK", "request_id": request_id, "ticker": snapshot }).to_string()
}

/// Several tickers: `{"status":"OK","request_id":…,"count":N,"tickers":[…]}`.
pub fn snapshots_json(snapshots: &[TickerSnapshot], request_id: &str) -> String {
    serde_json::json!({
        "status": "OK",
        "request_id": request_id,
        "count": snapshots.len(),
        "tickers": snapshots,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use ticker_core::Decimal;

    use super::*;

    #[test]
    fn aggs_envelope_always_has_results_and_next_url_only_when_more() {
        let empty = aggs_json("AAPL", true, &[], "r1", None);
        assert_eq!(
            empty,
            r#"{"ticker":"AAPL","queryCount":0,"resultsCount":0,"adjusted":true,"results":[],"status":"OK","request_id":"r1","count":0}"#
        );
        let d = |u| Decimal::new(u, 2);
        let bar = Agg {
            ticker: None,
            v: 10,
            vw: 1.5,
            o: d(150),
            c: d(151),
            h: d(152),
            l: d(149),
            t: 60_000,
            n: 3,
        };
        let v: Value = serde_json::from_str(&aggs_json(
            "AAPL",
            true,
            &[bar],
            "r2",
            Some("http://h/x?cursor=1"),
        ))
        .unwrap();
        assert_eq!(v["resultsCount"], 1);
        assert_eq!(v["results"][0]["t"], 60_000);
        assert_eq!(v["next_url"], "http://h/x?cursor=1");
    }

    #[test]
    fn last_trade_envelope() {
        let t = LastTrade {
            ticker: "AAPL".into(),
            i: "1".into(),
            p: Decimal::new(15_000, 2),
            s: 100,
            x: 10,
            c: vec![],
            z: 3,
            t: 5,
            y: 5,
            q: 1,
        };
        let v: Value = serde_json::from_str(&last_trade_json(&t, "r")).unwrap();
        assert_eq!(v["status"], "OK");
        assert_eq!(v["results"]["T"], "AAPL");
        assert!(v["results"].get("c").is_none());
    }
}
