//! The Finnhub gateway (`/finnhub/api/v1`): finnhub-python against the real server, and the
//! protocol details it relies on, every value checked against the native API at the same tick.

use serde_json::Value;

use crate::helpers::{rest_config, spawn_app_at, TestApp, DAY_MS};
use crate::sdk::{self, vendor_market};
use ticker_core::config::DEFAULT_EPOCH_MS;

/// 11:00:12 New York on Thursday 2024-01-11: AAPL's regular session is open.
const NOW_MS: i64 = DEFAULT_EPOCH_MS + 10 * DAY_MS + 16 * 3_600_000 + 12_345;

async fn app() -> TestApp {
    spawn_app_at(rest_config(), vendor_market(), NOW_MS).await
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[tokio::test]
async fn finnhub_python_reads_quotes_and_candles_equal_to_the_native_api() {
    let Some(python) = sdk::python() else { return };
    let app = app().await;
    let (from_s, to_s) = ((DEFAULT_EPOCH_MS + DAY_MS) / 1000, NOW_MS / 1000);
    let base = format!("http://{}", app.addr);
    let args = vec![base, from_s.to_string(), to_s.to_string()];
    let got = sdk::run(python, "finnhub_rest.py", args).await;

    let native = app.get("/api/v1/latest/AAPL").await.ok_json();
    let q = &got["quote"];
    assert_eq!(f(&q["c"]), f(&native["price"]));
    assert_eq!(f(&q["d"]), f(&native["change"]));
    assert_eq!(f(&q["dp"]), f(&native["change_percent"]));
    assert_eq!(f(&q["o"]), f(&native["open"]));
    assert_eq!(f(&q["h"]), f(&native["high"]));
    assert_eq!(f(&q["l"]), f(&native["low"]));
    assert_eq!(f(&q["pc"]), f(&native["prev_close"]));
    assert_eq!(
        q["t"].as_i64().unwrap(),
        native["timestamp"].as_i64().unwrap() / 1000
    );

    // Daily candles are the native daily bars, times in seconds.
    let bars = app
        .get("/api/v1/bars/AAPL?interval=1d&from=2024-01-02&to=2024-01-11&limit=100")
        .await
        .ok_json();
    let bars = bars["bars"].as_array().unwrap();
    let daily = &got["daily"];
    assert_eq!(daily["s"], "ok");
    assert_eq!(daily["t"].as_array().unwrap().len(), bars.len());
    assert!(
        bars.len() >= 7,
        "seven trading days at least: {}",
        bars.len()
    );
    for (i, b) in bars.iter().enumerate() {
        assert_eq!(
            daily["t"][i].as_i64().unwrap(),
            b["timestamp"].as_i64().unwrap() / 1000
        );
        for (k, n) in [("o", "open"), ("h", "high"), ("l", "low"), ("c", "close")] {
            assert_eq!(f(&daily[k][i]), f(&b[n]), "{k} of day {i}");
        }
        assert_eq!(daily["v"][i], b["volume"]);
    }
    // Weekly candles regroup them: the volumes add up, the last close is the last day's.
    let weekly = &got["weekly"];
    let week_volume: u64 = weekly["v"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .sum();
    let day_volume: u64 = bars.iter().map(|b| b["volume"].as_u64().unwrap()).sum();
    assert_eq!(week_volume, day_volume);
    assert_eq!(
        weekly["c"].as_array().unwrap().last(),
        daily["c"].as_array().unwrap().last()
    );

    // Five-minute candles regroup the native minute bars.
    let minutes = app
        .get(&format!(
            "/api/v1/bars/AAPL?interval=1m&from={}&limit=1000",
            (to_s - 6 * 3600) * 1000
        ))
        .await
        .ok_json();
    let minutes = minutes["bars"].as_array().unwrap();
    let five = &got["five"];
    let starts = five["t"].as_array().unwrap();
    assert!(starts.len() > 10, "{five}");
    for (i, t) in starts.iter().enumerate() {
        let start = t.as_i64().unwrap() * 1000;
        let inside: Vec<&Value> = minutes
            .iter()
            .filter(|m| (start..start + 300_000).contains(&m["timestamp"].as_i64().unwrap()))
            .collect();
        let volume: u64 = inside.iter().map(|m| m["volume"].as_u64().unwrap()).sum();
        assert_eq!(five["v"][i].as_u64().unwrap(), volume, "volume of {start}");
        assert_eq!(f(&five["c"][i]), f(&inside.last().unwrap()["close"]));
        assert_eq!(f(&five["o"][i]), f(&inside[0]["open"]));
    }

    let symbols: Vec<&str> = got["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["symbol"].as_str().unwrap())
        .collect();
    assert_eq!(
        symbols,
        ["AAPL", "MSFT"],
        "the us-equity symbols, not the pairs"
    );
    assert_eq!(got["profile"]["ticker"], "AAPL");
    assert_eq!(got["profile"]["name"], "AAPL Inc.");
    assert_eq!(got["unknown"]["c"], 0);
    assert_eq!(got["none"], serde_json::json!({"s": "no_data"}));
    assert_eq!(got["bad_resolution"]["status"], 422);
    assert_eq!(got["no_token"]["status"], 401);
    assert_eq!(got["no_token"]["message"], "Please use an API key.");
}

#[tokio::test]
async fn every_answer_is_json_and_the_double_slash_and_header_token_work() {
    let app = app().await;
    for target in [
        "/finnhub/api/v1//quote?symbol=AAPL&token=t",
        "/finnhub/api/v1/quote?symbol=AAPL&token=t",
        "/finnhub/api/v1//stock/profile2?symbol=NOPE&token=t",
        "/finnhub/api/v1/quote?symbol=AAPL",
        "/finnhub/api/v1/stock/metric?symbol=AAPL&token=t",
        "/finnhub/api/v1//stock/candle?symbol=AAPL&resolution=1&from=0&to=99999999&token=t",
    ] {
        let r = app.get(target).await;
        assert!(
            r.header("content-type")
                .unwrap()
                .starts_with("application/json"),
            "{target}"
        );
        assert!(r.json().is_object(), "{target}: {}", r.text());
    }
    let a = app.get("/finnhub/api/v1//quote?symbol=AAPL&token=t").await;
    let b = app.get("/finnhub/api/v1/quote?symbol=AAPL&token=t").await;
    assert_eq!((a.status, a.text()), (200, b.text()));
    let mut c = app.connect().await;
    let r = c
        .request(
            "GET",
            "/finnhub/api/v1/quote?symbol=AAPL",
            &[("X-Finnhub-Token", "t")],
        )
        .await;
    assert_eq!((r.status, r.text()), (200, b.text()));

    let r = app.get("/finnhub/api/v1/stock/metric?token=t").await;
    assert_eq!(r.status, 404);
    assert!(r.json()["error"].as_str().unwrap().contains("stock/metric"));
    let r = app
        .get("/finnhub/api/v1/stock/candle?symbol=AAPL&resolution=1&from=0&to=99999999&token=t")
        .await;
    assert_eq!(r.status, 422);
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .starts_with("Too many candles"));
    let r = app.get("/finnhub/api/v1/quote?token=t").await;
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (400, "Missing parameter: symbol".into())
    );
}

#[tokio::test]
async fn configured_tokens_turn_others_away() {
    let mut rest = rest_config();
    rest.finnhub_tokens = vec!["good".into()];
    let app = spawn_app_at(rest, vendor_market(), NOW_MS).await;
    let r = app.get("/finnhub/api/v1/quote?symbol=AAPL&token=bad").await;
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (401, "Invalid API key.".into())
    );
    let r = app
        .get("/finnhub/api/v1/quote?symbol=AAPL&token=good")
        .await;
    assert_eq!(r.status, 200);
}
