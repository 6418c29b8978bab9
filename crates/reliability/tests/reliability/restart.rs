//! Restarts: the REST and WebSocket services restarted at different times still agree on
//! every quote, because both compute it from (config, seed, symbol, seq) alone.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use ticker_core::{Clock, ManualClock, Seq};
use tokio_tungstenite::tungstenite::Message;
use ws_server::WsConfig;

use crate::helpers::{self, Server};

type Frames = HashMap<(String, u64), Vec<u8>>;

/// Reads quote frames for a while, keyed by (symbol, seq); stores the fields without braces.
async fn collect(addr: SocketAddr, frames: &mut Frames, until_seq: u64) {
    let (mut c, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .unwrap();
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), c.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let Message::Text(t) = msg else { continue };
        let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
        if v["type"] != "quote" {
            continue;
        }
        let seq = v["seq"].as_u64().unwrap();
        let fields = t.as_bytes()[r#"{"type":"quote","#.len()..t.len() - 1].to_vec();
        frames.insert((v["symbol"].as_str().unwrap().to_owned(), seq), fields);
        if seq >= until_seq && v["symbol"] == "TSLA" {
            return;
        }
    }
}

async fn rest_fields(rest: &Server, symbol: &str) -> (u64, Vec<u8>) {
    let req =
        format!("GET /api/v1/latest/{symbol} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    let r = helpers::http(rest.addr, req.as_bytes()).await.unwrap();
    assert_eq!(r.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    (
        v["seq"].as_u64().unwrap(),
        r.body[1..r.body.len() - 1].to_vec(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_restarted_at_different_times_agree_on_every_quote() {
    let _serial = helpers::SERIAL.lock().await;
    let market = helpers::market(1000);
    let start = Seq(93_000_000);
    let clock = Arc::new(ManualClock::new(market.schedule().time_of(start)));
    let mut frames = Frames::new();
    let mut compared = 0;

    let mut ws = helpers::ws(WsConfig::default(), market.clone(), clock.clone()).await;
    let mut rest = helpers::rest(
        rest_api::RestConfig::default(),
        market.clone(),
        clock.clone(),
    )
    .await;
    for phase in 0..3 {
        for _ in 0..5 {
            let seq = market.schedule().tick_at(clock.now_ms()).0;
            let collector = collect(ws.addr, &mut frames, seq);
            tokio::time::timeout(Duration::from_secs(10), collector)
                .await
                .unwrap();
            for id in market.ids() {
                let symbol = market.info(id).symbol.as_str();
                let (rest_seq, fields) = rest_fields(&rest, symbol).await;
                assert_eq!(rest_seq, seq);
                let streamed = frames.get(&(symbol.to_owned(), seq)).expect("streamed");
                assert_eq!(streamed, &fields, "phase {phase} {symbol}@{seq}");
                compared += 1;
            }
            clock.advance(1000);
        }
        match phase {
            0 => {
                // Restart the REST service while time moves on.
                rest.stop().await;
                clock.advance(37_000);
                rest = helpers::rest(
                    rest_api::RestConfig::default(),
                    market.clone(),
                    clock.clone(),
                )
                .await;
            }
            1 => {
                // Restart the WebSocket service at another moment.
                ws.stop().await;
                clock.advance(86_400_000 / 3);
                ws = helpers::ws(WsConfig::default(), market.clone(), clock.clone()).await;
            }
            _ => {}
        }
    }
    helpers::record(
        "restart",
        &json!({"quotes_compared": compared, "restarts": 2}),
    );
    ws.stop().await;
    rest.stop().await;
}
