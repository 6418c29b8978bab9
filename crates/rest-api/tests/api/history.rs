//! `/api/v1/history/{symbol}`: the range a request selects (defaults, `from`/`to`, `limit`
//! and truncation, `to` clamped to now), and candles equal to `Market::candles` for it.

use ticker_core::CandleInterval;

use crate::helpers::{spawn_app, TestApp, NOW_MS};

/// The candles of a history answer, encoded as the server must send them.
fn candles_json(app: &TestApp, symbol: &str, interval: &str, from: i64, to: i64) -> String {
    let interval: CandleInterval = interval.parse().unwrap();
    let candles = app
        .market
        .candles(app.id(symbol), interval, from, to, app.tick());
    let mut out = Vec::new();
    for (i, c) in candles.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        c.write_json(&mut out);
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn history_defaults_to_the_last_100_one_minute_candles_up_to_now() {
    let app = spawn_app().await;
    let resp = app.get("/api/v1/history/aapl").await;
    assert_eq!(resp.status, 200);
    let to = NOW_MS + 1;
    let minute_start = NOW_MS - NOW_MS.rem_euclid(60_000);
    let from = minute_start - 99 * 60_000;
    let candles = candles_json(&app, "AAPL", "1m", from, to);
    assert_eq!(
        resp.text(),
        format!(
            r#"{{"symbol":"AAPL","interval":"1m","from":{from},"to":{to},"truncated":false,"candles":[{candles}]}}"#
        )
    );

    let v = resp.json();
    let candles = v["candles"].as_array().unwrap();
    assert_eq!(candles.len(), 100);
    for (i, c) in candles.iter().enumerate() {
        assert_eq!(c["timestamp"], from + i as i64 * 60_000);
    }
    let last = &candles[99];
    assert_eq!(last["timestamp"], minute_start);
    assert_eq!(
        last["ticks"], 56,
        "the ticks whose interval starts at 12:34:00 … 12:34:55: 12:34:01 to 12:34:56, the \
         current tick included"
    );
    let price = app.market.last_price(app.id("AAPL"), app.tick());
    assert_eq!(last["close"].as_f64().unwrap(), price.to_f64());
}

#[tokio::test]
async fn history_with_from_and_to_returns_the_candles_overlapping_that_range() {
    let app = spawn_app().await;
    let (from, to) = (NOW_MS - 3 * 3_600_000, NOW_MS - 3_600_000);
    let resp = app
        .get(&format!(
            "/api/v1/history/MSFT?interval=5m&from={from}&to={to}"
        ))
        .await;
    assert_eq!(resp.status, 200);
    let candles = candles_json(&app, "MSFT", "5m", from, to);
    assert_eq!(
        resp.text(),
        format!(
            r#"{{"symbol":"MSFT","interval":"5m","from":{from},"to":{to},"truncated":false,"candles":[{candles}]}}"#
        )
    );
    // 09:34:56.789 to 11:34:56.789: the 5-minute candles from 09:30 to 11:30.
    let v = resp.json();
    let got = v["candles"].as_array().unwrap();
    assert_eq!(got.len(), 25);
    assert_eq!(got[0]["timestamp"], from - from.rem_euclid(300_000));
    assert!(got.iter().all(|c| c["ticks"] == 300));
}

#[tokio::test]
async fn history_with_more_candles_than_the_limit_is_truncated_after_limit_candles() {
    let app = spawn_app().await;
    let (from, to) = (NOW_MS - 3 * 3_600_000, NOW_MS - 3_600_000);
    let resp = app
        .get(&format!(
            "/api/v1/history/MSFT?interval=5m&from={from}&to={to}&limit=10"
        ))
        .await;
    assert_eq!(resp.status, 200);
    let first_bucket = from - from.rem_euclid(300_000);
    let cut = first_bucket + 10 * 300_000;
    let candles = candles_json(&app, "MSFT", "5m", from, cut);
    assert_eq!(
        resp.text(),
        format!(
            r#"{{"symbol":"MSFT","interval":"5m","from":{from},"to":{cut},"truncated":true,"candles":[{candles}]}}"#
        )
    );
    assert_eq!(resp.json()["candles"].as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn history_to_in_the_future_is_clamped_to_now() {
    let app = spawn_app().await;
    let from = NOW_MS - 10 * 60_000;
    let resp = app
        .get(&format!(
            "/api/v1/history/TSLA?from={from}&to={}",
            NOW_MS + 86_400_000
        ))
        .await;
    let to = NOW_MS + 1;
    let candles = candles_json(&app, "TSLA", "1m", from, to);
    assert_eq!(
        resp.text(),
        format!(
            r#"{{"symbol":"TSLA","interval":"1m","from":{from},"to":{to},"truncated":false,"candles":[{candles}]}}"#
        ),
        "`to` is clamped to just after now: no peeking past the current tick"
    );
    let v = resp.json();
    let got = v["candles"].as_array().unwrap();
    assert_eq!(got.len(), 11);
    let price = app.market.last_price(app.id("TSLA"), app.tick());
    assert_eq!(got[10]["close"].as_f64().unwrap(), price.to_f64());
}

#[tokio::test]
async fn history_accepts_rfc3339_times_and_every_candle_equals_the_core_aggregation() {
    let app = spawn_app().await;
    // The 11th day after the epoch is 2024-01-11.
    let from = NOW_MS - 45_296_789 + 12 * 3_600_000;
    let to = from + 30 * 60_000;
    let resp = app
        .get("/api/v1/history/AMZN?interval=15m&from=2024-01-11T12:00:00Z&to=2024-01-11T12:30:00Z")
        .await;
    let v = resp.ok_json();
    assert_eq!(
        (v["from"].as_i64(), v["to"].as_i64()),
        (Some(from), Some(to))
    );
    let interval: CandleInterval = "15m".parse().unwrap();
    let core = app
        .market
        .candles(app.id("AMZN"), interval, from, to, app.tick());
    assert_eq!(core.len(), 2);
    let got = v["candles"].as_array().unwrap();
    assert_eq!(got.len(), core.len());
    for (g, c) in got.iter().zip(&core) {
        assert_eq!(g, &serde_json::to_value(c).unwrap());
    }
}

#[tokio::test]
async fn history_from_before_the_epoch_starts_at_the_epoch() {
    let app = spawn_app().await;
    let resp = app
        .get("/api/v1/history/AAPL?interval=1d&from=0&limit=3")
        .await;
    let body = resp.ok_json();
    let candles = body["candles"].as_array().unwrap();
    assert_eq!(
        candles.len(),
        3,
        "three real days, not three empty slots before 2024"
    );
    let epoch = ticker_core::config::DEFAULT_EPOCH_MS;
    assert_eq!(candles[0]["timestamp"], epoch);
    assert_eq!(body["from"], epoch);
    assert_eq!(body["truncated"], true);
}
