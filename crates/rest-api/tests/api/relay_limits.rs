//! The relay's limits and failures: a ws-server that is down, slow or unreachable is a 503
//! with the JSON error shape (never a hang), `--max-relay-connections` is enforced, silent
//! connections are closed, and both services' shutdowns close relayed clients properly.

use std::time::Duration;

use futures_util::StreamExt;
use rest_api::RestConfig;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use ws_server::WsConfig;

use crate::helpers::{refusing_port, rest_config, spawn_app_with, within, Client};
use crate::relayed::{connect, raw_upgrade, recv_close, recv_json, spawn_stack};

#[tokio::test]
async fn a_ws_server_that_is_not_running_is_a_503_with_the_json_error() {
    let app = spawn_app_with(rest_config()).await;
    let started = Instant::now();
    let resp = raw_upgrade(&mut app.connect().await, "/ws", &[]).await;
    let message = resp.error_message(503, "ws_server_unavailable");
    assert!(
        message.contains(&format!("cannot connect to 127.0.0.1:{}", refusing_port())),
        "{message}"
    );
    assert!(message.contains("GET /health"), "{message}");
    assert_eq!(resp.header("connection"), Some("close"));
    assert!(started.elapsed() < Duration::from_secs(2));
    let metrics = app.get("/metrics").await;
    assert!(metrics
        .text()
        .contains("\nticker_rest_relay_unavailable_total 1\n"));
}

#[tokio::test]
async fn a_ws_server_that_never_answers_is_a_503_after_the_handshake_timeout() {
    // Accepts, reads the upgrade request, and says nothing.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut stream, _)) = silent.accept().await {
            let _ = stream.read(&mut [0u8; 4096]).await;
            held.push(stream);
        }
    });
    let app = spawn_app_with(RestConfig {
        ws_url: format!("ws://{addr}/ws"),
        relay_handshake_timeout_ms: 300,
        ..rest_config()
    })
    .await;
    let started = Instant::now();
    let resp = raw_upgrade(&mut app.connect().await, "/ws", &[]).await;
    let message = resp.error_message(503, "ws_server_unavailable");
    assert!(
        message.contains("did not answer the upgrade within 300 ms"),
        "{message}"
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_ws_server_that_cannot_be_connected_to_is_a_503_after_the_connect_timeout() {
    // A listener whose accept queue (backlog 0) is full and that never accepts: the kernel
    // drops further SYNs, so a connect hangs until its timeout.
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(([127, 0, 0, 1], 0).into()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut filler = Vec::new();
    while let Ok(Ok(stream)) =
        tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await
    {
        filler.push(stream);
        assert!(filler.len() < 64, "the accept queue never filled");
    }
    let app = spawn_app_with(RestConfig {
        ws_url: format!("ws://{addr}"),
        relay_connect_timeout_ms: 300,
        ..rest_config()
    })
    .await;
    let started = Instant::now();
    let resp = raw_upgrade(&mut app.connect().await, "/ws", &[]).await;
    let message = resp.error_message(503, "ws_server_unavailable");
    assert!(
        message.contains(&format!("no connection to {addr} within 300 ms")),
        "{message}"
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    drop(listener);
}

#[tokio::test]
async fn relayed_connections_beyond_the_limit_are_503_until_one_closes() {
    let stack = spawn_stack(
        RestConfig {
            max_relay_connections: 2,
            ..rest_config()
        },
        WsConfig::default(),
    )
    .await;
    let first = connect(&stack.relayed("/ws")).await;
    let _second = connect(&stack.relayed("/ws")).await;
    let refused = raw_upgrade(&mut Client::connect(stack.app.addr).await, "/ws", &[]).await;
    let message = refused.error_message(503, "overloaded");
    assert!(
        message.contains("limit of 2 connections (--max-relay-connections)"),
        "{message}"
    );
    assert_eq!(stack.metric("ticker_rest_relay_full_total").await, 1.0);
    assert_eq!(stack.metric("ticker_rest_relay_connections").await, 2.0);
    // Plain HTTP is not affected.
    assert_eq!(stack.app.get("/api/v1/symbols").await.status, 200);
    drop(first);
    stack
        .await_metric("ticker_rest_relay_connections", 1.0)
        .await;
    let mut third = connect(&stack.relayed("/ws?symbols=AAPL")).await;
    assert_eq!(recv_json(&mut third).await[0]["stock"], "AAPL");
}

#[tokio::test]
async fn a_relay_limit_of_zero_turns_the_relay_off() {
    let stack = spawn_stack(
        RestConfig {
            max_relay_connections: 0,
            ..rest_config()
        },
        WsConfig::default(),
    )
    .await;
    let resp = raw_upgrade(&mut Client::connect(stack.app.addr).await, "/ws", &[]).await;
    let message = resp.error_message(503, "overloaded");
    assert!(message.contains("the /ws relay is off"), "{message}");
    assert!(message.contains(&stack.ws_addr.to_string()), "{message}");
}

#[tokio::test]
async fn a_silent_relayed_connection_is_closed_after_the_idle_timeout() {
    let stack = spawn_stack(
        RestConfig {
            relay_idle_timeout_ms: 300,
            ..rest_config()
        },
        WsConfig::default(),
    )
    .await;
    // Subscribed to nothing, in array format: the ws-server sends nothing at all (its next
    // ping is 15 s away), and the client says nothing.
    let mut ws = connect(&stack.relayed("/ws?symbols=")).await;
    assert_eq!(stack.ws_sessions().await, 1.0);
    let started = Instant::now();
    let end = within("the relay to close the connection", ws.next()).await;
    assert!(
        !matches!(end, Some(Ok(_))),
        "expected the end of the stream, got {end:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(250));
    stack
        .await_metric("ticker_rest_relay_idle_closed_total", 1.0)
        .await;
    stack
        .await_metric("ticker_rest_relay_connections", 0.0)
        .await;
    // The ws-server's end of it is released too.
    within("the ws-server session to end", async {
        while stack.ws_sessions().await != 0.0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn rest_shutdown_closes_relayed_clients_with_1001_through_the_ws_server() {
    let stack = spawn_stack(
        RestConfig {
            shutdown_grace_ms: 10_000,
            ..rest_config()
        },
        WsConfig::default(),
    )
    .await;
    let mut ws = connect(&stack.relayed("/ws?format=quote&symbols=MSFT")).await;
    assert_eq!(recv_json(&mut ws).await["type"], "welcome");
    assert_eq!(recv_json(&mut ws).await["symbol"], "MSFT");
    let ws_addr = stack.ws_addr;
    let mut app = stack.app;
    let triggered = Instant::now();
    app.trigger_shutdown();
    // The relay asks the ws-server to close on the client's behalf; its close comes back.
    let close = recv_close(&mut ws)
        .await
        .expect("a close frame with a code");
    assert_eq!(close.code, CloseCode::Away);
    assert_eq!(close.reason.as_str(), "rest-api shutting down");
    app.stopped().await.unwrap();
    assert!(
        triggered.elapsed() < Duration::from_secs(5),
        "run waited {:?} with a 10 s grace period",
        triggered.elapsed()
    );
    // The ws-server ended the session (it is still up).
    let mut client = Client::connect(ws_addr).await;
    let metrics = client.get("/metrics").await;
    assert!(metrics.text().contains("\nticker_ws_connections 0\n"));
}

#[tokio::test]
async fn ws_server_shutdown_reaches_relayed_clients_and_frees_the_relay() {
    let mut stack = spawn_stack(rest_config(), WsConfig::default()).await;
    let mut ws = connect(&stack.relayed("/ws?symbols=TSLA")).await;
    assert_eq!(recv_json(&mut ws).await[0]["stock"], "TSLA");
    stack.stop_ws().await;
    let close = recv_close(&mut ws)
        .await
        .expect("a close frame with a code");
    assert_eq!(close.code, CloseCode::Away);
    assert_eq!(close.reason.as_str(), "server shutting down");
    stack
        .await_metric("ticker_rest_relay_connections", 0.0)
        .await;
    // With the ws-server gone, new upgrades are 503s.
    let resp = raw_upgrade(&mut Client::connect(stack.app.addr).await, "/ws", &[]).await;
    resp.error_message(503, "ws_server_unavailable");
}
