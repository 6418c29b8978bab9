//! The market clock on the stream: `/control/clock` (absent without a token, refused without
//! the right one) steps a manual clock, every tick in between is streamed, a jump longer than
//! the queue arrives as a `gap` and a snapshot, and the welcome and `/health` report the clock.

use serde_json::json;
use ticker_core::{ClockConfig, ClockKind, MarketConfig, Seq};
use ws_server::WsConfig;

use crate::helpers::{
    config, connect, expect_quote_frames, http, http_get, market_config, quotes_json, recv_type,
    TestServer,
};

const TOKEN: &str = "ws-control-token";

fn with_control() -> WsConfig {
    let mut ws = config();
    ws.control.control_token = Some(TOKEN.to_owned());
    ws
}

/// A server as `--clock manual --control-token …` starts one: the market's configured clock
/// is the manual kind, stepped through `/control/clock`.
async fn manual(ws: WsConfig) -> TestServer {
    let market = MarketConfig {
        clock: ClockConfig {
            kind: Some(ClockKind::Manual),
            ..ClockConfig::default()
        },
        ..market_config()
    };
    TestServer::spawn_market(ws, market).await
}

/// `POST /control/clock` with `body` and extra header lines.
fn post(body: &str, headers: &str) -> String {
    format!(
        "POST /control/clock HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n{headers}\r\n{body}",
        body.len()
    )
}

fn bearer() -> String {
    format!("Authorization: Bearer {TOKEN}\r\n")
}

#[tokio::test]
async fn without_a_token_the_control_endpoint_does_not_exist() {
    let server = TestServer::spawn(config()).await;
    let resp = http(server.addr, &post(r#"{"ticks":1}"#, &bearer())).await;
    // The guard refuses the body outright: this port takes none without a control token.
    assert_eq!(resp.status, 413, "{}", resp.body);
    let resp = http_get(server.addr, "/control/clock").await;
    assert_eq!(resp.status, 404, "{}", resp.body);
    assert_eq!(server.seq(), crate::helpers::start_seq(&server.market));
}

#[tokio::test]
async fn the_control_endpoint_wants_the_right_token() {
    let server = manual(with_control()).await;
    let start = server.seq();
    let resp = http(server.addr, &post(r#"{"ticks":1}"#, "")).await;
    assert_eq!(
        (resp.status, resp.json()["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    assert!(resp.header("www-authenticate").is_some());
    for header in [
        "Authorization: Bearer ws-control-tokeN\r\n",
        "X-Ticker-Control-Token: something-else\r\n",
    ] {
        let resp = http(server.addr, &post(r#"{"ticks":1}"#, header)).await;
        assert_eq!(
            (resp.status, resp.json()["error"]["code"].as_str()),
            (403, Some("forbidden"))
        );
    }
    let big = format!(r#"{{"ticks":1,"pad":"{}"}}"#, "x".repeat(2000));
    let resp = http(server.addr, &post(&big, &bearer())).await;
    assert_eq!(resp.status, 413, "{}", resp.body);
    assert_eq!(server.seq(), start, "nothing moved");
}

#[tokio::test]
async fn stepping_the_clock_streams_every_tick_in_between() {
    let server = manual(with_control()).await;
    let start = server.seq();
    let mut ws = connect(&server, "/ws?symbols=AAPL,MSFT").await;
    let welcome = recv_type(&mut ws, "welcome").await;
    assert_eq!(welcome["clock"]["kind"], "manual");
    assert_eq!(welcome["clock"]["now_ms"], server.clock_now());
    expect_quote_frames(&mut ws, &server, &["AAPL", "MSFT"], start).await;

    let resp = http(server.addr, &post(r#"{"ticks":5}"#, &bearer())).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let v = resp.json();
    assert_eq!(
        (v["previous_tick"].as_u64(), v["tick"].as_u64()),
        (Some(start.0), Some(start.0 + 5))
    );
    for k in 1..=5 {
        expect_quote_frames(&mut ws, &server, &["AAPL", "MSFT"], Seq(start.0 + k)).await;
    }
    let health = http_get(server.addr, "/health").await.json();
    assert_eq!(health["clock"]["kind"], "manual");
    assert_eq!(health["clock"]["now_ms"], server.clock_now());
}

#[tokio::test]
async fn a_jump_longer_than_the_queue_is_a_gap_and_a_snapshot() {
    let server = manual(WsConfig {
        queue_ticks: 4,
        ..with_control()
    })
    .await;
    let start = server.seq();
    let mut ws = connect(&server, "/ws?symbols=AAPL,TSLA").await;
    recv_type(&mut ws, "welcome").await;
    expect_quote_frames(&mut ws, &server, &["AAPL", "TSLA"], start).await;
    let mut array = connect(&server, "/ws?symbols=TSLA&format=array").await;
    crate::helpers::recv_text(&mut array).await;

    // Four ticks fit in the queue: streamed one by one.
    let resp = http(server.addr, &post(r#"{"ticks":4}"#, &bearer())).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    for k in 1..=4 {
        expect_quote_frames(&mut ws, &server, &["AAPL", "TSLA"], Seq(start.0 + k)).await;
    }
    let at = Seq(start.0 + 4);
    // Fifty do not: a gap for what was skipped and a snapshot of where the clock is.
    let resp = http(server.addr, &post(r#"{"ticks":50}"#, &bearer())).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let to = Seq(at.0 + 50);
    let gap = recv_type(&mut ws, "gap").await;
    assert_eq!(
        (gap["from"].as_u64(), gap["to"].as_u64()),
        (Some(at.0 + 1), Some(to.0))
    );
    assert!(gap["message"]
        .as_str()
        .unwrap()
        .contains("the market clock jumped 50 ticks"));
    let snapshot = recv_type(&mut ws, "snapshot").await;
    assert_eq!(snapshot["seq"], to.0);
    assert_eq!(
        snapshot["quotes"],
        quotes_json(&server, &["AAPL", "TSLA"], to)
    );
    let next = server.advance(1);
    expect_quote_frames(&mut ws, &server, &["AAPL", "TSLA"], next).await;
    // Array pages get arrays only: the new tick's.
    for _ in 0..4 {
        crate::helpers::recv_text(&mut array).await;
    }
    let arr: serde_json::Value =
        serde_json::from_str(&crate::helpers::recv_text(&mut array).await).unwrap();
    assert_eq!(arr[0]["seq"], to.0);
    assert_eq!(server.metric("ticker_ws_clock_jumps_total").await, 1);
    // A later connection resuming into the hole is told about it too.
    let mut resumed = connect(&server, &format!("/ws?symbols=AAPL&since={}", at.0 + 10)).await;
    recv_type(&mut resumed, "welcome").await;
    assert_eq!(
        recv_type(&mut resumed, "gap").await["from"],
        json!(at.0 + 11)
    );
}

#[tokio::test]
async fn a_clock_set_backwards_is_refused_and_the_stream_goes_on() {
    let server = manual(with_control()).await;
    let earlier = server.clock_now() - 60_000;
    let resp = http(
        server.addr,
        &post(&format!(r#"{{"set":{earlier}}}"#), &bearer()),
    )
    .await;
    assert_eq!(
        (resp.status, resp.json()["error"]["code"].as_str()),
        (409, Some("clock_backwards"))
    );
    let mut ws = connect(&server, "/ws?symbols=AAPL").await;
    recv_type(&mut ws, "welcome").await;
    recv_type(&mut ws, "quote").await;
    let next = server.advance(1);
    expect_quote_frames(&mut ws, &server, &["AAPL"], next).await;
}
