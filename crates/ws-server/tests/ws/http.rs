//! The plain-HTTP side of the port: `/health`, `/metrics`, and what non-WebSocket requests to
//! the WebSocket paths get.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use ws_server::WsConfig;

use crate::helpers::{
    config, connect, expect_quote_frames, http, http_get, metric_value, read_response,
    recv_welcome_and_quotes, upgrade_request, TestServer, PATIENCE,
};

#[tokio::test]
async fn health_reports_status_connections_tick_and_version() {
    let server = TestServer::spawn(config()).await;
    let resp = http_get(server.addr, "/health").await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    let health = resp.json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], ticker_core::VERSION);
    assert_eq!(health["connections"], 0);
    assert_eq!(health["tick"], server.seq().0);
    assert_eq!(health["seq"], server.seq().0);
    // The server runs in this test's process.
    assert_eq!(health["pid"], std::process::id());

    let mut ws = connect(&server, "/ws").await;
    recv_welcome_and_quotes(&mut ws, 5).await;
    let next = server.advance(1);
    expect_quote_frames(&mut ws, &server, &server.symbols(), next).await;
    let health = http_get(server.addr, "/health").await.json();
    assert_eq!(health["connections"], 1);
    assert_eq!(health["tick"], next.0);
}

#[tokio::test]
async fn metrics_are_prometheus_text_with_the_service_counters() {
    let server = TestServer::spawn(config()).await;
    let mut ws = connect(&server, "/ws").await;
    recv_welcome_and_quotes(&mut ws, 5).await;
    let resp = http_get(server.addr, "/metrics").await;
    assert_eq!(resp.status, 200);
    assert!(
        resp.header("content-type")
            .is_some_and(|c| c.starts_with("text/plain; version=0.0.4")),
        "{:?}",
        resp.headers
    );
    for name in [
        "ticker_ws_frames_dropped_total",
        "ticker_ws_closed_slow_total",
        "ticker_ws_closed_heartbeat_total",
        "ticker_ws_frames_sent_total",
    ] {
        assert!(
            resp.body.contains(&format!("# TYPE {name} counter")),
            "{name}"
        );
    }
    assert_eq!(metric_value(&resp.body, "ticker_ws_connections"), 1);
    assert_eq!(metric_value(&resp.body, "ticker_ws_sessions_total"), 1);
    assert_eq!(
        metric_value(&resp.body, "ticker_ws_market_tick"),
        server.seq().0
    );
    // The welcome and five quotes.
    assert!(metric_value(&resp.body, "ticker_ws_frames_sent_total") >= 6);
}

#[tokio::test]
async fn a_plain_get_on_the_websocket_path_gets_426_json() {
    let server = TestServer::spawn(config()).await;
    for path in ["/ws", "/"] {
        let resp = http_get(server.addr, path).await;
        assert_eq!(resp.status, 426, "{path}");
        assert_eq!(resp.header("content-type"), Some("application/json"));
        assert_eq!(resp.header("upgrade"), Some("websocket"));
        assert_eq!(resp.json()["error"]["code"], "upgrade_required");
    }
}

#[tokio::test]
async fn unknown_paths_get_404_and_other_methods_405_json() {
    let server = TestServer::spawn(config()).await;
    let resp = http_get(server.addr, "/nope").await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.json()["error"]["code"], "not_found");
    let resp = http(
        server.addr,
        "DELETE /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(resp.status, 405);
    assert_eq!(resp.header("allow"), Some("GET, HEAD"));
    assert_eq!(resp.json()["error"]["code"], "method_not_allowed");
    // The guard's refusal of CONNECT names the allowed methods too.
    let resp = http(server.addr, "CONNECT a:1 HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert_eq!(resp.status, 405);
    assert_eq!(resp.header("allow"), Some("GET, HEAD"));
    // A lost client is told what this port serves.
    let msg = http_get(server.addr, "/nope").await.json()["error"]["message"].clone();
    assert!(
        msg.as_str().unwrap().contains("WebSocket on / and /ws"),
        "{msg}"
    );
}

#[tokio::test]
async fn bad_upgrade_parameters_get_400_json_before_the_upgrade() {
    let server = TestServer::spawn(WsConfig {
        max_symbols: 2,
        ..config()
    })
    .await;
    for path in ["/ws?format=xml", "/ws?symbols=AAPL,MSFT,TSLA"] {
        let resp = http(server.addr, &upgrade_request(path, "")).await;
        assert_eq!(resp.status, 400, "{path}: {}", resp.body);
        assert_eq!(resp.json()["error"]["code"], "bad_request");
    }
    let resp = http(
        server.addr,
        &upgrade_request("/ws", "").replace("Version: 13", "Version: 8"),
    )
    .await;
    assert_eq!(resp.status, 426);
    assert_eq!(resp.json()["error"]["code"], "unsupported_version");
}

#[tokio::test]
async fn a_refused_upgrade_or_body_ends_the_connection() {
    let server = TestServer::spawn(WsConfig {
        allowed_origins: vec!["http://good.example".to_owned()],
        ..config()
    })
    .await;
    // After a head announcing an upgrade or a body, the connection's bytes are no longer
    // vetted as HTTP heads: the response must end the connection, leaving a pipelined request
    // unanswered.
    let pipelined = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let cases = [
        (
            upgrade_request("/ws", "Origin: http://evil.example\r\n"),
            403,
        ),
        (
            "POST /health HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                .to_owned(),
            405,
        ),
    ];
    for (request, status) in cases {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream
            .write_all((request + pipelined).as_bytes())
            .await
            .unwrap();
        let resp = timeout(PATIENCE, read_response(&mut stream))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(resp.status, status);
        assert_eq!(resp.header("connection"), Some("close"));
        let mut rest = Vec::new();
        let read = timeout(PATIENCE, stream.read_to_end(&mut rest))
            .await
            .expect("the connection stayed open");
        assert!(
            rest.is_empty(),
            "answered a request after a refused upgrade ({read:?}): {}",
            String::from_utf8_lossy(&rest)
        );
    }
}

/// Pipelines `REQUESTS` `/metrics` requests (~20 MB of answers, far more than the socket
/// buffers hold; the last one asks to close), reads nothing for `stall`, then reads to the
/// end. Returns the answers received and whether the connection ended (end of stream or
/// reset) within [`PATIENCE`] of reading.
async fn pipeline_then_stall(server: &TestServer, stall: Duration) -> (usize, bool) {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut requests = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".repeat(REQUESTS - 1);
    requests.push_str("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let _ = timeout(
        Duration::from_secs(2),
        stream.write_all(requests.as_bytes()),
    )
    .await;
    tokio::time::sleep(stall).await;
    let mut all = Vec::new();
    // A reset (the server closed with requests unread) ends the read too; what arrived
    // before it stays in `all`.
    let ended = timeout(PATIENCE, stream.read_to_end(&mut all))
        .await
        .is_ok();
    let answered = all.windows(12).filter(|w| w == b"HTTP/1.1 200").count();
    (answered, ended)
}

const REQUESTS: usize = 3000;

#[tokio::test]
async fn an_http_client_that_never_reads_its_answers_is_dropped_at_the_write_timeout() {
    // Documented: a plain HTTP answer waits at most `--handshake-timeout-ms` for a client that
    // does not read it; then the connection is dropped.
    let server = TestServer::spawn(WsConfig {
        handshake_timeout_ms: 300,
        ..config()
    })
    .await;
    let stall = Duration::from_millis(1500);
    let (answered, ended) = pipeline_then_stall(&server, stall).await;
    assert!(
        ended,
        "the stalled connection was still open {PATIENCE:?} after the client started reading"
    );
    assert!(
        answered < REQUESTS,
        "the stalled connection was served to the end ({answered} answers) instead of dropped"
    );
    // The same stall under a write timeout longer than it is survived, every answer
    // arriving once the client reads: the drop above is the write timeout's doing.
    let patient = TestServer::spawn(WsConfig {
        handshake_timeout_ms: 10_000,
        ..config()
    })
    .await;
    let (answered, ended) = pipeline_then_stall(&patient, stall).await;
    assert!(ended, "the last request asked to close");
    assert_eq!(answered, REQUESTS, "a client that reads in time is served");
}
