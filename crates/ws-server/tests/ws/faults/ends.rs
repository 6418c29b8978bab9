//! Faults that end or refuse connections, and the switch: disconnects after a time or a
//! number of ticks (with a close code, without a close frame, or with a reset), refused
//! upgrades for the first attempts of a client id, and every fault parameter refused when the
//! server does not allow faults.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use ws_server::cli::FaultConfig;

use super::{advance, faults_metric, faulty_server, spec, start_batch};
use crate::helpers::{config, connect, http, recv_json, upgrade_request, TestServer, Ws, PATIENCE};

/// Reads to the end of the stream: the close frame's code and reason, or `None` when the
/// connection ended without one (with the error that ended it, if any).
async fn end_of(ws: &mut Ws) -> Result<(CloseCode, String), Option<WsError>> {
    loop {
        match timeout(PATIENCE, ws.next())
            .await
            .expect("the connection did not end")
        {
            Some(Ok(Message::Close(Some(frame)))) => {
                return Ok((frame.code, frame.reason.as_str().to_owned()))
            }
            Some(Ok(Message::Close(None))) | None => return Err(None),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(Some(e)),
        }
    }
}

#[tokio::test]
async fn a_disconnect_after_n_ticks_closes_with_the_chosen_code() {
    let server = faulty_server(|_| {}).await;
    let mut healthy = connect(&server, "/ws?symbols=AAPL&format=batch").await;
    let mut ws = connect(
        &server,
        "/ws?symbols=AAPL&format=batch&fault_disconnect_ticks=5&fault_close=4001",
    )
    .await;
    let start = start_batch(&mut healthy).await;
    start_batch(&mut ws).await;
    advance(&server, &mut healthy, 6).await;
    for seq in start.0 + 1..=start.0 + 5 {
        assert_eq!(recv_json(&mut ws).await["seq"], seq);
    }
    let (code, reason) = end_of(&mut ws).await.expect("a close frame");
    assert_eq!((u16::from(code), reason.as_str()), (4001, "fault injected"));
    assert_eq!(server.metric(&faults_metric("disconnect")).await, 1);
}

#[tokio::test]
async fn a_random_disconnect_comes_at_the_same_tick_for_the_same_url() {
    let server = faulty_server(|_| {}).await;
    let query =
        "symbols=AAPL&format=batch&fault_seed=5&fault_disconnect_ticks=3-30&fault_close=1011";
    let after = spec(query).disconnect_after_ticks().unwrap();
    assert!((3..=30).contains(&after));
    let mut healthy = connect(&server, "/ws?symbols=AAPL&format=batch").await;
    let mut a = connect(&server, &format!("/ws?{query}")).await;
    let mut b = connect(&server, &format!("/ws?{query}")).await;
    start_batch(&mut healthy).await;
    start_batch(&mut a).await;
    start_batch(&mut b).await;
    advance(&server, &mut healthy, 31).await;
    for ws in [&mut a, &mut b] {
        let mut ticks = 0;
        let end = loop {
            match timeout(PATIENCE, ws.next()).await.unwrap() {
                Some(Ok(Message::Text(_))) => ticks += 1,
                Some(Ok(Message::Close(frame))) => break frame.map(|f| f.code),
                other => panic!("unexpected {other:?}"),
            }
        };
        assert_eq!((ticks, end), (after, Some(CloseCode::Error)));
    }
}

#[tokio::test]
async fn a_timed_disconnect_drops_the_connection_without_a_close_frame() {
    let server = faulty_server(|_| {}).await;
    let opened = Instant::now();
    let mut ws = connect(
        &server,
        "/ws?symbols=AAPL&format=batch&fault_disconnect_ms=300",
    )
    .await;
    start_batch(&mut ws).await;
    let ended = end_of(&mut ws).await;
    assert!(opened.elapsed() >= Duration::from_millis(300));
    // tungstenite reports a TCP end without a close handshake as this error (a browser: 1006).
    assert!(
        matches!(
            ended,
            Err(Some(WsError::Protocol(
                tokio_tungstenite::tungstenite::error::ProtocolError::ResetWithoutClosingHandshake
            )))
        ),
        "{ended:?}"
    );
    assert_eq!(server.metric(&faults_metric("disconnect")).await, 1);
}

#[tokio::test]
async fn a_reset_disconnect_ends_the_connection_with_a_tcp_reset() {
    let server = faulty_server(|_| {}).await;
    let mut ws = connect(
        &server,
        "/ws?symbols=AAPL&format=batch&fault_disconnect_ms=200&fault_close=reset",
    )
    .await;
    start_batch(&mut ws).await;
    match end_of(&mut ws).await {
        Err(Some(WsError::Io(e))) => {
            assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}");
        }
        other => panic!("expected a reset, got {other:?}"),
    }
}

/// Attempts an upgrade with a raw request; returns the response.
async fn attempt(server: &TestServer, path: &str) -> crate::helpers::HttpResponse {
    http(server.addr, &upgrade_request(path, "")).await
}

#[tokio::test]
async fn the_first_attempts_of_a_client_id_are_refused_then_it_connects() {
    let server = faulty_server(|_| {}).await;
    let path = "/ws?fault_refuse=2&fault_client=dash-1";
    for n in 1..=2 {
        let resp = attempt(&server, path).await;
        assert_eq!(resp.status, 503, "attempt {n}");
        assert_eq!(resp.header("retry-after"), Some("1"));
        assert_eq!(resp.header("x-ticker-fault"), Some("refuse"));
        let e = resp.json();
        assert_eq!(e["error"]["code"], "fault_injected");
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("attempt {n} of the 2 refused")),
            "{e}"
        );
    }
    assert_eq!(attempt(&server, path).await.status, 101);
    connect(&server, path).await;
    // Another id has its own count; 429 takes the chosen Retry-After, 500 none.
    let resp = attempt(
        &server,
        "/ws?fault_refuse=1&fault_client=dash-2&fault_refuse_status=429&fault_retry_after=7",
    )
    .await;
    assert_eq!((resp.status, resp.header("retry-after")), (429, Some("7")));
    let resp = attempt(
        &server,
        "/ws?fault_refuse=1&fault_client=dash-3&fault_refuse_status=500",
    )
    .await;
    assert_eq!((resp.status, resp.header("retry-after")), (500, None));
    assert_eq!(server.metric(&faults_metric("refuse")).await, 4);
    assert_eq!(server.metric("ticker_ws_fault_clients").await, 3);
}

#[tokio::test]
async fn client_ids_are_forgotten_after_their_ttl_and_bounded_in_number() {
    let server = faulty_server(|ws| {
        ws.faults.client_ttl_ms = 300;
        ws.faults.max_clients = 2;
    })
    .await;
    let path = |id: &str| format!("/ws?fault_refuse=1&fault_client={id}");
    assert_eq!(attempt(&server, &path("a")).await.status, 503);
    assert_eq!(attempt(&server, &path("a")).await.status, 101);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(attempt(&server, &path("a")).await.status, 503, "forgotten");
    // Full (a, b): c pushes out the id seen longest ago, a, which then starts over.
    assert_eq!(attempt(&server, &path("b")).await.status, 503);
    assert_eq!(attempt(&server, &path("c")).await.status, 503);
    assert_eq!(server.metric("ticker_ws_fault_clients").await, 2);
    assert_eq!(attempt(&server, &path("a")).await.status, 503, "evicted");
    assert_eq!(attempt(&server, &path("c")).await.status, 101);
}

#[tokio::test]
async fn fault_parameters_are_refused_unless_faults_are_allowed() {
    let server = TestServer::spawn(config()).await;
    for path in [
        "/ws?fault_drop=0.1",
        "/?symbols=AAPL&fault_refuse=1&fault_client=x",
        "/ws?fault_whatever=1",
    ] {
        let resp = attempt(&server, path).await;
        assert_eq!(resp.status, 400, "{path}");
        let e = resp.json();
        assert_eq!(e["error"]["code"], "faults_disabled", "{path}");
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains("start it with --faults allow"),
            "{e}"
        );
    }
    connect(&server, "/ws?symbols=AAPL").await;
    assert_eq!(server.metric(&faults_metric("refuse")).await, 0);

    // Allowed, a bad parameter is named.
    let allowed = TestServer::spawn(ws_server::WsConfig {
        faults: FaultConfig::allow(),
        ..config()
    })
    .await;
    let resp = attempt(&allowed, "/ws?fault_drop=1.5").await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["error"]["code"], "invalid_fault");
    assert_eq!(
        resp.json()["error"]["message"],
        "`fault_drop`: \"1.5\" is not a fraction from 0 to 1 (e.g. 0.25)"
    );
}
