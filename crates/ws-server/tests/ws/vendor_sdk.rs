//! The vendor streams with the vendors' own clients: a Finnhub client written the way the
//! Finnhub docs show (websocket-client) and binance-sdk-spot's streams (live SUBSCRIBE over
//! a combined connection), run against the real server while the test steps its clock, every
//! value checked against `ticker_core` for the same tick.
//!
//! The pinned clients come from `scripts/sdk-env.sh finnhub-binance`; without them the tests
//! fail unless `ALLOW_SKIP` names `sdks` (never under `CI=true`).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use ticker_core::{Decimal, Market, MarketConfig, Seq, SymbolConfig};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::{config, TestServer, INTERVAL_MS};

/// The Python of the `finnhub-binance` SDK group, or `None` when it cannot be had and the
/// skip is allowed.
pub fn python() -> Option<PathBuf> {
    test_support::sdk_env("finnhub-binance", "python")
}

/// A market of two busy 24/7 pairs (about one trade every 10 ms tick).
pub fn vendor_market() -> MarketConfig {
    let pair = |s: &str, p: f64| SymbolConfig {
        avg_volume: 400_000_000,
        avg_trade_size: 50,
        ..SymbolConfig::new(s, p)
    };
    MarketConfig {
        interval_ms: INTERVAL_MS,
        symbols: vec![pair("BTCUSDT", 42_000.0), pair("ETHUSDT", 2_300.0)],
        ..MarketConfig::default()
    }
}

/// Runs `sdk/<script> url want`, waits for its "ready", then steps the clock one tick at a
/// time until the script prints its result; returns that.
async fn drive(
    server: &TestServer,
    python: PathBuf,
    script: &str,
    url: String,
    want: u32,
) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/ws/sdk")
        .join(script);
    let mut child = tokio::process::Command::new(python)
        .arg(path)
        .arg(url)
        .arg(want.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the client subscribed within a minute")
        .unwrap();
    assert_eq!(ready.as_deref(), Some("ready"), "{script}");
    let result = async {
        let mut next = Box::pin(lines.next_line());
        loop {
            tokio::select! {
                line = &mut next => return line.unwrap().expect("a result line"),
                () = tokio::time::sleep(Duration::from_millis(10)) => {
                    server.advance(1);
                }
            }
        }
    };
    let line = tokio::time::timeout(Duration::from_secs(60), result)
        .await
        .expect("the client got what it waited for within a minute");
    serde_json::from_str(&line).unwrap()
}

fn dec(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        v => v.as_f64().unwrap(),
    }
}

fn price(d: Decimal) -> f64 {
    d.to_f64()
}

/// The market's trade of `symbol` with this timestamp, price and size, if there is one.
fn has_trade(m: &Market, symbol: &str, t_ms: i64, p: f64, v: u64) -> bool {
    let id = m.lookup(symbol).unwrap();
    let seq = Seq(m.schedule().tick_at(t_ms).0 + 1);
    m.trades(id, seq)
        .iter()
        .any(|t| t.timestamp == t_ms && price(t.price) == p && t.size == v)
}

#[tokio::test]
async fn a_finnhub_docs_client_gets_the_models_trades() {
    let Some(python) = python() else { return };
    let server = TestServer::spawn_market(config(), vendor_market()).await;
    let url = server.url("/finnhub?token=sandbox");
    let got = drive(&server, python, "finnhub_stream.py", url, 40).await;
    let messages = got.as_array().unwrap();
    let error = messages.iter().find(|m| m["type"] == "error").unwrap();
    assert_eq!(error["msg"], "Invalid symbol NOPE");
    let mut seen = std::collections::HashMap::<&str, usize>::new();
    for m in messages.iter().filter(|m| m["type"] == "trade") {
        for t in m["data"].as_array().unwrap() {
            let s = t["s"].as_str().unwrap();
            let canonical = s.rsplit(':').next().unwrap();
            let (ms, p, v) = (
                t["t"].as_i64().unwrap(),
                dec(&t["p"]),
                t["v"].as_u64().unwrap(),
            );
            assert!(
                has_trade(&server.market, canonical, ms, p, v),
                "{t} is not a model trade"
            );
            *seen.entry(s).or_default() += 1;
        }
    }
    assert!(seen.values().sum::<usize>() >= 40);
    assert!(
        seen.contains_key("BTCUSDT") && seen.contains_key("BINANCE:ETHUSDT"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn binance_sdk_streams_klines_trades_and_books_of_the_model() {
    let Some(python) = python() else { return };
    let server = TestServer::spawn_market(config(), vendor_market()).await;
    let url = server.url("/binance");
    let got = drive(&server, python, "binance_stream.py", url, 30).await;
    let m = &server.market;
    let id = m.lookup("BTCUSDT").unwrap();
    let subs: Vec<&str> = got["subscriptions"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        subs,
        ["btcusdt@kline_1s", "btcusdt@trade", "btcusdt@bookTicker"]
    );
    assert_eq!(
        got["after_unsubscribe"]["result"],
        serde_json::json!(["btcusdt@kline_1s", "btcusdt@bookTicker"])
    );

    let klines = got["kline"].as_array().unwrap();
    assert!(klines.len() >= 30);
    for k in klines {
        let (event, k) = (k["E"].as_i64().unwrap(), &k["k"]);
        let seq = m.schedule().tick_at(event);
        let start = k["t"].as_i64().unwrap();
        let interval = "1s".parse().unwrap();
        let candle = m.candles(id, interval, start, start + 1000, seq);
        let c = candle.last().unwrap();
        assert_eq!(c.timestamp, start);
        assert_eq!(
            (dec(&k["o"]), dec(&k["c"])),
            (price(c.open), price(c.close)),
            "{k}"
        );
        assert_eq!(
            (dec(&k["h"]), dec(&k["l"])),
            (price(c.high), price(c.low)),
            "{k}"
        );
        assert_eq!(
            (dec(&k["v"]) as u64, k["n"].as_u64().unwrap()),
            (c.volume, c.trades),
            "{k}"
        );
        assert_eq!(k["T"].as_i64().unwrap(), start + 999);
    }
    let trades = got["trade"].as_array().unwrap();
    assert!(!trades.is_empty());
    for t in trades {
        let trade_id = t["t"].as_u64().unwrap();
        let tick = m.tick_of_trade(id, trade_id).unwrap();
        let want = m
            .trades(id, tick)
            .iter()
            .find(|x| x.id == trade_id)
            .unwrap();
        assert_eq!(dec(&t["p"]), price(want.price));
        assert_eq!(dec(&t["q"]) as u64, want.size);
        assert_eq!(t["T"].as_i64().unwrap(), want.timestamp);
    }
    let books = got["book"].as_array().unwrap();
    assert!(books.len() >= 30);
    for b in books {
        let n = m.nbbo(id, Seq(b["u"].as_u64().unwrap()));
        assert_eq!((dec(&b["b"]), dec(&b["a"])), (price(n.bid), price(n.ask)));
        assert_eq!(
            (dec(&b["B"]) as u64, dec(&b["A"]) as u64),
            (n.bid_size, n.ask_size)
        );
    }
}
