//! `HEAD` on every error path: the same status and headers as `GET` (the `content-length` of
//! the body `GET` gets), and not one byte of body (RFC 9110 §9.3.2). The answers that do not
//! come from a handler matter most here: heads the guard rejects, the header timeout, and the
//! 503 written before hyper ever sees the connection.

use rest_api::RestConfig;

use crate::helpers::{rest_config, spawn_app_with, Client, Response, TestApp};

/// The request `raw` (which starts with `GET `) sent once as it is and once as `HEAD`, each on
/// a new connection. The `HEAD` answer must be a head alone: after it the server closes the
/// connection without another byte (every request here ends its connection).
async fn get_and_head(app: &TestApp, raw: &[u8]) -> (Response, Response) {
    let (get, head) = (raw.to_vec(), [b"HEAD ", &raw[4..]].concat());
    let mut client = app.connect().await;
    client.send(&get).await;
    let get = client.read_response().await;
    let mut client = app.connect().await;
    client.send(&head).await;
    let head = client.read_bodyless_response().await;
    client.closed().await;
    (get, head)
}

/// Asserts that `head` answers like `get` without its body, and that `get` is the expected
/// JSON error.
fn assert_like_get(what: &str, get: &Response, head: &Response, status: u16, code: &str) {
    get.error_message(status, code);
    assert_eq!(head.status, status, "{what}");
    assert_eq!(head.header_names(), get.header_names(), "{what}");
    for name in [
        "content-type",
        "content-length",
        "access-control-allow-origin",
        "connection",
    ] {
        assert_eq!(head.header(name), get.header(name), "{what}: {name}");
    }
    assert_eq!(
        get.header("content-length"),
        Some(get.body.len().to_string().as_str()),
        "{what}"
    );
    assert!(head.body.is_empty(), "{what}");
}

fn request(target: &str, extra: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nhost: ticker.test\r\norigin: http://localhost:5173\r\n{extra}connection: close\r\n\r\n")
        .into_bytes()
}

#[tokio::test]
async fn head_gets_every_error_without_a_body() {
    let app = spawn_app_with(RestConfig {
        header_timeout_ms: 300,
        ..rest_config()
    })
    .await;
    let long_target = format!("/api/v1/symbols?_={}", "a".repeat(5000));
    let big_header = format!("x-pad: {}\r\n", "p".repeat(17_000));
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        // Answered by handlers.
        ("unknown route", request("/nope", ""), 404, "not_found"),
        (
            "unknown symbol",
            request("/api/v1/latest/NOPE", ""),
            404,
            "unknown_symbol",
        ),
        (
            "bad query",
            request("/api/v1/history/AAPL?interval=7m", ""),
            400,
            "invalid_parameter",
        ),
        ("panic", request("/debug/panic", ""), 500, "internal_error"),
        // Answered for the request-head guard.
        (
            "bad version",
            b"GET / HTTP/7.0\r\nhost: x\r\norigin: http://localhost:5173\r\n\r\n".to_vec(),
            400,
            "bad_request",
        ),
        (
            "bad header",
            request("/api/v1/symbols", "bad header: x\r\n"),
            400,
            "bad_request",
        ),
        (
            "target too long",
            request(&long_target, ""),
            414,
            "uri_too_long",
        ),
        (
            "head too large",
            request("/api/v1/symbols", &big_header),
            431,
            "headers_too_large",
        ),
        (
            "body too large",
            request("/api/v1/symbols", "content-length: 999999\r\n"),
            413,
            "body_too_large",
        ),
        (
            "head too slow",
            b"GET /api/v1/symbols HTTP/1.1\r\norigin: http://localhost:5173\r\nx-slow: ".to_vec(),
            408,
            "request_timeout",
        ),
    ];
    for (what, raw, status, code) in cases {
        let (get, head) = get_and_head(&app, &raw).await;
        assert_like_get(what, &get, &head, status, code);
    }
}

#[tokio::test]
async fn head_gets_the_503_refusal_without_a_body() {
    let app = spawn_app_with(RestConfig {
        max_connections: 1,
        ..rest_config()
    })
    .await;
    let mut held = app.connect().await;
    assert_eq!(held.get("/api/v1/symbols").await.status, 200);
    let (get, head) = get_and_head(&app, &request("/api/v1/symbols", "")).await;
    assert_like_get("refusal", &get, &head, 503, "overloaded");
    // A client that says nothing still gets the whole answer.
    let mut silent = Client::connect(app.addr).await;
    silent
        .read_response()
        .await
        .error_message(503, "overloaded");
}
