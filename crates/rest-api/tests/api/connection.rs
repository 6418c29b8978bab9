//! One connection's life: keep-alive, pipelining, HEAD, and the clocks that end it (idle
//! timeout, header timeout against slowloris, body timeout).

use std::time::Duration;

use rest_api::RestConfig;
use tokio::time::Instant;

use crate::helpers::{request_bytes, rest_config, spawn_app, spawn_app_with, Client};

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    for path in ["/api/v1/symbols", "/api/v1/latest/AAPL", "/nope"] {
        let resp = client.get(path).await;
        assert_ne!(resp.header("connection"), Some("close"), "{path}");
    }
    let metrics = client.get("/metrics").await;
    assert!(
        metrics
            .text()
            .contains("\nticker_rest_connections_accepted_total 1\n"),
        "all four requests used the one connection"
    );
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order() {
    let app = spawn_app().await;
    let tick = app.tick();
    let mut client = app.connect().await;
    let mut batch = request_bytes("GET", "/api/v1/latest/TSLA", &[]);
    batch.extend(request_bytes("GET", "/nope", &[]));
    batch.extend(request_bytes("GET", "/api/v1/latest/AAPL", &[]));
    client.send(&batch).await;

    let first = client.read_response().await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body, app.quote_json("TSLA", tick));
    client.read_response().await.error_message(404, "not_found");
    let third = client.read_response().await;
    assert_eq!(third.status, 200);
    assert_eq!(third.body, app.quote_json("AAPL", tick));
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    for path in [
        "/api/v1/latest/AAPL",
        "/api/v1/latest",
        "/api/v1/symbols",
        "/nope",
    ] {
        let get = client.get(path).await;
        let head = client.request("HEAD", path, &[]).await;
        assert_eq!(head.status, get.status, "{path}");
        assert_eq!(head.header_names(), get.header_names(), "{path}");
        for name in ["content-type", "content-length", "cache-control"] {
            assert_eq!(head.header(name), get.header(name), "{path}: {name}");
        }
        assert!(head.body.is_empty());
    }
    // Had a body followed the HEAD answer, this response would not parse.
    let resp = client.get("/api/v1/latest/MSFT").await;
    assert_eq!(resp.body, app.quote_json("MSFT", app.tick()));
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let app = spawn_app_with(RestConfig {
        idle_timeout_ms: 500,
        ..rest_config()
    })
    .await;
    let mut client = app.connect().await;
    assert_eq!(client.get("/api/v1/symbols").await.status, 200);
    assert!(
        client.still_open_after(Duration::from_millis(100)).await,
        "closed well before the idle timeout"
    );
    assert_eq!(client.get("/api/v1/symbols").await.status, 200);
    let idle = client.closed().await;
    assert!(
        idle >= Duration::from_millis(400),
        "closed after {idle:?} of a 500 ms idle timeout"
    );
}

#[tokio::test]
async fn a_keep_alive_connection_survives_a_request_longer_than_the_idle_timeout() {
    let app = spawn_app_with(RestConfig {
        idle_timeout_ms: 200,
        ..rest_config()
    })
    .await;
    let mut client = app.connect().await;
    let slow = client.get("/debug/sleep?ms=400").await;
    assert_eq!(slow.status, 200);
    assert_eq!(slow.text(), r#"{"slept":true}"#);
    assert_ne!(slow.header("connection"), Some("close"));
    // The connection was busy, not idle: the next request on it is answered.
    assert_eq!(client.get("/api/v1/symbols").await.status, 200);
}

#[tokio::test]
async fn a_dripping_head_gets_408_json_then_the_connection_closes() {
    let app = spawn_app_with(RestConfig {
        header_timeout_ms: 300,
        ..rest_config()
    })
    .await;
    let mut client = app.connect().await;
    let started = Instant::now();
    let mut head = b"GET /api/v1/symbols HTTP/1.1\r\nhost: x\r\nx-slow: ".to_vec();
    head.extend(std::iter::repeat_n(b'z', 1000));
    let sent = client.drip(&head, Duration::from_millis(30)).await;
    let resp = client.read_response().await;
    let waited = started.elapsed();
    let msg = resp.error_message(408, "request_timeout");
    assert_eq!(msg, "the request head did not arrive within 0.3 s");
    assert_eq!(resp.header("connection"), Some("close"));
    assert_eq!(resp.header("access-control-allow-origin"), Some("*"));
    assert!(
        waited >= Duration::from_millis(300),
        "answered after {waited:?}"
    );
    assert!(
        sent >= 5,
        "only {sent} bytes were dripped: the test did not drip"
    );
    client.closed().await;
}

#[tokio::test]
async fn a_head_started_after_an_idle_period_must_finish_within_the_header_timeout() {
    let app = spawn_app_with(RestConfig {
        header_timeout_ms: 300,
        ..rest_config()
    })
    .await;
    let mut client = app.connect().await;
    assert_eq!(client.get("/api/v1/symbols").await.status, 200);
    client.send(b"GET /api/v1/symbols HTTP/1.1\r\n").await;
    let started = Instant::now();
    let resp = client.read_response().await;
    resp.error_message(408, "request_timeout");
    assert!(started.elapsed() >= Duration::from_millis(250));
    client.closed().await;
}

#[tokio::test]
async fn a_connection_that_never_speaks_is_closed_after_the_header_timeout_without_an_answer() {
    let app = spawn_app_with(RestConfig {
        header_timeout_ms: 300,
        ..rest_config()
    })
    .await;
    let mut client = app.connect().await;
    let waited = client.closed().await;
    assert!(
        waited >= Duration::from_millis(250),
        "closed after {waited:?}"
    );
}

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408_json() {
    let app = spawn_app_with(RestConfig {
        header_timeout_ms: 300,
        ..rest_config()
    })
    .await;
    let mut client = app.connect().await;
    let mut req = request_bytes("GET", "/api/v1/symbols", &[("content-length", "10")]);
    req.extend_from_slice(b"abc");
    client.send(&req).await;
    let resp = client.read_response().await;
    let msg = resp.error_message(408, "request_timeout");
    assert_eq!(msg, "the request body did not arrive in time");
    assert_eq!(resp.header("connection"), Some("close"));
    client.closed().await;
}

#[tokio::test]
async fn a_request_followed_by_a_half_close_is_still_answered() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    client
        .send(&request_bytes("GET", "/api/v1/latest/TSLA", &[]))
        .await;
    client.shutdown_write().await;
    let resp = client.read_response().await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, app.quote_json("TSLA", app.tick()));
    client.closed().await;
}

#[tokio::test]
async fn an_http_1_0_request_is_answered_and_the_connection_closed() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    client
        .send(b"GET /api/v1/latest/AMZN HTTP/1.0\r\nhost: x\r\n\r\n")
        .await;
    let resp = client.read_response().await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, app.quote_json("AMZN", app.tick()));
    client.closed().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_after_the_write_timeout() {
    let app = spawn_app_with(RestConfig {
        write_timeout_ms: 300,
        ..rest_config()
    })
    .await;
    let target = "/api/v1/history/AAPL?interval=1s&limit=1000";
    let one_answer = app.get(target).await.body.len();
    assert!(one_answer > 100_000);

    // 200 answers of over 100 kB each are far more than the socket buffers hold.
    const ASKED: usize = 200;
    let mut client = Client::connect_with_receive_buffer(app.addr, 4096).await;
    client
        .send(&request_bytes("GET", target, &[]).repeat(ASKED))
        .await;
    let waited = client.reset_without_reading().await;
    assert!(
        waited >= Duration::from_millis(250),
        "dropped after {waited:?}, before the 300 ms write timeout"
    );
    let received = client.bytes_until_closed().await;
    assert!(received.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(received.len() < ASKED * one_answer);
}
