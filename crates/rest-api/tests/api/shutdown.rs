//! Graceful shutdown: requests in flight finish, idle connections close at once, new
//! connections are refused, and `run` returns within the grace period.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rest_api::{RestConfig, Settings};
use ticker_core::{ManualClock, Market};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

use crate::helpers::{
    market_config, request_bytes, rest_config, spawn_app_with, within, Client, TestApp, NOW_MS,
};

/// Waits until connecting to `addr` is refused: the listener is gone.
async fn refused(addr: SocketAddr) {
    within("the listener to close", async {
        loop {
            match TcpStream::connect(addr).await {
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => return,
                // Queued on (or reset by) a listener that is closing: try again shortly.
                Ok(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err(e) => panic!("connect failed with {e}, not a refusal"),
            }
        }
    })
    .await;
}

/// Starts `GET target` on a new connection and returns once its handler is running, without
/// reading the answer. The request carries a one-byte body behind `expect: 100-continue`, and
/// the server asks for the body (`100 Continue`) only from inside the handler.
async fn start_request(app: &TestApp, target: &str) -> Client {
    let mut client = app.connect().await;
    let expect = [("content-length", "1"), ("expect", "100-continue")];
    client.send(&request_bytes("GET", target, &expect)).await;
    assert_eq!(client.read_response().await.status, 100);
    client.send(b"x").await;
    client
}

#[tokio::test]
async fn a_request_in_flight_completes_during_shutdown_while_new_connections_are_refused() {
    let mut app = spawn_app_with(RestConfig {
        shutdown_grace_ms: 5000,
        ..rest_config()
    })
    .await;
    let addr = app.addr;
    let mut client = start_request(&app, "/debug/sleep?ms=500").await;

    let triggered = Instant::now();
    app.trigger_shutdown();
    refused(addr).await;
    assert!(!app.has_stopped(), "run returned with a request in flight");

    let resp = client.read_response().await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), r#"{"slept":true}"#);
    assert_eq!(resp.header("connection"), Some("close"));
    client.closed().await;
    app.stopped().await.unwrap();
    assert!(
        triggered.elapsed() < Duration::from_millis(5000),
        "run took the whole grace period"
    );
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed_at_once_on_shutdown() {
    let mut app = spawn_app_with(RestConfig {
        shutdown_grace_ms: 5000,
        ..rest_config()
    })
    .await;
    let mut client = app.connect().await;
    assert_eq!(client.get("/api/v1/symbols").await.status, 200);
    let triggered = Instant::now();
    app.trigger_shutdown();
    client.closed().await;
    app.stopped().await.unwrap();
    assert!(
        triggered.elapsed() < Duration::from_millis(2000),
        "an idle connection held shutdown for {:?}",
        triggered.elapsed()
    );
}

#[tokio::test]
async fn a_connection_that_never_sent_a_request_does_not_delay_shutdown() {
    let mut app = spawn_app_with(RestConfig {
        shutdown_grace_ms: 5000,
        ..rest_config()
    })
    .await;
    let mut silent = app.connect().await;
    // Accepts are in order: once a later connection is answered, the silent one is admitted.
    assert_eq!(app.get("/api/v1/symbols").await.status, 200);
    let triggered = Instant::now();
    app.trigger_shutdown();
    silent.closed().await;
    app.stopped().await.unwrap();
    assert!(
        triggered.elapsed() < Duration::from_millis(2000),
        "a silent connection held shutdown for {:?}",
        triggered.elapsed()
    );
}

#[tokio::test]
async fn run_returns_after_the_grace_period_and_closes_what_is_left() {
    let mut app = spawn_app_with(RestConfig {
        shutdown_grace_ms: 300,
        ..rest_config()
    })
    .await;
    let mut client = start_request(&app, "/debug/sleep?ms=4000").await;
    let triggered = Instant::now();
    app.trigger_shutdown();
    app.stopped().await.unwrap();
    let took = triggered.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(2000),
        "run returned after {took:?} with a 300 ms grace period"
    );
    // The request that outlived the grace period is cut off, not answered later.
    let cut = client.closed().await;
    assert!(cut < Duration::from_millis(2000), "closed after {cut:?}");
}

#[tokio::test]
async fn run_refuses_invalid_settings_naming_the_flag() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let settings = Settings {
        rest: RestConfig {
            max_connections: 0,
            ..rest_config()
        },
        market: Arc::new(Market::new(market_config()).unwrap()),
        clock: Arc::new(ManualClock::new(NOW_MS)),
    };
    let err = within(
        "run to fail",
        rest_api::run(listener, settings, std::future::pending()),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(err.to_string(), "--max-connections: 0 must be at least 1");
}
