//! Size limits (414, 431, 413) at their exact boundaries, and admission control (503), all
//! answered in JSON. Requests are sized so the server reads every byte sent before it closes,
//! so the answer is never lost to a TCP reset.

use std::time::Duration;

use rest_api::RestConfig;

use crate::helpers::{request_bytes, rest_config, spawn_app, spawn_app_with, within, Client};

/// Default limits of [`RestConfig`].
const MAX_URI: usize = 4096;
const MAX_HEAD: usize = 16_384;
const MAX_BODY: usize = 16_384;

/// `GET /api/v1/symbols` padded with one header to exactly `total` bytes of head.
fn head_of_size(total: usize) -> Vec<u8> {
    let base = request_bytes("GET", "/api/v1/symbols", &[("x-pad", "")]).len();
    let pad = "p".repeat(total - base);
    let head = request_bytes("GET", "/api/v1/symbols", &[("x-pad", &pad)]);
    assert_eq!(head.len(), total);
    head
}

/// A request target of exactly `len` bytes that routes to `/api/v1/symbols`.
fn target_of_size(len: usize) -> String {
    let prefix = "/api/v1/symbols?_=";
    format!("{prefix}{}", "a".repeat(len - prefix.len()))
}

#[tokio::test]
async fn uri_at_the_limit_is_served_and_one_byte_more_is_414() {
    let app = spawn_app().await;
    assert_eq!(app.get(&target_of_size(MAX_URI)).await.status, 200);

    let mut client = app.connect().await;
    let resp = client.get(&target_of_size(MAX_URI + 1)).await;
    let msg = resp.error_message(414, "uri_too_long");
    assert_eq!(msg, "the request target exceeds 4096 bytes");
    assert_eq!(resp.header("connection"), Some("close"));
    client.closed().await;
}

#[tokio::test]
async fn head_at_the_byte_limit_is_served_and_one_byte_more_is_431() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    client.send(&head_of_size(MAX_HEAD)).await;
    assert_eq!(client.read_response().await.status, 200);

    let mut client = app.connect().await;
    client.send(&head_of_size(MAX_HEAD + 1)).await;
    let resp = client.read_response().await;
    let msg = resp.error_message(431, "headers_too_large");
    assert_eq!(
        msg,
        "the request head exceeds 16384 bytes or 64 header fields"
    );
    client.closed().await;
}

#[tokio::test]
async fn more_header_fields_than_the_limit_is_431() {
    let app = spawn_app().await;
    let names: Vec<String> = (0..64).map(|i| format!("x-h{i}")).collect();
    let fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
    // `host` plus 63 more is exactly the limit of 64.
    let mut client = app.connect().await;
    let resp = client
        .request("GET", "/api/v1/symbols", &fields[..63])
        .await;
    assert_eq!(resp.status, 200);

    let resp = client.request("GET", "/api/v1/symbols", &fields).await;
    let msg = resp.error_message(431, "headers_too_large");
    assert_eq!(
        msg,
        "the request head exceeds 16384 bytes or 64 header fields"
    );
    client.closed().await;
}

#[tokio::test]
async fn declared_body_over_the_limit_is_413_before_it_is_sent() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    let too_long = (MAX_BODY + 1).to_string();
    let resp = client
        .request("GET", "/api/v1/symbols", &[("content-length", &too_long)])
        .await;
    let msg = resp.error_message(413, "body_too_large");
    assert_eq!(msg, "request bodies are limited to 16384 bytes");
    assert_eq!(resp.header("connection"), Some("close"));
    client.closed().await;
}

#[tokio::test]
async fn chunked_body_over_the_limit_is_413() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    let mut req = request_bytes(
        "GET",
        "/api/v1/symbols",
        &[("transfer-encoding", "chunked")],
    );
    req.extend_from_slice(format!("{:x}\r\n", MAX_BODY + 1).as_bytes());
    req.extend(std::iter::repeat_n(b'b', MAX_BODY + 1));
    req.extend_from_slice(b"\r\n0\r\n\r\n");
    client.send(&req).await;
    let resp = client.read_response().await;
    let msg = resp.error_message(413, "body_too_large");
    assert_eq!(msg, "request bodies are limited to 16384 bytes");
    assert_eq!(resp.header("connection"), Some("close"));
    client.closed().await;
}

#[tokio::test]
async fn bodies_within_the_limit_are_read_and_then_the_connection_closes() {
    let app = spawn_app().await;
    // By content-length, exactly at the limit.
    let mut client = app.connect().await;
    let mut req = request_bytes(
        "GET",
        "/api/v1/symbols",
        &[("content-length", &MAX_BODY.to_string())],
    );
    req.extend(std::iter::repeat_n(b'b', MAX_BODY));
    client.send(&req).await;
    let resp = client.read_response().await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("connection"), Some("close"));
    client.closed().await;

    // Chunked, in two chunks.
    let mut client = app.connect().await;
    let mut req = request_bytes(
        "GET",
        "/api/v1/symbols",
        &[("transfer-encoding", "chunked")],
    );
    req.extend_from_slice(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    client.send(&req).await;
    let resp = client.read_response().await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("connection"), Some("close"));
    client.closed().await;
}

#[tokio::test]
async fn connections_over_max_connections_get_503_json_until_one_closes() {
    let app = spawn_app_with(RestConfig {
        max_connections: 1,
        ..rest_config()
    })
    .await;
    let mut held = app.connect().await;
    assert_eq!(held.get("/api/v1/symbols").await.status, 200);

    let mut refused = app.connect().await;
    refused
        .send(&request_bytes("GET", "/api/v1/symbols", &[]))
        .await;
    let resp = refused.read_response().await;
    let msg = resp.error_message(503, "overloaded");
    assert_eq!(
        msg,
        "the server is at its limit of 1 connections; retry shortly"
    );
    assert_eq!(resp.header("access-control-allow-origin"), Some("*"));
    assert_eq!(resp.header("connection"), Some("close"));
    refused.closed().await;

    // The admitted connection is unaffected, and the refusal is counted.
    let metrics = held.get("/metrics").await;
    assert!(metrics
        .text()
        .contains("\nticker_rest_connections_refused_total 1\n"));
    assert!(metrics
        .text()
        .contains("\nticker_rest_open_connections 1\n"));

    // Once it closes, its slot is free again (released asynchronously, so poll for it).
    drop(held);
    within("a connection to be admitted again", async {
        loop {
            let mut client = Client::connect(app.addr).await;
            let resp = client.get("/api/v1/symbols").await;
            if resp.status == 200 {
                break;
            }
            resp.error_message(503, "overloaded");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn the_503_refusal_claims_no_cors_origin_when_origins_are_listed() {
    let app = spawn_app_with(RestConfig {
        max_connections: 1,
        cors_origins: vec!["http://localhost:5173".to_owned()],
        ..rest_config()
    })
    .await;
    let mut held = app.connect().await;
    assert_eq!(held.get("/api/v1/symbols").await.status, 200);
    let mut refused = app.connect().await;
    refused
        .send(&request_bytes(
            "GET",
            "/api/v1/symbols",
            &[("origin", "http://evil.example")],
        ))
        .await;
    let resp = refused.read_response().await;
    resp.error_message(503, "overloaded");
    assert_eq!(resp.header("access-control-allow-origin"), None);
}
