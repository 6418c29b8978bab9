//! The Binance gateway (`/binance/api/v3`): binance-sdk-spot and ccxt against the real server,
//! and Binance's error codes, every value checked against the native API at the same tick.

use serde_json::Value;
use ticker_core::config::DEFAULT_EPOCH_MS;

use crate::helpers::{rest_config, spawn_app_at, TestApp, DAY_MS};
use crate::sdk::{self, vendor_market};

/// 16:00:12.345 UTC on 2024-01-11: more than a day of 24/7 trading behind.
const NOW_MS: i64 = DEFAULT_EPOCH_MS + 10 * DAY_MS + 16 * 3_600_000 + 12_345;

async fn app() -> TestApp {
    spawn_app_at(rest_config(), vendor_market(), NOW_MS).await
}

/// A Binance decimal string, or a number, as f64.
fn f(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        v => v.as_f64().unwrap(),
    }
}

/// A 200 answer of the gateway, parsed (Binance's content type is its own).
fn gateway(r: &crate::helpers::Response) -> Value {
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    r.json()
}

/// The native 1m candles of BTCUSDT, the last `n`.
async fn native_minutes(app: &TestApp, n: usize) -> Vec<Value> {
    let h = app
        .get(&format!("/api/v1/history/BTCUSDT?interval=1m&limit={n}"))
        .await
        .ok_json();
    h["candles"].as_array().unwrap().clone()
}

fn assert_kline_is_candle(k: &Value, c: &Value) {
    assert_eq!(k[0].as_i64(), c["timestamp"].as_i64());
    for (i, name) in [
        (1, "open"),
        (2, "high"),
        (3, "low"),
        (4, "close"),
        (5, "volume"),
    ] {
        assert_eq!(f(&k[i]), f(&c[name]), "{name} of {k}");
    }
    assert_eq!(
        k[6].as_i64().unwrap(),
        c["timestamp"].as_i64().unwrap() + 59_999
    );
    assert_eq!(k[8], c["trades"]);
}

#[tokio::test]
async fn binance_sdk_and_ccxt_read_klines_and_tickers_equal_to_the_native_api() {
    let Some(python) = sdk::python() else { return };
    let app = app().await;
    let got = sdk::run(
        python,
        "binance_rest.py",
        vec![format!("http://{}", app.addr)],
    )
    .await;
    let (s, c) = (&got["sdk"], &got["ccxt"]);

    let minutes = native_minutes(&app, 5).await;
    let klines = s["klines"].as_array().unwrap();
    assert_eq!(klines.len(), 5);
    for (k, m) in klines.iter().zip(&minutes) {
        assert_kline_is_candle(k, m);
    }
    let ohlcv = c["ohlcv"].as_array().unwrap();
    assert_eq!(ohlcv.len(), 5);
    for (o, m) in ohlcv.iter().zip(&minutes) {
        assert_eq!(o[0].as_i64(), m["timestamp"].as_i64());
        assert_eq!(
            (f(&o[1]), f(&o[4]), f(&o[5])),
            (f(&m["open"]), f(&m["close"]), f(&m["volume"]))
        );
    }
    // 5m klines are the native 5m candles.
    let h = app
        .get("/api/v1/history/BTCUSDT?interval=5m&limit=3")
        .await
        .ok_json();
    for (k, c5) in s["klines_5m"]
        .as_array()
        .unwrap()
        .iter()
        .zip(h["candles"].as_array().unwrap())
    {
        assert_eq!(k[0].as_i64(), c5["timestamp"].as_i64());
        assert_eq!((f(&k[4]), f(&k[5])), (f(&c5["close"]), f(&c5["volume"])));
    }

    let native = app.get("/api/v1/latest/BTCUSDT").await.ok_json();
    let nbbo = app.get("/api/v1/nbbo/BTCUSDT").await.ok_json();
    let t = &s["ticker"];
    assert_eq!(f(&t["lastPrice"]), f(&native["price"]));
    assert_eq!(f(&t["bidPrice"]), f(&nbbo["bid"]));
    assert_eq!(f(&t["askQty"]), f(&nbbo["ask_size"]));
    assert_eq!(t["closeTime"].as_i64(), native["timestamp"].as_i64());
    let ct = &c["ticker"];
    assert_eq!(ct["symbol"], "BTC/USDT");
    assert_eq!(
        (f(&ct["last"]), f(&ct["bid"]), f(&ct["ask"])),
        (f(&native["price"]), f(&nbbo["bid"]), f(&nbbo["ask"]))
    );
    assert_eq!(f(&ct["open"]), f(&t["openPrice"]));
    assert_eq!(f(&ct["baseVolume"]), f(&t["volume"]));
    let eth = app.get("/api/v1/latest/ETHUSDT").await.ok_json();
    assert_eq!(f(&s["price"]["price"]), f(&eth["price"]));
    assert_eq!(f(&s["book"]["bidPrice"]), f(&nbbo["bid"]));
    assert_eq!(f(&s["depth"]["bids"][0][0]), f(&nbbo["bid"]));
    assert_eq!(f(&s["depth"]["asks"][0][0]), f(&nbbo["ask"]));

    let trades = app.get("/api/v1/trades/BTCUSDT?limit=3").await.ok_json();
    for (b, n) in s["trades"]
        .as_array()
        .unwrap()
        .iter()
        .zip(trades["trades"].as_array().unwrap())
    {
        assert_eq!(b["id"], n["id"]);
        assert_eq!(b["time"], n["timestamp"]);
        assert_eq!(
            (f(&b["price"]), f(&b["qty"])),
            (f(&n["price"]), f(&n["size"]))
        );
    }
    assert_eq!(s["symbols"], serde_json::json!(["BTCUSDT", "ETHUSDT"]));
    assert_eq!(c["markets"], serde_json::json!(["BTC/USDT", "ETH/USDT"]));
    assert!(
        s["bad_symbol"].as_str().unwrap().contains("-1121"),
        "{}",
        s["bad_symbol"]
    );
    assert_eq!(c["bad_symbol"], "BadSymbol");
}

#[tokio::test]
async fn the_24h_ticker_sums_the_native_minutes_of_its_window() {
    let app = app().await;
    let t = gateway(&app.get("/binance/api/v3/ticker/24hr?symbol=BTCUSDT").await);
    let open = t["openTime"].as_i64().unwrap();
    let close = t["closeTime"].as_i64().unwrap();
    assert_eq!(open % 60_000, 0);
    assert_eq!(close - open, DAY_MS + close % 60_000);
    let h = app
        .get(&format!(
            "/api/v1/history/BTCUSDT?interval=1m&from={}&limit=1000",
            open - 60_000
        ))
        .await
        .ok_json();
    let mut candles = h["candles"].as_array().unwrap().clone();
    let h2 = app
        .get(&format!(
            "/api/v1/history/BTCUSDT?interval=1m&from={}&limit=1000",
            candles.last().unwrap()["timestamp"].as_i64().unwrap() + 60_000
        ))
        .await
        .ok_json();
    candles.extend(h2["candles"].as_array().unwrap().iter().cloned());
    let before = &candles[0];
    let window = &candles[1..];
    assert_eq!(
        window.len(),
        1441,
        "1 440 whole minutes and the current one"
    );
    let volume: u64 = window.iter().map(|c| c["volume"].as_u64().unwrap()).sum();
    let count: u64 = window.iter().map(|c| c["trades"].as_u64().unwrap()).sum();
    assert_eq!(f(&t["volume"]) as u64, volume);
    assert_eq!(t["count"].as_u64().unwrap(), count);
    assert_eq!(
        t["lastId"].as_u64().unwrap() - t["firstId"].as_u64().unwrap() + 1,
        count
    );
    assert_eq!(f(&t["prevClosePrice"]), f(&before["close"]));
    assert_eq!(f(&t["openPrice"]), f(&window[0]["open"]));
    assert_eq!(f(&t["lastPrice"]), f(&window[1440]["close"]));
    let high = window
        .iter()
        .map(|c| f(&c["high"]))
        .fold(f64::MIN, f64::max);
    assert_eq!(f(&t["highPrice"]), high);
    // Asked again a minute later (through the cache), it is what a fresh server says.
    app.clock.set(NOW_MS + 61_000);
    let later = gateway(&app.get("/binance/api/v3/ticker/24hr?symbol=BTCUSDT").await);
    let fresh = spawn_app_at(rest_config(), vendor_market(), NOW_MS + 61_000).await;
    assert_eq!(
        later,
        gateway(
            &fresh
                .get("/binance/api/v3/ticker/24hr?symbol=BTCUSDT")
                .await
        )
    );
}

#[tokio::test]
async fn errors_have_binances_codes() {
    let app = app().await;
    for (target, status, code) in [
        ("/binance/api/v3/klines?symbol=AAPL&interval=1m", 400, -1121),
        (
            "/binance/api/v3/klines?symbol=btcusdt&interval=1m",
            400,
            -1100,
        ),
        ("/binance/api/v3/klines?symbol=BTCUSDT", 400, -1102),
        (
            "/binance/api/v3/klines?symbol=BTCUSDT&interval=7m",
            400,
            -1120,
        ),
        (
            "/binance/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=5000",
            400,
            -1130,
        ),
        (
            "/binance/api/v3/klines?symbol=BTCUSDT&interval=1M&limit=1000",
            400,
            -1130,
        ),
        (
            "/binance/api/v3/klines?symbol=BTCUSDT&symbol=ETHUSDT&interval=1m",
            400,
            -1101,
        ),
        (
            "/binance/api/v3/ticker/price?symbol=BTCUSDT&symbols=%5B%22BTCUSDT%22%5D",
            400,
            -1128,
        ),
        ("/binance/api/v3/order", 404, -1000),
        ("/binance/api/v3/klines?symbol=%zz", 400, -1130),
    ] {
        let r = app.get(target).await;
        assert_eq!(r.status, status, "{target}: {}", r.text());
        assert_eq!(r.json()["code"], code, "{target}");
        assert!(r
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
    }
    let r = gateway(
        &app.get("/binance/api/v3/ticker/price?symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22%5D")
            .await,
    );
    assert_eq!(r.as_array().unwrap().len(), 2);
    assert_eq!(
        gateway(&app.get("/binance/api/v3/ping").await),
        serde_json::json!({})
    );
    let time = gateway(&app.get("/binance/api/v3/time").await);
    assert_eq!(time["serverTime"], NOW_MS);
    let mut c = app.connect().await;
    let r = c
        .request(
            "GET",
            "/binance/api/v3/trades?symbol=BTCUSDT&limit=1",
            &[("X-MBX-TIME-UNIT", "MICROSECOND")],
        )
        .await;
    let micros = r.json()[0]["time"].as_i64().unwrap();
    let native = app.get("/api/v1/trades/BTCUSDT?limit=1").await.ok_json();
    assert_eq!(
        micros,
        native["trades"][0]["timestamp"].as_i64().unwrap() * 1000
    );
}
