//! Slow consumers: a client that stops reading loses ticks (counted, and reported as
//! `"dropped": k` when it catches up), one that drains nothing for the stall timeout is closed,
//! and neither ever holds back a healthy client on the same server.
//!
//! The clock is advanced one tick at a time, each only once the healthy client has received
//! the previous one, so the healthy client can never lag however slow the machine is.

use futures_util::StreamExt;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use ws_server::WsConfig;

use crate::helpers::{
    config, connect, expect_quote_frames, recv_welcome_and_quotes, stalled_client, Seen,
    TestServer, Ws, PATIENCE,
};

/// Most ticks a test may advance before giving up.
const MAX_TICKS: u64 = 3000;

/// Bytes waiting, unread, in a client's kernel receive buffer.
async fn unread_bytes(ws: &WebSocketStream<TcpStream>) -> usize {
    let mut buf = vec![0u8; 1 << 20];
    timeout(PATIENCE, ws.get_ref().peek(&mut buf))
        .await
        .unwrap()
        .unwrap()
}

/// One tick forward; the healthy client must receive every symbol's frame, exactly the core's
/// (so without a `dropped` field).
async fn tick(server: &TestServer, healthy: &mut Ws, names: &[&str]) {
    let seq = server.advance(1);
    expect_quote_frames(healthy, server, names, seq).await;
}

#[tokio::test]
async fn a_client_that_drains_nothing_loses_counted_frames_and_is_closed_while_others_miss_nothing()
{
    let server = TestServer::spawn(WsConfig {
        send_buffer_bytes: 4096,
        queue_ticks: 4,
        stall_timeout_ms: 300,
        ..config()
    })
    .await;
    let names = server.symbols();
    let start = server.seq();
    let mut healthy = connect(&server, "/ws").await;
    let mut stalled = stalled_client(&server, "/ws").await;
    recv_welcome_and_quotes(&mut healthy, names.len()).await;

    let mut ticks = 0;
    while server.metric("ticker_ws_closed_slow_total").await == 0 {
        assert!(ticks < MAX_TICKS, "the stalled client was never closed");
        tick(&server, &mut healthy, &names).await;
        ticks += 1;
    }
    assert!(
        server.metric("ticker_ws_frames_dropped_total").await > 0,
        "the ticks the stalled client never got were not counted"
    );
    // The healthy client carries on, still without a gap.
    for _ in 0..5 {
        tick(&server, &mut healthy, &names).await;
    }
    server
        .wait_for_metric("ticker_ws_connections", |open| open == 1)
        .await;

    // The stalled client finds a prefix of the stream, then the end: a 1008 close if it fit
    // in the socket, otherwise just the end of the connection.
    let mut seen = Seen::default();
    let mut last = start.0;
    let end = timeout(PATIENCE, async {
        while let Some(msg) = stalled.next().await {
            match msg {
                Ok(Message::Text(text)) => {
                    let v: Value = serde_json::from_str(text.as_str()).unwrap();
                    if v["type"] == "quote" {
                        seen.record(&v);
                        let seq = v["seq"].as_u64().unwrap();
                        assert!(seq == last || seq == last + 1, "{seq} after {last}");
                        last = seq;
                    }
                }
                Ok(Message::Close(frame)) => return frame.map(|f| f.code),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .expect("the stalled client's connection was not closed");
    if let Some(code) = end {
        assert_eq!(code, CloseCode::Policy);
    }
    assert!(last < server.seq().0, "the stalled client got every tick");
}

#[tokio::test]
async fn a_client_that_catches_up_is_told_how_many_ticks_it_lost() {
    let server = TestServer::spawn(WsConfig {
        send_buffer_bytes: 4096,
        queue_ticks: 4,
        stall_timeout_ms: 20_000,
        ..config()
    })
    .await;
    let names = server.symbols();
    let mut healthy = connect(&server, "/ws").await;
    let mut lagging = stalled_client(&server, "/ws?symbols=AAPL,MSFT").await;
    recv_welcome_and_quotes(&mut healthy, names.len()).await;

    // Tick until the lagging client's receive buffer stops filling: the path to it is full.
    let (mut unread, mut still, mut ticks) = (0, 0, 0);
    while still < 5 {
        assert!(
            ticks < MAX_TICKS,
            "the lagging client's buffer never filled"
        );
        tick(&server, &mut healthy, &names).await;
        ticks += 1;
        let now = unread_bytes(&lagging).await;
        still = if now == unread { still + 1 } else { 0 };
        unread = now;
    }
    // Enough further ticks to fill the server's side and overrun the 4-tick queue.
    for _ in 0..40 {
        tick(&server, &mut healthy, &names).await;
    }
    assert!(server.metric("ticker_ws_closed_slow_total").await == 0);

    // Now it reads: consecutive ticks, then one jump whose size the `dropped` field states.
    let mut seen = Seen::default();
    let mut last: Option<u64> = None;
    let dropped = timeout(PATIENCE, async {
        loop {
            let Some(Ok(Message::Text(text))) = lagging.next().await else {
                panic!("the lagging client was disconnected");
            };
            let v: Value = serde_json::from_str(text.as_str()).unwrap();
            if v["type"] != "quote" {
                continue;
            }
            seen.record(&v);
            let seq = v["seq"].as_u64().unwrap();
            if let Some(k) = v.get("dropped") {
                let k = k.as_u64().unwrap();
                assert_eq!(v["symbol"], "AAPL", "the tick's first frame carries it");
                assert_eq!(
                    seq - last.unwrap() - 1,
                    k,
                    "dropped must count the ticks skipped"
                );
                return k;
            }
            if let Some(prev) = last {
                assert!(
                    seq == prev || seq == prev + 1,
                    "{seq} after {prev} with no dropped"
                );
            }
            last = Some(seq);
        }
    })
    .await
    .expect("no frame carried a dropped count");
    assert!(dropped > 0);
    assert!(server.metric("ticker_ws_frames_dropped_total").await >= dropped * 2);
}
