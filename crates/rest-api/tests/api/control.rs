//! `/control/clock` on the rest-api: absent without a token, refused without the right one,
//! and with it a manual clock that moves forward only, by a time, a duration or ticks.

use std::sync::Arc;

use rest_api::RestConfig;
use ticker_core::{Clock, ManualClock, Market, Seq, VirtualClock};
use tokio::net::TcpListener;

use crate::helpers::{market_config, rest_config, spawn_app, spawn_app_with, Client, NOW_MS};

/// The token of these tests.
pub const TOKEN: &str = "test-control-token";

/// Service settings with the control endpoint on.
pub fn with_control() -> RestConfig {
    let mut rest = rest_config();
    rest.control.control_token = Some(TOKEN.to_owned());
    rest
}

/// `Authorization: Bearer` with the right token.
pub const AUTH: (&str, &str) = ("authorization", "Bearer test-control-token");

#[tokio::test]
async fn without_a_token_the_endpoint_does_not_exist() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    let m = client
        .post_json("/control/clock", &[AUTH], r#"{"ticks":1}"#)
        .await
        .error_message(404, "not_found");
    assert!(m.contains("/control/clock"), "{m}");
    assert_eq!(app.clock.now_ms(), NOW_MS, "nothing moved");
    let root = app.get("/").await.ok_json();
    assert!(!root.to_string().contains("/control/clock"));
}

#[tokio::test]
async fn no_token_is_401_and_a_wrong_one_403() {
    let app = spawn_app_with(with_control()).await;
    let mut client = app.connect().await;
    let resp = client
        .post_json("/control/clock", &[], r#"{"ticks":1}"#)
        .await;
    resp.error_message(401, "unauthorized");
    assert_eq!(
        resp.header("www-authenticate"),
        Some("Bearer realm=\"ticker control\"")
    );
    for (name, value) in [
        ("authorization", "Bearer test-control-tokeN"),
        ("authorization", "Bearer test-control-token-2"),
        ("x-ticker-control-token", "nope-nope-nope"),
    ] {
        let mut client = app.connect().await;
        client
            .post_json("/control/clock", &[(name, value)], r#"{"ticks":1}"#)
            .await
            .error_message(403, "forbidden");
    }
    let mut client = app.connect().await;
    client
        .request("GET", "/control/clock", &[])
        .await
        .error_message(401, "unauthorized");
    assert_eq!(app.clock.now_ms(), NOW_MS, "nothing moved");
}

#[tokio::test]
async fn the_token_moves_a_manual_clock_forward_and_quotes_follow() {
    let app = spawn_app_with(with_control()).await;
    let before = app.tick();
    let mut client = app.connect().await;
    let v = client
        .request("GET", "/control/clock", &[AUTH])
        .await
        .ok_json();
    assert_eq!(
        (v["clock"]["kind"].as_str(), v["tick"].as_u64()),
        (Some("manual"), Some(before.0))
    );

    let v = client
        .post_json("/control/clock", &[AUTH], r#"{"ticks":10}"#)
        .await
        .ok_json();
    let after = Seq(before.0 + 10);
    assert_eq!(
        (v["previous_tick"].as_u64(), v["tick"].as_u64()),
        (Some(before.0), Some(after.0))
    );
    assert_eq!(app.clock.now_ms(), app.market.schedule().time_of(after));
    let mut client = app.connect().await;
    let quote = client.get("/api/v1/latest/AAPL").await;
    assert_eq!(
        quote.text(),
        String::from_utf8(app.quote_json("AAPL", after)).unwrap()
    );

    let mut client = app.connect().await;
    client
        .post_json(
            "/control/clock",
            &[("x-ticker-control-token", TOKEN)],
            r#"{"advance_ms":1500}"#,
        )
        .await
        .ok_json();
    assert_eq!(app.tick(), Seq(after.0 + 1));
    let target = app.clock.now_ms() + 3_600_000;
    let mut client = app.connect().await;
    let v = client
        .post_json("/control/clock", &[AUTH], &format!(r#"{{"set":{target}}}"#))
        .await
        .ok_json();
    assert_eq!(v["clock"]["now_ms"], target);

    // Never backwards, and bad bodies are clear 400s.
    let mut client = app.connect().await;
    let m = client
        .post_json(
            "/control/clock",
            &[AUTH],
            r#"{"set":"2024-01-05T00:00:00Z"}"#,
        )
        .await
        .error_message(409, "clock_backwards");
    assert!(m.contains("only moves forward"), "{m}");
    for body in [
        r#"{"ticks":-1}"#,
        "{",
        r#"{"ticks":1,"advance_ms":1}"#,
        r#"{"jump":1}"#,
    ] {
        let mut client = app.connect().await;
        client
            .post_json("/control/clock", &[AUTH], body)
            .await
            .error_message(400, "invalid_body");
    }
    assert_eq!(app.clock.now_ms(), target);
}

#[tokio::test]
async fn bodies_are_limited_and_other_methods_are_405() {
    let app = spawn_app_with(with_control()).await;
    let mut client = app.connect().await;
    let big = format!(r#"{{"ticks":1,"pad":"{}"}}"#, "x".repeat(2000));
    let m = client
        .post_json("/control/clock", &[AUTH], &big)
        .await
        .error_message(413, "body_too_large");
    assert!(m.contains("1024 bytes (--control-max-body-bytes)"), "{m}");
    let mut client = app.connect().await;
    let resp = client.request("DELETE", "/control/clock", &[AUTH]).await;
    resp.error_message(405, "method_not_allowed");
    assert_eq!(resp.header("allow"), Some("GET, POST"));
    let root = app.get("/").await.ok_json();
    assert!(root["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["path"] == "/control/clock"));
    assert_eq!(app.clock.now_ms(), NOW_MS);
}

#[tokio::test]
async fn a_virtual_clock_cannot_be_moved_by_one_service_alone() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let wall = Arc::new(ManualClock::new(NOW_MS));
    let clock = Arc::new(VirtualClock::new(wall, NOW_MS - 86_400_000, 60.0, NOW_MS));
    let settings = rest_api::Settings {
        rest: with_control(),
        market: Arc::new(Market::new(market_config()).unwrap()),
        clock: clock.clone(),
    };
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(rest_api::run(listener, settings, async {
        let _ = stopped.await;
    }));
    let mut client = Client::connect(addr).await;
    let m = client
        .post_json("/control/clock", &[AUTH], r#"{"ticks":1}"#)
        .await
        .error_message(409, "clock_not_settable");
    assert!(m.contains("the market clock is virtual"), "{m}");
    // A request with a body ends its connection (the guard stops vetting heads there).
    let health = Client::connect(addr).await.get("/health").await.ok_json();
    assert_eq!(health["clock"]["kind"], "virtual");
    assert_eq!(health["clock"]["speed"], 60.0);
    assert_eq!(health["clock"]["now_ms"], clock.now_ms());
}
