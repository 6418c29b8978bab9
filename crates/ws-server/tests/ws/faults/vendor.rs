//! Faults on the vendor streams: one per vendor on real sockets (Binance drops and repeats as
//! the plan says, Finnhub disconnects with the chosen code, Alpaca's frames come after
//! malformed halves, Polygon's upgrades are refused), and `fault_*` refused in the vendor's
//! shape when faults are off.

use serde_json::{json, Value};
use ticker_core::Seq;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use ws_server::cli::FaultConfig;
use ws_server::WsConfig;

use super::{faults_metric, recv_raw, spec};
use crate::helpers::{
    config, connect, http, next_message, recv_json, send_json, upgrade_request, TestServer, Ws,
};
use crate::vendor_sdk::vendor_market;

async fn faulty(market: Option<ticker_core::MarketConfig>) -> TestServer {
    let ws = WsConfig {
        queue_ticks: 200,
        faults: FaultConfig::allow(),
        ..config()
    };
    match market {
        Some(m) => TestServer::spawn_market(ws, m).await,
        None => TestServer::spawn(ws).await,
    }
}

/// Reads until the server closes; the close code.
async fn close_code(ws: &mut Ws) -> Option<CloseCode> {
    loop {
        match next_message(ws).await {
            Some(Ok(Message::Close(c))) => return c.map(|c| c.code),
            None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn binance_ticks_are_dropped_and_repeated_as_the_plan_says() {
    let server = faulty(Some(vendor_market())).await;
    let query = "fault_seed=7&fault_drop=0.3&fault_duplicate=0.3";
    let mut ws = connect(&server, &format!("/binance/ws/btcusdt@bookTicker?{query}")).await;
    send_json(&mut ws, &json!({"method":"LIST_SUBSCRIPTIONS","id":1})).await;
    assert_eq!(recv_json(&mut ws).await["id"], 1);
    let s0 = server.seq();
    let plan = spec(query);
    let mut want = Vec::new();
    for k in 1..=30 {
        let seq = Seq(s0.0 + k);
        let p = plan.plan(seq);
        if !p.drop {
            want.push(seq.0);
            if p.duplicate {
                want.push(seq.0);
            }
        }
    }
    let dropped = (1..=30).filter(|k| !want.contains(&(s0.0 + k))).count();
    let repeated = want.windows(2).filter(|w| w[0] == w[1]).count();
    assert!(dropped > 0 && repeated > 0, "{want:?}");
    for _ in 0..30 {
        server.advance(1);
    }
    let mut got = Vec::new();
    while got.len() < want.len() {
        let v: Value = serde_json::from_str(&recv_raw(&mut ws).await).unwrap();
        got.push(v["u"].as_u64().unwrap());
    }
    assert_eq!(got, want);
    assert!(server.metric(&faults_metric("drop")).await > 0);
}

#[tokio::test]
async fn a_stalled_binance_stream_is_not_a_slow_client_and_carries_on() {
    let ws = WsConfig {
        queue_ticks: 200,
        stall_timeout_ms: 100,
        faults: FaultConfig::allow(),
        ..config()
    };
    let server = TestServer::spawn_market(ws, vendor_market()).await;
    let path = "/binance/ws/btcusdt@bookTicker?fault_stall_after_ms=0&fault_stall_ms=400";
    let mut ws = connect(&server, path).await;
    let s0 = server.seq();
    let opened = std::time::Instant::now();
    for _ in 0..3 {
        server.advance(1);
    }
    // Nothing for the stall's 400 ms (four times the stall timeout), then every tick.
    for k in 1..=3 {
        let v: Value = serde_json::from_str(&recv_raw(&mut ws).await).unwrap();
        assert_eq!(v["u"], s0.0 + k);
    }
    assert!(opened.elapsed() >= std::time::Duration::from_millis(400));
    assert_eq!(server.metric("ticker_ws_closed_slow_total").await, 0);
    assert_eq!(server.metric(&faults_metric("stall")).await, 1);
}

#[tokio::test]
async fn a_finnhub_stream_ends_after_n_ticks_with_the_chosen_code() {
    let server = faulty(Some(vendor_market())).await;
    let mut ws = connect(
        &server,
        "/finnhub?token=t&fault_disconnect_ticks=3&fault_close=4001",
    )
    .await;
    send_json(&mut ws, &json!({"type":"subscribe","symbol":"BTCUSDT"})).await;
    send_json(&mut ws, &json!({"type":"subscribe","symbol":"NOPE"})).await;
    assert_eq!(recv_json(&mut ws).await["type"], "error");
    server.advance(3);
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Library(4001)));
}

#[tokio::test]
async fn alpaca_frames_follow_their_malformed_halves() {
    let server = faulty(None).await;
    let mut ws = connect(&server, "/alpaca/v2/iex?fault_malformed=1").await;
    recv_raw(&mut ws).await;
    send_json(&mut ws, &json!({"action":"auth","key":"k","secret":"s"})).await;
    recv_raw(&mut ws).await;
    send_json(&mut ws, &json!({"action":"subscribe","quotes":["AAPL"]})).await;
    // The protocol's own answers are never faulted.
    let ack: Value = serde_json::from_str(&recv_raw(&mut ws).await).unwrap();
    assert_eq!(ack[0]["T"], "subscription");
    server.advance(2);
    for _ in 0..2 {
        let bad = recv_raw(&mut ws).await;
        let good = recv_raw(&mut ws).await;
        assert!(serde_json::from_str::<Value>(&bad).is_err(), "{bad}");
        assert!(good.starts_with(&bad), "{bad} / {good}");
        let v: Value = serde_json::from_str(&good).unwrap();
        assert_eq!(
            (v[0]["T"].as_str(), v[0]["S"].as_str()),
            (Some("q"), Some("AAPL"))
        );
    }
    assert_eq!(server.metric(&faults_metric("malformed")).await, 2);
}

#[tokio::test]
async fn polygon_upgrades_are_refused_on_purpose_then_connect() {
    let server = faulty(None).await;
    let path = "/polygon/stocks?fault_refuse=1&fault_client=poly-1";
    let resp = http(server.addr, &upgrade_request(path, "")).await;
    assert_eq!(resp.status, 503, "{}", resp.body);
    assert_eq!(resp.header("x-ticker-fault"), Some("refuse"));
    assert_eq!(resp.json()["error"]["code"], "fault_injected");
    let mut ws = connect(&server, path).await;
    let hello: Value = serde_json::from_str(&recv_raw(&mut ws).await).unwrap();
    assert_eq!(hello[0]["status"], "connected");
}

#[tokio::test]
async fn vendor_fault_parameters_are_refused_unless_faults_are_allowed() {
    let server = TestServer::spawn_market(config(), vendor_market()).await;
    let cases = [
        ("/binance/ws/btcusdt@trade?fault_drop=0.1", "\"code\":2"),
        ("/finnhub?token=t&fault_drop=0.1", "{\"error\":"),
        ("/alpaca/v2/test?fault_drop=0.1", "faults_disabled"),
        ("/polygon/stocks?fault_drop=0.1", "faults_disabled"),
    ];
    for (path, shape) in cases {
        let resp = http(server.addr, &upgrade_request(path, "")).await;
        assert_eq!(resp.status, 400, "{path}");
        assert!(resp.body.contains(shape), "{path}: {}", resp.body);
        assert!(resp.body.contains("fault_drop"), "{path}: {}", resp.body);
    }
}
