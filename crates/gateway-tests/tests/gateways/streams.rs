//! The official SDKs on the gateway streams, unmodified: alpaca-py's `StockDataStream`
//! (MessagePack, `raw_data=False`), `@alpacahq/alpaca-trade-api` 4.x's `stockStream` and
//! polygon-api-client's `WebSocketClient`, while the test moves the shared manual clock a tick
//! at a time. Every trade, quote and bar they report equals the native API's for its tick,
//! and the trades come without a gap.

use std::time::Duration;

use serde_json::Value;
use ticker_vendors::nanos::{parse_instant, DayEdge};

use crate::harness::{self, Sdk};
use crate::stack::Stack;

const SYMBOL: &str = "MSFT";

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Moves the clock one tick every few milliseconds while alive.
pub struct Ticking(tokio::task::JoinHandle<()>);

impl Ticking {
    /// Starts moving the clock.
    pub fn start(stack: &Stack) -> Self {
        let clock = stack.clock.clone();
        let interval = stack.market.schedule().interval_ms() as i64;
        Self(tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(15)).await;
                clock.advance(interval);
            }
        }))
    }
}

impl Drop for Ticking {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs an SDK stream script while the market moves.
async fn stream(stack: &Stack, sdk: &Sdk, script: &str, input: Value) -> Value {
    let _ticking = Ticking::start(stack);
    sdk.run(script, &input).await
}

/// Trades `(id, price, size, time in ns)` reported by an SDK equal the native trades with the
/// same ids, which must be consecutive (nothing lost between the first and the last).
async fn assert_trades(stack: &Stack, sdk: &[(u64, f64, f64, i64)], time_unit_ns: i64) {
    assert!(sdk.len() >= 10, "only {} trades", sdk.len());
    for w in sdk.windows(2) {
        assert_eq!(
            w[1].0,
            w[0].0 + 1,
            "a gap between trades {} and {}",
            w[0].0,
            w[1].0
        );
    }
    let from = sdk[0].3 / 1_000_000;
    let to = sdk[sdk.len() - 1].3 / 1_000_000 + 1;
    let native = stack
        .native_trades(SYMBOL, (from, to), sdk[0].0..=sdk[sdk.len() - 1].0)
        .await;
    assert_eq!(
        native.len(),
        sdk.len(),
        "the SDK's trades are the native ones"
    );
    for (s, n) in sdk.iter().zip(&native) {
        assert_eq!(s.0, n["id"].as_u64().unwrap());
        assert_eq!(s.1, f(&n["price"]), "trade {} price", s.0);
        assert_eq!(s.2, f(&n["size"]), "trade {} size", s.0);
        let ns = n["timestamp_ns"].as_i64().unwrap();
        assert_eq!(s.3, ns - ns.rem_euclid(time_unit_ns), "trade {} time", s.0);
    }
}

/// Quotes `(time in ms, bid, ask, bid size, ask size)` equal the native quote at that moment.
async fn assert_quotes(stack: &Stack, sdk: &[(i64, f64, f64, f64, f64)]) {
    assert!(!sdk.is_empty());
    for q in sdk {
        let native = stack
            .native(&format!("/api/v1/latest/{SYMBOL}?at={}", q.0))
            .await;
        assert_eq!(native["timestamp"].as_i64().unwrap(), q.0, "quote time");
        assert_eq!(q.1, f(&native["bid"]), "bid at {}", q.0);
        assert_eq!(q.2, f(&native["ask"]), "ask at {}", q.0);
        assert_eq!(q.3, f(&native["bid_size"]), "bid size at {}", q.0);
        assert_eq!(q.4, f(&native["ask_size"]), "ask size at {}", q.0);
    }
}

/// A minute bar `[t_ms, o, h, l, c, v, n?, vw]` equals the native one.
async fn assert_minute(stack: &Stack, bar: &[f64; 8], with_trades: bool) {
    let t = bar[0] as i64;
    let native = stack
        .native(&format!(
            "/api/v1/bars/{SYMBOL}?interval=1m&from={t}&to={}",
            t + 60_000
        ))
        .await;
    let n = &native["bars"][0];
    assert_eq!(n["timestamp"].as_i64().unwrap(), t, "{native}");
    for (i, name) in ["open", "high", "low", "close", "volume"]
        .iter()
        .enumerate()
    {
        assert_eq!(bar[i + 1], f(&n[*name]), "minute bar {name}");
    }
    if with_trades {
        assert_eq!(bar[6], f(&n["trades"]));
    }
    assert_eq!(bar[7], f(&n["vwap"]), "minute bar vwap");
}

fn row(v: &Value) -> [f64; 8] {
    std::array::from_fn(|i| v[i].as_f64().unwrap_or(f64::NAN))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alpaca_py_streams_msgpack_trades_quotes_and_bars_equal_to_the_native_api() {
    let Some(python) = harness::python() else {
        return;
    };
    let stack = Stack::spawn().await;
    let out = stream(
        &stack,
        &python,
        "alpaca_stream.py",
        serde_json::json!({
            "url": format!("{}/alpaca/v2/iex", stack.ws_url()),
            "symbol": SYMBOL, "trades": 40, "quotes": 5,
        }),
    )
    .await;
    let trades: Vec<_> = out["trades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert_eq!(t["S"], SYMBOL);
            (
                t["i"].as_u64().unwrap(),
                f(&t["p"]),
                f(&t["s"]),
                t["t"].as_i64().unwrap() * 1000,
            )
        })
        .collect();
    assert_trades(&stack, &trades, 1000).await;
    let quotes: Vec<_> = out["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["t"].as_i64().unwrap() / 1000,
                f(&q["bp"]),
                f(&q["ap"]),
                f(&q["bs"]),
                f(&q["as"]),
            )
        })
        .collect();
    assert_quotes(&stack, &quotes).await;
    let bar = row(&out["bars"][0]);
    let bar = [
        bar[0] / 1000.0,
        bar[1],
        bar[2],
        bar[3],
        bar[4],
        bar[5],
        bar[6],
        bar[7],
    ];
    assert_minute(&stack, &bar, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alpaca_trade_api_js_streams_msgpack_trades_and_quotes_to_the_nanosecond() {
    let Some(node) = harness::node() else {
        return;
    };
    let stack = Stack::spawn().await;
    let out = stream(
        &stack,
        &node,
        "alpaca_stream.cjs",
        serde_json::json!({
            "url": format!("{}/alpaca/v2/sip", stack.ws_url()),
            "symbol": SYMBOL, "trades": 40, "quotes": 5,
        }),
    )
    .await;
    assert_eq!(out["errors"], serde_json::json!([]));
    let ns = |v: &Value| {
        parse_instant(v.as_str().unwrap(), DayEdge::Start)
            .unwrap()
            .0
    };
    let trades: Vec<_> = out["trades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["i"].as_u64().unwrap(),
                f(&t["p"]),
                f(&t["s"]),
                ns(&t["t"]),
            )
        })
        .collect();
    assert_trades(&stack, &trades, 1).await;
    let quotes: Vec<_> = out["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                ns(&q["t"]) / 1_000_000,
                f(&q["bp"]),
                f(&q["ap"]),
                f(&q["bs"]),
                f(&q["as"]),
            )
        })
        .collect();
    assert_quotes(&stack, &quotes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polygon_api_client_streams_trades_quotes_and_aggregates_equal_to_the_native_api() {
    let Some(python) = harness::python() else {
        return;
    };
    let stack = Stack::spawn().await;
    let out = stream(
        &stack,
        &python,
        "polygon_stream.py",
        serde_json::json!({
            "feed": format!("{}/polygon", stack.ws),
            "symbol": SYMBOL, "trades": 40, "quotes": 5,
        }),
    )
    .await;
    let trades: Vec<_> = out["trades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let id: u64 = t["i"].as_str().unwrap().parse().unwrap();
            assert_eq!(t["q"].as_u64(), Some(id), "sequence number");
            (
                id,
                f(&t["p"]),
                f(&t["s"]),
                t["t"].as_i64().unwrap() * 1_000_000,
            )
        })
        .collect();
    assert_trades(&stack, &trades, 1_000_000).await;
    let quotes: Vec<_> = out["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["t"].as_i64().unwrap(),
                f(&q["bp"]),
                f(&q["ap"]),
                f(&q["bs"]),
                f(&q["as"]),
            )
        })
        .collect();
    assert_quotes(&stack, &quotes).await;
    let minute = row(&out["minutes"][0]);
    assert_eq!(
        minute[6] - minute[0],
        60_000.0,
        "a minute aggregate spans a minute"
    );
    assert_minute(&stack, &minute, false).await;
    // Second aggregates: each the native one-second candle of its window.
    for a in out["seconds"].as_array().unwrap() {
        let a = row(a);
        let (s, e) = (a[0] as i64, a[6] as i64);
        assert_eq!(e - s, 1000);
        let native = stack
            .native(&format!(
                "/api/v1/history/{SYMBOL}?interval=1s&from={s}&to={e}"
            ))
            .await;
        let n = &native["candles"][0];
        assert_eq!(n["timestamp"].as_i64().unwrap(), s, "{native}");
        for (i, name) in ["open", "high", "low", "close", "volume"]
            .iter()
            .enumerate()
        {
            assert_eq!(a[i + 1], f(&n[*name]), "second aggregate {name} at {s}");
        }
    }
}
