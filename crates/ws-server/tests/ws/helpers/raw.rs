//! Plain HTTP over a raw socket, and a WebSocket handshake done by hand for peers that must
//! misbehave.

use std::io;
use std::net::SocketAddr;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::server::PATIENCE;

/// A parsed HTTP response.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    /// A header's value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }
}

/// The end of an HTTP head in `buf`, if it has arrived.
fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// Reads one response (head plus `content-length` body) from a stream.
pub async fn read_response(stream: &mut TcpStream) -> io::Result<HttpResponse> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = head_end(&buf) {
            break end;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "no response head",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line in {head:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse::<usize>().unwrap());
    let mut body = buf[end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "short body"));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok(HttpResponse {
        status,
        headers,
        body: String::from_utf8(body).unwrap(),
    })
}

/// Sends a raw request on a fresh connection and reads one response.
pub async fn try_http(addr: SocketAddr, request: &str) -> io::Result<HttpResponse> {
    timeout(PATIENCE, async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(request.as_bytes()).await?;
        read_response(&mut stream).await
    })
    .await
    .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no HTTP response"))?
}

/// Sends a raw request on a fresh connection and reads one response, failing on errors.
pub async fn http(addr: SocketAddr, request: &str) -> HttpResponse {
    try_http(addr, request).await.unwrap()
}

/// `GET path` over plain HTTP, reporting failures.
pub async fn try_http_get(addr: SocketAddr, path: &str) -> io::Result<HttpResponse> {
    try_http(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
    )
    .await
}

/// `GET path` over plain HTTP.
pub async fn http_get(addr: SocketAddr, path: &str) -> HttpResponse {
    try_http_get(addr, path).await.unwrap()
}

/// A WebSocket upgrade request for `path`, with extra header lines (each ending in `\r\n`).
pub fn upgrade_request(path: &str, extra: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{extra}\r\n"
    )
}

/// Completes a WebSocket handshake by hand and returns the raw socket: a peer that will never
/// read another byte or answer a ping.
pub async fn raw_websocket(addr: SocketAddr) -> TcpStream {
    timeout(PATIENCE, async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(upgrade_request("/ws", "").as_bytes())
            .await
            .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while head_end(&head).is_none() {
            assert_eq!(
                stream.read(&mut byte).await.unwrap(),
                1,
                "closed during handshake"
            );
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        stream
    })
    .await
    .expect("raw handshake timed out")
}
