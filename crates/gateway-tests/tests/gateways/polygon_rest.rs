//! Polygon's SDKs against `/polygon`: polygon-api-client (Python) and @polygon.io/client-js
//! page a day of minute aggregates through `next_url` (the Python SDK reuses its path under
//! its own base, the JS SDK fetches it verbatim), and read the last trade, NBBO, previous
//! close and snapshot; every value equals the native API's for the same ticks.

use serde_json::Value;

use crate::harness::{self, Sdk};
use crate::stack::{Stack, DAY_MS, NOW_MS};

const TICKER: &str = "MSFT";
/// Aggregates per page: a day of minutes takes several.
const PAGE: usize = 400;

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// An SDK aggregate `[t_ms, o, h, l, c, v, n, vw]` against a native candle.
fn assert_agg(sdk: &Value, native: &Value, what: &str) {
    assert_eq!(sdk[0], native["timestamp"], "{what}: time");
    let fields = ["open", "high", "low", "close", "volume"];
    for (i, name) in fields.iter().enumerate() {
        assert_eq!(f(&sdk[i + 1]), f(&native[*name]), "{what}: {name}");
    }
    if !sdk[6].is_null() {
        assert_eq!(f(&sdk[6]), f(&native["trades"]), "{what}: trades");
    }
    assert_eq!(f(&sdk[7]), f(&native["vwap"]), "{what}: vwap");
}

/// Runs `script` with `sdk` over a day of minutes and checks what it read.
async fn check(sdk: &Sdk, script: &str) -> Value {
    let stack = Stack::spawn().await;
    let to = NOW_MS - NOW_MS % 60_000;
    let from = to - DAY_MS;
    let out = sdk
        .run(
            script,
            &serde_json::json!({
                "base": format!("{}/polygon", stack.rest_url()),
                "ticker": TICKER,
                "from_ms": from,
                "to_ms": to - 1,
                "page": PAGE,
            }),
        )
        .await;
    let native = stack
        .native(&format!(
            "/api/v1/bars/{TICKER}?interval=1m&from={from}&to={to}&limit=20000"
        ))
        .await;
    let native = native["bars"].as_array().unwrap();
    let aggs = out["aggs"].as_array().unwrap();
    assert!(
        native.len() > 2 * PAGE,
        "{} bars: the test no longer covers pagination",
        native.len()
    );
    assert_eq!(aggs.len(), native.len(), "{script}: every minute, once");
    for (s, n) in aggs.iter().zip(native) {
        assert_agg(s, n, script);
    }

    let trade = stack
        .native(&format!("/api/v1/trades/{TICKER}/latest"))
        .await;
    let t = &out["last_trade"];
    assert_eq!(t["id"].as_str().unwrap(), trade["id"].to_string());
    assert_eq!(f(&t["price"]), f(&trade["price"]));
    assert_eq!(f(&t["size"]), f(&trade["size"]));
    // Nanoseconds: exact in Python; a JavaScript Number holds them to 2^-53 (as it does the
    // real Polygon's), so there they agree as doubles.
    if script.ends_with(".py") {
        assert_eq!(t["t_ns"], trade["timestamp_ns"], "last trade time (ns)");
    } else {
        assert_eq!(
            f(&t["t_ns"]),
            f(&trade["timestamp_ns"]),
            "last trade time (ns)"
        );
    }
    let nbbo = stack.native(&format!("/api/v1/nbbo/{TICKER}")).await;
    let q = &out["last_quote"];
    assert_eq!(f(&q["bid"]), f(&nbbo["bid"]));
    assert_eq!(f(&q["ask"]), f(&nbbo["ask"]));
    assert_eq!(f(&q["bid_size"]), f(&nbbo["bid_size"]));
    assert_eq!(f(&q["ask_size"]), f(&nbbo["ask_size"]));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polygon_api_client_pages_aggregates_and_reads_the_last_trade_like_the_native_api() {
    let Some(python) = harness::python() else {
        return;
    };
    let out = check(&python, "polygon_rest.py").await;
    // Previous close and snapshot.
    let stack = Stack::spawn().await;
    let days = stack
        .native(&format!("/api/v1/bars/{TICKER}?interval=1d&limit=2"))
        .await;
    let days = days["bars"].as_array().unwrap();
    assert_agg(&out["prev"][0], &days[0], "previous close");
    let snap = &out["snapshot"];
    assert_eq!(f(&snap["prev_close"]), f(&days[0]["close"]));
    assert_eq!(f(&snap["day_close"]), f(&days[1]["close"]));
    let trade = stack
        .native(&format!("/api/v1/trades/{TICKER}/latest"))
        .await;
    assert_eq!(f(&snap["last_trade_price"]), f(&trade["price"]));
    assert_eq!(snap["last_trade_ns"], trade["timestamp_ns"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polygon_client_js_follows_absolute_next_urls_to_the_native_bars() {
    let Some(node) = harness::node() else {
        return;
    };
    check(&node, "polygon_rest.mjs").await;
}
