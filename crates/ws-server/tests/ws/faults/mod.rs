//! Fault injection on real sockets: every fault a URL can ask for, observed by a real client
//! exactly as its plan says ([`ws_server::faults::Spec::plan`], a pure function of the seed and
//! the tick), reproducible for the same URL, and refused when the server does not allow faults.
//!
//! Faulted frames are compared with an unfaulted connection's frames for the same ticks: a
//! fault may lose, repeat, reorder, delay or garble frames, never change a price.

mod ends;
mod replay;
mod stream;

use std::collections::HashMap;

use futures_util::StreamExt;
use ticker_core::Seq;
use ticker_net::Query;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use ws_server::cli::FaultConfig;
use ws_server::faults::{Faults, Spec};
use ws_server::WsConfig;

use crate::helpers::{config, recv_text, recv_type, TestServer, Ws, PATIENCE};

/// A server that allows faults, with room to queue every tick a test advances (200).
async fn faulty_server(tune: impl FnOnce(&mut WsConfig)) -> TestServer {
    let mut ws = WsConfig {
        queue_ticks: 200,
        faults: FaultConfig::allow(),
        ..config()
    };
    tune(&mut ws);
    TestServer::spawn(ws).await
}

/// The faults a query string asks for, as the server parses them.
fn spec(query: &str) -> Spec {
    Faults::new(&FaultConfig::allow())
        .unwrap()
        .parse(&Query::parse(Some(query)).unwrap())
        .unwrap()
        .expect("the query asks for faults")
}

/// The next text message as it came, valid JSON or not (pings and pongs skipped).
async fn recv_raw(ws: &mut Ws) -> String {
    loop {
        match timeout(PATIENCE, ws.next())
            .await
            .expect("no message in time")
        {
            Some(Ok(Message::Text(text))) => return text.as_str().to_owned(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a text message, got {other:?}"),
        }
    }
}

/// Skips the welcome and the initial `quotes` frame of a `format=batch` connection; returns
/// the welcome's seq.
async fn start_batch(ws: &mut Ws) -> Seq {
    let seq = Seq(recv_type(ws, "welcome").await["seq"].as_u64().unwrap());
    let first = recv_type(ws, "quotes").await;
    assert_eq!(first["seq"], seq.0);
    seq
}

/// Advances `n` ticks one at a time; the unfaulted client `healthy` must receive each. Returns
/// its frame of each tick, by seq.
async fn advance(server: &TestServer, healthy: &mut Ws, n: u64) -> HashMap<u64, String> {
    let mut frames = HashMap::new();
    for _ in 0..n {
        let seq = server.advance(1);
        let text = recv_text(healthy).await;
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["seq"], seq.0, "{text}");
        frames.insert(seq.0, text);
    }
    frames
}

/// A `ticker_ws_faults_total` series.
fn faults_metric(kind: &str) -> String {
    format!("ticker_ws_faults_total{{kind=\"{kind}\"}}")
}
