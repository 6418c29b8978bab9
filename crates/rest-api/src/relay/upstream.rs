//! The ws-server side of a relayed connection: connect to `--ws-url`, forward the client's
//! upgrade request, and read the ws-server's answer, each step under its own timeout.
//!
//! The forwarded request is the client's: its query (plus `format=array` when it names no
//! format: the classic framing is this path's default), `Sec-WebSocket-Key` and `-Version`,
//! `Origin` (so the ws-server's `--allowed-origins` applies to relayed pages too) and every
//! other end-to-end header. Hop-by-hop headers are the relay's own. The ws-server's answer is
//! either a `101`, whose head goes back to the client unchanged (its `Sec-WebSocket-Accept`
//! answers the client's key), or a refusal, which goes back as it is.

use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use ticker_net::query::Query;
use tokio::net::TcpStream;

use crate::probe::WsTarget;
use crate::response::{self, Body};

/// Most bytes of a refusal body passed on (the ws-server's are a few hundred).
const MAX_REFUSAL_BODY: usize = 64 * 1024;

/// Headers that belong to one hop (RFC 9110 §7.6.1) or that the relay sets itself.
static HOP_BY_HOP: [HeaderName; 11] = [
    header::CONNECTION,
    header::HOST,
    header::UPGRADE,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::CONTENT_LENGTH,
    header::PROXY_AUTHORIZATION,
    header::PROXY_AUTHENTICATE,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
];

/// Refusal headers worth passing on besides the body's type.
static REFUSAL_HEADERS: [HeaderName; 4] = [
    header::ALLOW,
    header::UPGRADE,
    header::SEC_WEBSOCKET_VERSION,
    header::RETRY_AFTER,
];

/// How long each step may take.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// TCP connect to the ws-server.
    pub(crate) connect: Duration,
    /// From the request written to the ws-server's whole answer.
    pub(crate) handshake: Duration,
}

/// What the ws-server answered.
pub(crate) enum Answer {
    /// `101`: its response head for the client, and the upgraded stream (holding any bytes
    /// the ws-server sent right after the head).
    Switched {
        /// The ws-server's response headers.
        headers: HeaderMap,
        /// The stream to the ws-server, past its handshake.
        stream: TokioIo<Upgraded>,
    },
    /// Any other status: its refusal, to pass on to the client.
    Refused(Response<Body>),
}

/// The request target for the ws-server: its path and the client's query, with
/// `format=array` added when the query names no `format` (a malformed query goes as it is, so
/// that the ws-server's error reaches the client).
pub(crate) fn target(path: &str, query: Option<&str>) -> String {
    let names_format = Query::parse(query).map_or(true, |q| !matches!(q.get("format"), Ok(None)));
    match query.filter(|q| !q.is_empty()) {
        Some(q) if names_format => format!("{path}?{q}"),
        Some(q) => format!("{path}?{q}&format=array"),
        None => format!("{path}?format=array"),
    }
}

/// The upgrade request for the ws-server, from the client's.
pub(crate) fn request(
    upstream: &WsTarget,
    query: Option<&str>,
    client: &HeaderMap,
) -> Result<Request<Empty<Bytes>>, String> {
    // Headers the client's `Connection` names are hop-by-hop too.
    let named: Vec<HeaderName> = client
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    let mut req = Request::get(target(&upstream.path, query))
        .body(Empty::new())
        .map_err(|e| format!("cannot build the upgrade request: {e}"))?;
    let headers = req.headers_mut();
    for (name, value) in client {
        if !HOP_BY_HOP.contains(name) && !named.contains(name) {
            headers.append(name, value.clone());
        }
    }
    let host = HeaderValue::from_str(&upstream.authority).map_err(|e| e.to_string())?;
    headers.insert(header::HOST, host);
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    Ok(req)
}

/// Connects to the ws-server, sends `req` and returns its answer, or why there is none.
pub(crate) async fn exchange(
    upstream: &WsTarget,
    req: Request<Empty<Bytes>>,
    timeouts: Timeouts,
) -> Result<Answer, String> {
    let addr = upstream.authority.as_str();
    let stream = tokio::time::timeout(timeouts.connect, TcpStream::connect(addr))
        .await
        .map_err(|_| {
            format!(
                "no connection to {addr} within {} ms",
                timeouts.connect.as_millis()
            )
        })?
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    // Frames are small and latency matters more than packet count.
    let _ = stream.set_nodelay(true);
    tokio::time::timeout(timeouts.handshake, handshake(stream, addr, req))
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "{addr} did not answer the upgrade within {} ms",
                timeouts.handshake.as_millis()
            ))
        })
}

async fn handshake(
    stream: TcpStream,
    addr: &str,
    req: Request<Empty<Bytes>>,
) -> Result<Answer, String> {
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {addr} failed: {e}"))?;
    // The connection task hands the socket over on a 101 and ends; on any other answer, or if
    // this future is dropped, aborting it closes the socket.
    let driver = AbortOnDrop(tokio::spawn(conn.with_upgrades()));
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("the upgrade request to {addr} failed: {e}"))?;
    if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
        let headers = resp.headers().clone();
        let upgraded = hyper::upgrade::on(resp)
            .await
            .map_err(|e| format!("the upgrade with {addr} failed: {e}"))?;
        drop(driver);
        return Ok(Answer::Switched {
            headers,
            stream: TokioIo::new(upgraded),
        });
    }
    let (parts, body) = resp.into_parts();
    let body = Limited::new(body, MAX_REFUSAL_BODY)
        .collect()
        .await
        .map_err(|e| format!("reading the refusal of {addr} failed: {e}"))?
        .to_bytes();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("application/json"));
    let mut refusal = response::with_body(parts.status, content_type, body);
    for name in &REFUSAL_HEADERS {
        for value in parts.headers.get_all(name) {
            refusal.headers_mut().append(name, value.clone());
        }
    }
    Ok(Answer::Refused(refusal))
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<Result<(), hyper::Error>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classic_array_is_the_default_and_any_format_passes_through() {
        assert_eq!(target("/ws", None), "/ws?format=array");
        assert_eq!(target("/", Some("")), "/?format=array");
        assert_eq!(
            target("/ws", Some("symbols=AAPL")),
            "/ws?symbols=AAPL&format=array"
        );
        for q in [
            "format=quote",
            "symbols=A&format=batch",
            "format=",
            "%66ormat=x",
        ] {
            assert_eq!(target("/ws", Some(q)), format!("/ws?{q}"), "{q}");
        }
        // Broken or duplicated: the ws-server answers it, not the relay.
        assert_eq!(target("/ws", Some("a=%zz")), "/ws?a=%zz");
        assert_eq!(
            target("/ws", Some("format=a&format=b")),
            "/ws?format=a&format=b"
        );
    }

    #[test]
    fn the_request_keeps_end_to_end_headers_and_sets_its_own_hop() {
        let mut client = HeaderMap::new();
        for (name, value) in [
            ("host", "127.0.0.1:8000"),
            ("connection", "Upgrade, X-Hop"),
            ("upgrade", "WebSocket"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("sec-websocket-version", "13"),
            ("origin", "http://127.0.0.1:8000"),
            ("user-agent", "test"),
            ("x-hop", "1"),
            ("keep-alive", "timeout=5"),
        ] {
            client.append(name, HeaderValue::from_static(value));
        }
        let upstream = WsTarget::parse("ws://127.0.0.1:9/ws").unwrap();
        let req = request(&upstream, Some("symbols=AAPL"), &client).unwrap();
        assert_eq!(req.uri(), "/ws?symbols=AAPL&format=array");
        let h = req.headers();
        assert_eq!(h["host"], "127.0.0.1:9");
        assert_eq!(h["connection"], "Upgrade");
        assert_eq!(h["upgrade"], "websocket");
        assert_eq!(h["sec-websocket-key"], "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(h["sec-websocket-version"], "13");
        assert_eq!(h["origin"], "http://127.0.0.1:8000");
        assert_eq!(h["user-agent"], "test");
        assert!(h.get("x-hop").is_none(), "named by Connection");
        assert!(h.get("keep-alive").is_none());
    }
}
