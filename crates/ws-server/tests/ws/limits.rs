//! Limits and lifecycle: oversize messages (1009), floods (1008), the connection limit (503),
//! the origin allow-list (403), heartbeat reaping and graceful shutdown (1001).

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use ws_server::WsConfig;

use crate::helpers::{
    assert_usable, config, connect, http, http_get, raw_websocket, recv_close, recv_type,
    recv_welcome_and_quotes, send_text, stalled_client, upgrade_request, TestServer, PATIENCE,
};

#[tokio::test]
async fn an_oversize_message_closes_with_1009() {
    let server = TestServer::spawn(WsConfig {
        max_message_bytes: 1024,
        ..config()
    })
    .await;
    let mut ws = connect(&server, "/ws?symbols=AAPL").await;
    recv_type(&mut ws, "welcome").await;
    recv_type(&mut ws, "quote").await;
    // Just under the limit is an ordinary (bad) message.
    send_text(&mut ws, &"x".repeat(1000)).await;
    assert_eq!(recv_type(&mut ws, "error").await["code"], "invalid_json");
    assert_usable(&mut ws, 1).await;

    send_text(&mut ws, &format!("\"{}\"", "x".repeat(4096))).await;
    assert_eq!(recv_close(&mut ws).await, Some(CloseCode::Size));
    assert_eq!(server.metric("ticker_ws_closed_oversize_total").await, 1);
}

#[tokio::test]
async fn a_message_flood_closes_with_1008() {
    let server = TestServer::spawn(WsConfig {
        max_message_rate: 1,
        message_burst: 3,
        ..config()
    })
    .await;
    let mut ws = connect(&server, "/ws?symbols=AAPL").await;
    recv_type(&mut ws, "welcome").await;
    recv_type(&mut ws, "quote").await;
    for i in 0..10 {
        ws.feed(Message::text(json!({"type": "ping", "id": i}).to_string()))
            .await
            .unwrap();
    }
    ws.flush().await.unwrap();
    // The burst is served, then the connection is closed for the rest.
    for i in 0..3 {
        assert_eq!(recv_type(&mut ws, "pong").await["id"], i);
    }
    assert_eq!(recv_close(&mut ws).await, Some(CloseCode::Policy));
    assert_eq!(server.metric("ticker_ws_closed_rate_total").await, 1);
}

#[tokio::test]
async fn beyond_max_connections_the_upgrade_gets_503_json() {
    let server = TestServer::spawn(WsConfig {
        max_connections: 2,
        ..config()
    })
    .await;
    let mut first = connect(&server, "/ws").await;
    let mut second = connect(&server, "/ws").await;
    recv_welcome_and_quotes(&mut first, 5).await;
    recv_welcome_and_quotes(&mut second, 5).await;

    let resp = http(server.addr, &upgrade_request("/ws", "")).await;
    assert_eq!(resp.status, 503);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.json()["error"]["code"], "overloaded", "{}", resp.body);
    match tokio_tungstenite::connect_async(server.url("/ws")).await {
        Err(WsError::Http(resp)) => assert_eq!(resp.status(), 503),
        other => panic!("expected HTTP 503, got {other:?}"),
    }
    // Health checks still get through while the server is full.
    assert_eq!(http_get(server.addr, "/health").await.status, 200);
    assert!(server.metric("ticker_ws_refused_full_total").await >= 2);

    // A freed slot is usable again.
    first.close(None).await.unwrap();
    server
        .wait_for_metric("ticker_ws_connections", |open| open == 1)
        .await;
    let mut third = connect(&server, "/ws").await;
    recv_welcome_and_quotes(&mut third, 5).await;
    assert_usable(&mut second, 1).await;
}

#[tokio::test]
async fn a_disallowed_origin_gets_403_and_listed_or_absent_origins_connect() {
    let server = TestServer::spawn(WsConfig {
        allowed_origins: vec!["http://good.example".to_owned()],
        ..config()
    })
    .await;
    let resp = http(
        server.addr,
        &upgrade_request("/ws", "Origin: http://evil.example\r\n"),
    )
    .await;
    assert_eq!(resp.status, 403);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.json()["error"]["code"], "origin_not_allowed");

    let mut request = server.url("/ws").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("origin", "http://good.example".parse().unwrap());
    let (mut ws, _) = timeout(PATIENCE, tokio_tungstenite::connect_async(request))
        .await
        .unwrap()
        .unwrap();
    recv_type(&mut ws, "welcome").await;
    // Non-browser clients send no Origin at all.
    let mut ws = connect(&server, "/ws").await;
    recv_type(&mut ws, "welcome").await;
}

#[tokio::test]
async fn a_peer_that_never_answers_pings_is_dropped_after_two_intervals() {
    const PING_MS: u64 = 100;
    let server = TestServer::spawn(WsConfig {
        ping_interval_ms: PING_MS,
        ..config()
    })
    .await;
    // A healthy client keeps reading, so tungstenite answers every ping for it.
    let mut healthy = connect(&server, "/ws?symbols=AAPL").await;
    recv_type(&mut healthy, "welcome").await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let reader = tokio::spawn(async move {
        let mut pings = 0;
        let mut stopped = std::pin::pin!(stopped);
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                msg = futures_util::StreamExt::next(&mut healthy) => match msg {
                    Some(Ok(Message::Ping(_))) => pings += 1,
                    Some(Ok(_)) => {}
                    other => panic!("the healthy client was closed: {other:?}"),
                },
            }
        }
        (healthy, pings)
    });

    let started = Instant::now();
    let mut silent = raw_websocket(server.addr).await;
    server
        .wait_for_metric("ticker_ws_closed_heartbeat_total", |n| n == 1)
        .await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(2 * PING_MS),
        "closed after {took:?}, before two ping intervals"
    );
    assert!(
        took < Duration::from_millis(3 * PING_MS + 1000),
        "closed only after {took:?}"
    );
    server
        .wait_for_metric("ticker_ws_connections", |open| open == 1)
        .await;
    // The silent peer's socket is closed: reading it ends.
    let mut sink = vec![0u8; 64 * 1024];
    timeout(PATIENCE, async {
        while matches!(silent.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await
    .expect("the silent peer's socket stayed open");

    let _ = stop.send(());
    let (mut healthy, pings) = reader.await.unwrap();
    assert!(pings >= 3, "only {pings} pings");
    assert_usable(&mut healthy, 1).await;
    assert_eq!(server.metric("ticker_ws_closed_heartbeat_total").await, 1);
}

#[tokio::test]
async fn pings_are_spread_over_the_interval_and_each_client_gets_one_per_interval() {
    const PING_MS: u64 = 400;
    const CLIENTS: usize = 20;
    const INTERVALS: u64 = 4;
    let server = TestServer::spawn(WsConfig {
        ping_interval_ms: PING_MS,
        ..config()
    })
    .await;
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let mut ws = connect(&server, "/ws?symbols=").await;
        recv_type(&mut ws, "welcome").await;
        clients.push(ws);
    }
    // Every client reads (answering pings) for a few intervals and notes when each came.
    let started = Instant::now();
    let window = Duration::from_millis(INTERVALS * PING_MS);
    let readers: Vec<_> = clients
        .into_iter()
        .map(|mut ws| {
            tokio::spawn(async move {
                let mut pings = Vec::new();
                while let Ok(msg) = timeout(
                    window.saturating_sub(started.elapsed()),
                    futures_util::StreamExt::next(&mut ws),
                )
                .await
                {
                    match msg {
                        Some(Ok(Message::Ping(_))) => pings.push(started.elapsed()),
                        Some(Ok(_)) => {}
                        other => panic!("a client was closed: {other:?}"),
                    }
                }
                pings
            })
        })
        .collect();
    let mut firsts = Vec::new();
    for reader in readers {
        let pings = reader.await.unwrap();
        // Once per interval: not one per slice of it, and none left out.
        assert!(
            (INTERVALS - 1..=INTERVALS + 1).contains(&(pings.len() as u64)),
            "{} pings in {INTERVALS} intervals: {pings:?}",
            pings.len()
        );
        firsts.push(pings[0]);
    }
    // Not all at once: the clients' pings are spread over the interval.
    let spread = *firsts.iter().max().unwrap() - *firsts.iter().min().unwrap();
    assert!(
        spread >= Duration::from_millis(PING_MS / 4),
        "every client was pinged within {spread:?} of the others"
    );
    assert_eq!(server.metric("ticker_ws_closed_heartbeat_total").await, 0);
}

#[tokio::test]
async fn shutdown_closes_every_client_with_1001_and_run_returns_within_the_grace_period() {
    const GRACE_MS: u64 = 500;
    const REPLAY: u64 = 600;
    let mut server = TestServer::spawn(WsConfig {
        shutdown_grace_ms: GRACE_MS,
        replay_ticks: REPLAY as usize,
        send_buffer_bytes: 4096,
        ..config()
    })
    .await;
    let mut clients = Vec::new();
    for path in [
        "/ws",
        "/ws?format=batch",
        "/ws?format=array",
        "/?symbols=AAPL",
    ] {
        let mut ws = connect(&server, path).await;
        // Every session has started once its first message is in.
        assert!(futures_util::StreamExt::next(&mut ws).await.is_some());
        clients.push(ws);
    }
    // A client that reads nothing asks for the whole replay window: far more than the socket
    // buffers hold, so its session is stuck writing (for the 10 s stall timeout) and can only
    // be left behind when the grace period ends.
    let since = server.seq().0 - REPLAY;
    let _stuck = stalled_client(&server, &format!("/ws?since={since}")).await;
    server
        .wait_for_metric("ticker_ws_connections", |open| open == 5)
        .await;

    let started = Instant::now();
    let handle = server.shutdown();
    for ws in &mut clients {
        assert_eq!(recv_close(ws).await, Some(CloseCode::Away));
    }
    let result = timeout(PATIENCE, handle)
        .await
        .expect("run did not return")
        .unwrap();
    result.unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(GRACE_MS),
        "run returned after {took:?}, before the stuck session or the grace period ended"
    );
    assert!(
        took < Duration::from_millis(GRACE_MS + 2000),
        "run returned only after {took:?}"
    );
}

#[tokio::test]
async fn shutdown_during_a_half_written_replay_never_corrupts_the_stream() {
    const REPLAY: u64 = 600;
    let mut server = TestServer::spawn(WsConfig {
        replay_ticks: REPLAY as usize,
        send_buffer_bytes: 8192,
        shutdown_grace_ms: 2000,
        ..config()
    })
    .await;
    let since = server.seq().0 - (REPLAY - 10);
    let mut slow = stalled_client(&server, &format!("/ws?since={since}")).await;
    server
        .wait_for_metric("ticker_ws_connections", |open| open == 1)
        .await;
    // Take a few frames so the server is mid-way through its replay write, then stop it.
    for _ in 0..20 {
        timeout(PATIENCE, futures_util::StreamExt::next(&mut slow))
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
    let handle = server.shutdown();
    // The client keeps reading, so the server finishes the half-written frame and then says
    // goodbye properly. A close frame spliced into the partial frame would instead surface as
    // a protocol or UTF-8 error, or as a connection reset without a close.
    let code = loop {
        match timeout(PATIENCE, futures_util::StreamExt::next(&mut slow))
            .await
            .expect("the stream must end")
        {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| f.code),
            Some(Ok(_)) => tokio::time::sleep(Duration::from_micros(200)).await,
            Some(Err(e)) => panic!("corrupt or cut stream: {e}"),
            None => panic!("the stream ended without a close frame"),
        }
    };
    assert_eq!(code, Some(CloseCode::Away));
    timeout(PATIENCE, handle).await.unwrap().unwrap().unwrap();
}
