//! `HEAD` on every error path of the WebSocket port: the same status and headers as `GET`,
//! and not one byte of body (RFC 9110 §9.3.2), including the answers hyper never produces
//! itself: heads the guard rejects, the handshake timeout, and the 503 written at the socket
//! limit before hyper sees the connection.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use ws_server::WsConfig;

use crate::helpers::{config, TestServer, PATIENCE};

/// One answer, read to the end of the connection: status, headers, and every byte after the
/// head.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    after_head: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `raw` on a new connection and reads until the server closes it.
async fn exchange(addr: SocketAddr, raw: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(raw).await.unwrap();
    let mut all = Vec::new();
    timeout(PATIENCE, stream.read_to_end(&mut all))
        .await
        .expect("the server kept the connection open")
        .unwrap();
    let end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(&all)));
    let head = String::from_utf8_lossy(&all[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line in {head:?}"));
    let mut headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .filter(|(k, _)| k != "date")
        .collect();
    headers.sort();
    Answer {
        status,
        headers,
        after_head: all[end..].to_vec(),
    }
}

/// `raw` (starting with `GET `) sent as it is and as `HEAD`: the `HEAD` answer must have the
/// same status and headers and nothing after its head; the `GET` one the JSON error `code`.
async fn assert_head_like_get(addr: SocketAddr, what: &str, raw: &[u8], status: u16, code: &str) {
    let get = exchange(addr, raw).await;
    let head = exchange(addr, &[b"HEAD ", &raw[4..]].concat()).await;
    assert_eq!(get.status, status, "{what}");
    let body: serde_json::Value = serde_json::from_slice(&get.after_head)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e})"));
    assert_eq!(body["error"]["code"], code, "{what}");
    assert_eq!(
        get.header("content-length"),
        Some(get.after_head.len().to_string().as_str()),
        "{what}"
    );
    assert_eq!(head.status, status, "{what}");
    assert_eq!(head.headers, get.headers, "{what}");
    assert!(
        head.after_head.is_empty(),
        "{what}: a body after the HEAD answer: {:?}",
        String::from_utf8_lossy(&head.after_head)
    );
}

fn request(target: &str, extra: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n")
        .into_bytes()
}

#[tokio::test]
async fn head_gets_every_error_without_a_body() {
    let server = TestServer::spawn(WsConfig {
        handshake_timeout_ms: 300,
        ..config()
    })
    .await;
    let long_target = format!("/ws?_={}", "a".repeat(5000));
    let big_header = format!("X-Pad: {}\r\n", "p".repeat(17_000));
    let cases: [(&str, Vec<u8>, u16, &str); 7] = [
        ("unknown path", request("/nope", ""), 404, "not_found"),
        ("no upgrade", request("/ws", ""), 426, "upgrade_required"),
        (
            "bad version",
            b"GET /ws HTTP/7.0\r\nHost: x\r\n\r\n".to_vec(),
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
            request("/health", &big_header),
            431,
            "headers_too_large",
        ),
        (
            "body too large",
            request("/health", "Content-Length: 999999\r\n"),
            413,
            "body_too_large",
        ),
        (
            "head too slow",
            b"GET /ws HTTP/1.1\r\nHost: x\r\nX-Slow: ".to_vec(),
            408,
            "request_timeout",
        ),
    ];
    for (what, raw, status, code) in cases {
        assert_head_like_get(server.addr, what, &raw, status, code).await;
    }
    // An upgrade asked with HEAD is refused (only GET upgrades), without a body either.
    let upgrade = "HEAD /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
                   Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    let head = exchange(server.addr, upgrade.as_bytes()).await;
    assert_eq!(head.status, 405);
    assert!(head.after_head.is_empty());
}

#[tokio::test]
async fn head_gets_the_socket_limit_503_without_a_body() {
    let server = TestServer::spawn(WsConfig {
        max_connections: 1,
        ..config()
    })
    .await;
    // The socket limit is the session limit plus 64 sockets of HTTP headroom (an upgraded
    // session leaves it); silent sockets, still before their upgrade, fill it.
    let mut held = Vec::new();
    for _ in 0..1 + 64 {
        held.push(TcpStream::connect(server.addr).await.unwrap());
    }
    // Accepted in order, so everything from here on finds the limit reached.
    let raw = request("/health", "");
    assert_head_like_get(server.addr, "socket limit", &raw, 503, "overloaded").await;
    drop(held);
}
