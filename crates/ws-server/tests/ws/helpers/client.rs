//! WebSocket clients: connect, read with a deadline, check every control message, and
//! remember every (symbol, seq) a connection was sent.

use std::collections::{BTreeSet, HashSet};
use std::net::SocketAddr;
use std::sync::Mutex;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use ticker_core::Seq;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::server::{TestServer, PATIENCE};

/// A client connection as `connect_async` returns it.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects a WebSocket client to `path` (e.g. `/ws?symbols=AAPL`).
pub async fn connect(server: &TestServer, path: &str) -> Ws {
    let (ws, resp) = timeout(PATIENCE, tokio_tungstenite::connect_async(server.url(path)))
        .await
        .expect("handshake timed out")
        .expect("handshake failed");
    assert_eq!(resp.status(), 101);
    remember_protocol(&ws, path);
    ws
}

/// The local addresses of the open connections on a vendor path: their frames are the
/// vendor's protocol, not the native one `/asyncapi.json` describes.
static VENDOR_CONNECTIONS: Mutex<BTreeSet<SocketAddr>> = Mutex::new(BTreeSet::new());

fn local_addr(ws: &Ws) -> Option<SocketAddr> {
    match ws.get_ref() {
        MaybeTlsStream::Plain(s) => s.local_addr().ok(),
        _ => None,
    }
}

/// Notes whether `ws`, connected to `path` (a path or a full URL), speaks a vendor protocol
/// (a native connection reusing a vendor connection's port is native again).
fn remember_protocol(ws: &Ws, path: &str) {
    let path = path
        .split_once("://")
        .map_or(path, |(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]));
    let vendor = ["/alpaca", "/polygon", "/finnhub", "/binance"]
        .iter()
        .any(|p| path.starts_with(p));
    if let Some(addr) = local_addr(ws) {
        let mut set = VENDOR_CONNECTIONS.lock().unwrap();
        if vendor {
            set.insert(addr);
        } else {
            set.remove(&addr);
        }
    }
}

/// Whether `ws` speaks a vendor protocol (see [`remember_protocol`]).
fn is_vendor(ws: &Ws) -> bool {
    local_addr(ws).is_some_and(|a| VENDOR_CONNECTIONS.lock().unwrap().contains(&a))
}

/// Connects a WebSocket client to a full `ws://` URL; returns it with the handshake response.
pub async fn connect_url(
    url: &str,
) -> (
    Ws,
    tokio_tungstenite::tungstenite::handshake::client::Response,
) {
    let (ws, resp) = timeout(PATIENCE, tokio_tungstenite::connect_async(url))
        .await
        .expect("handshake timed out")
        .expect("handshake failed");
    remember_protocol(&ws, url);
    (ws, resp)
}

/// A client with a small kernel receive buffer that reads nothing until told to.
pub async fn stalled_client(server: &TestServer, path: &str) -> WebSocketStream<TcpStream> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = timeout(PATIENCE, socket.connect(server.addr))
        .await
        .unwrap()
        .unwrap();
    let (ws, _) = timeout(
        PATIENCE,
        tokio_tungstenite::client_async_with_config(server.url(path), stream, None),
    )
    .await
    .unwrap()
    .unwrap();
    ws
}

/// The next message of any kind (pings included), failing after [`PATIENCE`].
pub async fn next_message(ws: &mut Ws) -> Option<Result<Message, WsError>> {
    timeout(PATIENCE, ws.next())
        .await
        .expect("no message within the patience window")
}

/// The next text message; checked against `/asyncapi.json` (native connections), and control messages never to
/// carry a top-level `symbol`.
pub async fn recv_text(ws: &mut Ws) -> String {
    loop {
        match next_message(ws).await {
            Some(Ok(Message::Text(text))) => {
                let text = text.as_str().to_owned();
                let value: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("server sent invalid JSON ({e}): {text}"));
                // `/asyncapi.json` is the native protocol's; vendor paths speak their own.
                if !is_vendor(ws) {
                    super::contract::assert_documented_server_frame(&value);
                }
                if let Some(kind) = value.get("type").and_then(Value::as_str) {
                    // Quotes and the channels' frames are per symbol; nothing else is.
                    if !matches!(kind, "quote" | "trade" | "bar" | "status") {
                        assert!(
                            value.get("symbol").is_none(),
                            "control message with a top-level symbol: {text}"
                        );
                    }
                }
                return text;
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a text message, got {other:?}"),
        }
    }
}

/// The next text message, parsed.
pub async fn recv_json(ws: &mut Ws) -> Value {
    serde_json::from_str(&recv_text(ws).await).unwrap()
}

/// The next message, which must be of `kind`.
pub async fn recv_type(ws: &mut Ws, kind: &str) -> Value {
    let v = recv_json(ws).await;
    assert_eq!(v["type"], kind, "expected a {kind} message, got {v}");
    v
}

/// Sends a text message.
pub async fn send_text(ws: &mut Ws, text: &str) {
    timeout(PATIENCE, ws.send(Message::text(text)))
        .await
        .unwrap()
        .unwrap();
}

/// Sends a JSON message.
pub async fn send_json(ws: &mut Ws, value: &Value) {
    send_text(ws, &value.to_string()).await;
}

/// Reads until the server's close frame and returns its code; `None` if the connection ended
/// without one.
pub async fn recv_close(ws: &mut Ws) -> Option<CloseCode> {
    loop {
        match next_message(ws).await {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return None,
        }
    }
}

/// Sends an application ping and expects the matching pong next: the connection is usable.
pub async fn assert_usable(ws: &mut Ws, id: u64) {
    send_json(ws, &serde_json::json!({"type": "ping", "id": id})).await;
    let pong = recv_type(ws, "pong").await;
    assert_eq!(pong["id"], id, "{pong}");
    assert!(pong["timestamp"].is_i64(), "{pong}");
}

/// Reads the welcome and the initial quote frames of a default-format connection subscribed
/// to `count` symbols; returns the welcome.
pub async fn recv_welcome_and_quotes(ws: &mut Ws, count: usize) -> Value {
    let welcome = recv_type(ws, "welcome").await;
    for _ in 0..count {
        recv_type(ws, "quote").await;
    }
    welcome
}

/// Records every (symbol, seq) a connection receives and fails on the second sighting.
#[derive(Default)]
pub struct Seen(HashSet<(String, u64)>);

impl Seen {
    /// Records one quote object (a frame, or an element of a batch or snapshot).
    pub fn record(&mut self, quote: &Value) {
        let key = (
            quote["symbol"].as_str().unwrap().to_owned(),
            quote["seq"].as_u64().unwrap(),
        );
        assert!(self.0.insert(key.clone()), "{key:?} was sent twice");
    }

    /// Records every quote a message carries.
    pub fn record_message(&mut self, msg: &Value) {
        match msg["type"].as_str() {
            Some("quote") => self.record(msg),
            Some("quotes" | "snapshot") => {
                for q in msg["quotes"].as_array().unwrap() {
                    self.record(q);
                }
            }
            _ => {}
        }
    }

    /// Whether (symbol, seq) was seen.
    pub fn contains(&self, symbol: &str, seq: Seq) -> bool {
        self.0.contains(&(symbol.to_owned(), seq.0))
    }
}
