//! The stream contract: `/asyncapi.json` is served and kept in `docs/asyncapi.json`, and real
//! connections make every documented server message appear (each frame validated by
//! `recv_text`), so a message type the document lists but the server never sends, or sends
//! differently, fails here.
//!
//! After changing the document: `UPDATE_DOCS=1 cargo nextest run -p ws-server contract`.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};
use ticker_core::{ManualClock, Market, Seq};

use crate::helpers::{
    assert_documented_client_message, config, connect, http_get, kind, recv_json, send_json,
    send_text, TestServer, Ws,
};

#[tokio::test]
async fn asyncapi_json_is_served_and_kept_in_docs() {
    let server = TestServer::spawn(config()).await;
    let resp = http_get(server.addr, "/asyncapi.json").await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.json()["asyncapi"], "3.0.0");
    let fresh = ws_server::asyncapi::encoded();
    assert_eq!(resp.body.as_bytes(), &fresh[..]);
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/asyncapi.json");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&file, &fresh).unwrap();
    }
    assert!(
        std::fs::read(&file).unwrap_or_default() == fresh,
        "docs/asyncapi.json is stale: UPDATE_DOCS=1 cargo nextest run -p ws-server contract"
    );
}

/// Reads frames until one of `kind` (returned), recording every kind seen.
async fn until(ws: &mut Ws, seen: &mut BTreeSet<String>, wanted: &str) -> Value {
    for _ in 0..200 {
        let frame = recv_json(ws).await;
        let k = kind(&frame);
        seen.insert(k.clone());
        if k == wanted {
            return frame;
        }
    }
    panic!("no {wanted} frame in 200");
}

async fn send(ws: &mut Ws, message: Value) {
    assert_documented_client_message(&message);
    send_json(ws, &message).await;
}

/// The channels' frames: a `us-equity` symbol across the 09:30 open (its `status` changes,
/// it trades, the 09:29 minute's `bar` closes), and an `unknown_channel` error.
async fn channels(seen: &mut BTreeSet<String>) {
    let market = Arc::new(Market::new(crate::channels::mixed_market()).unwrap());
    // Tuesday 2026-03-10, 09:29:57 New York.
    let t = ticker_core::time::parse_rfc3339("2026-03-10T13:29:57Z").unwrap();
    let server = TestServer::spawn_with(config(), market, Arc::new(ManualClock::new(t))).await;
    let mut ws = connect(
        &server,
        "/ws?symbols=AAPL&channels=quotes,trades,bars,status",
    )
    .await;
    let welcome = until(&mut ws, seen, "welcome").await;
    assert!(welcome["channels"].is_object() && welcome["status"].is_array());
    send(
        &mut ws,
        json!({"type": "subscribe", "symbols": ["BTCUSDT"], "channels": ["trades", "bar"]}),
    )
    .await;
    assert!(until(&mut ws, seen, "subscribed").await["channels"].is_object());
    send(
        &mut ws,
        json!({"type": "unsubscribe", "symbols": "BTCUSDT", "channels": "bars"}),
    )
    .await;
    until(&mut ws, seen, "subscribed").await;
    // Not a documented channel: sent as is, answered by a documented error.
    send_json(
        &mut ws,
        &json!({"type": "subscribe", "symbols": ["AAPL"], "channels": ["news"]}),
    )
    .await;
    assert_eq!(
        until(&mut ws, seen, "error").await["code"],
        "unknown_channel"
    );
    server.advance(5);
    for wanted in ["status", "trade", "bar"] {
        until(&mut ws, seen, wanted).await;
    }
}

#[tokio::test]
async fn every_documented_message_is_sent_as_documented() {
    let server = TestServer::spawn(config()).await;
    let mut seen = BTreeSet::new();
    let seen = &mut seen;

    let mut ws = connect(&server, "/ws?symbols=AAPL").await;
    until(&mut ws, seen, "welcome").await;
    until(&mut ws, seen, "quote").await;
    send(&mut ws, json!({"type": "subscribe", "symbols": ["MSFT"]})).await;
    until(&mut ws, seen, "subscribed").await;
    until(&mut ws, seen, "snapshot").await;
    send(&mut ws, json!({"type": "unsubscribe", "symbols": "MSFT"})).await;
    until(&mut ws, seen, "subscribed").await;
    send(&mut ws, json!({"type": "ping", "id": 7})).await;
    assert_eq!(until(&mut ws, seen, "pong").await["id"], 7);
    send_text(&mut ws, "{").await;
    until(&mut ws, seen, "error").await;
    send(&mut ws, json!({"type": "resume", "since": 0})).await;
    until(&mut ws, seen, "gap").await;

    let mut batch = connect(&server, "/ws?symbols=AAPL,TSLA&format=batch").await;
    until(&mut batch, seen, "quotes").await;
    let mut array = connect(&server, "/ws?symbols=AAPL&format=array").await;
    until(&mut array, seen, "array").await;
    let mut unknown = connect(&server, "/ws?symbols=AAPL,NOPE&since=abc").await;
    until(&mut unknown, seen, "error").await;

    let now = server.seq();
    let from = server.time_of(Seq(now.0 - 900));
    let mut replay = connect(&server, &format!("/ws?symbols=AAPL&from={from}")).await;
    until(&mut replay, seen, "welcome").await;
    send(&mut replay, json!({"type": "replay", "action": "pause"})).await;
    until(&mut replay, seen, "replay").await;
    send(
        &mut replay,
        json!({"type": "replay", "action": "speed", "speed": 2}),
    )
    .await;
    until(&mut replay, seen, "replay").await;
    let to = server.time_of(Seq(now.0 - 895));
    let mut ending = connect(
        &server,
        &format!("/ws?symbols=AAPL&from={from}&to={to}&speed=1000"),
    )
    .await;
    until(&mut ending, seen, "replay_end").await;
    channels(seen).await;

    let documented: BTreeSet<String> = ws_server::asyncapi::server_message_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        *seen, documented,
        "every documented server message, and only those, must appear"
    );
}
