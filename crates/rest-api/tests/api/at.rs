//! `at=` on the "latest" endpoints: the answer they gave at another moment, byte for byte,
//! computed apart from the live trackers; future times and times before the epoch refused.

use ticker_core::config::DEFAULT_EPOCH_MS;
use ticker_core::time::format_rfc3339;
use ticker_core::{Clock, Seq};

use crate::helpers::{rest_config, spawn_app, spawn_app_with, SYMBOLS};

#[tokio::test]
async fn at_answers_what_latest_answered_then_byte_for_byte() {
    let app = spawn_app().await;
    let now = app.tick();
    let mut client = app.connect().await;
    // The current tick first, so the live trackers are ahead of every `at`.
    client.get("/api/v1/latest/AAPL").await.ok_json();
    let schedule = *app.market.schedule();
    // Earlier in the session, in the previous session, at the epoch, and now itself.
    for seq in [now.0 - 1, now.0 - 100, now.0 - 50_000, 0, now.0] {
        let seq = Seq(seq);
        let at = schedule.time_of(seq) + 123;
        for (form, value) in [("ms", at.to_string()), ("rfc3339", format_rfc3339(at))] {
            for symbol in SYMBOLS {
                let resp = client
                    .get(&format!("/api/v1/latest/{symbol}?at={value}"))
                    .await;
                assert_eq!(resp.status, 200, "{}", resp.text());
                assert_eq!(
                    resp.text(),
                    String::from_utf8(app.quote_json(symbol, seq)).unwrap(),
                    "{symbol} at tick {seq} ({form})"
                );
            }
        }
    }
    // The live trackers were not disturbed.
    let resp = client.get("/api/v1/latest/TSLA").await;
    assert_eq!(
        resp.text(),
        String::from_utf8(app.quote_json("TSLA", now)).unwrap()
    );
}

#[tokio::test]
async fn at_on_several_quotes_and_on_the_classic_arrays() {
    let app = spawn_app().await;
    let seq = Seq(app.tick().0 - 3600);
    let at = app.market.schedule().time_of(seq);
    let v = app
        .get(&format!("/api/v1/latest?symbols=MSFT,AAPL&at={at}"))
        .await
        .ok_json();
    assert_eq!(v["seq"], seq.0);
    assert_eq!(v["timestamp"], at);
    for (i, symbol) in ["MSFT", "AAPL"].into_iter().enumerate() {
        let want: serde_json::Value = serde_json::from_slice(&app.quote_json(symbol, seq)).unwrap();
        assert_eq!(v["quotes"][i], want, "{symbol}");
    }
    let arr = app
        .get(&format!("/api/v1/latest?symbols=TSLA&format=array&at={at}"))
        .await
        .ok_json();
    let change = app.market.tick_change(app.id("TSLA"), seq).change;
    assert_eq!(arr[0]["seq"], seq.0);
    assert_eq!(arr[0]["change"].as_f64(), Some(change.to_f64()));
}

#[tokio::test]
async fn at_on_the_market_status_reports_that_moment() {
    let app = spawn_app().await;
    let at = app.clock.now_ms() - 7 * 86_400_000;
    let v = app
        .get(&format!("/api/v1/market/status?at={at}"))
        .await
        .ok_json();
    assert_eq!(v["timestamp"], at);
}

#[tokio::test]
async fn future_and_pre_epoch_and_malformed_times_are_clear_400s() {
    let app = spawn_app().await;
    let now = app.clock.now_ms();
    let future = app
        .get(&format!("/api/v1/latest/AAPL?at={}", now + 1))
        .await
        .error_message(400, "time_in_future");
    assert!(
        future.contains(&format!("the market clock's now, {}", format_rfc3339(now))),
        "{future}"
    );
    for path in ["/api/v1/latest", "/api/v1/market/status"] {
        let m = app
            .get(&format!("{path}?at=2023-12-31T23:59:59Z"))
            .await
            .error_message(400, "before_epoch");
        assert!(
            m.contains("before the market's epoch, 2024-01-01T00:00:00Z"),
            "{m}"
        );
    }
    let m = app
        .get("/api/v1/latest/AAPL?at=yesterday")
        .await
        .error_message(400, "invalid_parameter");
    assert!(m.starts_with("query parameter `at`: \"yesterday\""), "{m}");
    app.get("/api/v1/latest/AAPL?at=1&at=2")
        .await
        .error_message(400, "bad_request");
    // At the epoch itself: tick 0, the reference prices.
    let v = app
        .get(&format!("/api/v1/latest/AAPL?at={DEFAULT_EPOCH_MS}"))
        .await
        .ok_json();
    assert_eq!(v["seq"], 0);
}

#[tokio::test]
async fn the_work_of_a_past_quote_is_bounded_by_max_history_ticks() {
    let app = spawn_app_with(rest_config_with_max_ticks(10_000)).await;
    let schedule = *app.market.schedule();
    let session = schedule.session(app.tick());
    // 2 000 ticks into a session, for five symbols: 10 005 ticks to walk.
    let at = schedule.time_of(Seq(session.first.0 + 2000));
    let m = app
        .get(&format!("/api/v1/latest?at={at}"))
        .await
        .error_message(400, "range_too_large");
    assert!(m.contains("--max-history-ticks"), "{m}");
    // One symbol fits.
    app.get(&format!("/api/v1/latest/AAPL?at={at}"))
        .await
        .ok_json();
}

fn rest_config_with_max_ticks(max: u64) -> rest_api::RestConfig {
    rest_api::RestConfig {
        max_history_ticks: max,
        ..rest_config()
    }
}
