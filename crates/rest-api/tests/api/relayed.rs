//! The rest-api with the real ws-server behind its `/ws` relay: [`spawn_stack`] starts both
//! on `127.0.0.1:0`, on one [`ManualClock`](ticker_core::ManualClock) and one market, so a
//! frame read through the relay can be compared with one read from the ws-server directly,
//! and with the REST API, for the very same tick.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::StreamExt;
use rest_api::RestConfig;
use serde_json::Value;
use ticker_core::Seq;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use ws_server::WsConfig;

use crate::helpers::{spawn_app_with, within, Client, Response, TestApp};

/// A WebSocket client connection.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The headers of a WebSocket upgrade (with the RFC 6455 sample key).
pub const UPGRADE: [(&str, &str); 4] = [
    ("connection", "Upgrade"),
    ("upgrade", "websocket"),
    ("sec-websocket-version", "13"),
    ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
];

/// A rest-api and the ws-server it relays to.
pub struct Stack {
    /// The rest-api (its clock and market are the ws-server's too).
    pub app: TestApp,
    /// Where the ws-server listens.
    pub ws_addr: SocketAddr,
    ws: Option<(oneshot::Sender<()>, JoinHandle<io::Result<()>>)>,
}

/// Starts a ws-server with `ws`, then a rest-api with `rest` whose `--ws-url` points at it.
pub async fn spawn_stack(rest: RestConfig, ws: WsConfig) -> Stack {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ws_addr = listener.local_addr().unwrap();
    let app = spawn_app_with(RestConfig {
        ws_url: format!("ws://{ws_addr}/ws"),
        ..rest
    })
    .await;
    let settings = ws_server::Settings {
        ws,
        market: app.market.clone(),
        clock: app.clock.clone(),
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(ws_server::run(listener, settings, async {
        let _ = stopped.await;
    }));
    Stack {
        app,
        ws_addr,
        ws: Some((stop, server)),
    }
}

impl Stack {
    /// `ws://` URL of `path` through the relay.
    pub fn relayed(&self, path: &str) -> String {
        format!("ws://{}{path}", self.app.addr)
    }

    /// `ws://` URL of `path` on the ws-server itself.
    pub fn direct(&self, path: &str) -> String {
        format!("ws://{}{path}", self.ws_addr)
    }

    /// Moves the shared clock one tick on; returns the new tick.
    pub fn advance(&self) -> Seq {
        let interval = self.app.market.schedule().interval_ms();
        self.app.clock.advance(interval as i64);
        self.app.tick()
    }

    /// Stops the ws-server (its clients get close 1001) and waits until it has.
    pub async fn stop_ws(&mut self) {
        if let Some((stop, server)) = self.ws.take() {
            let _ = stop.send(());
            within("the ws-server to stop", server)
                .await
                .unwrap()
                .unwrap();
        }
    }

    /// A value of the rest-api's `/metrics` (a line `name value`).
    pub async fn metric(&self, name: &str) -> f64 {
        let text = self.app.get("/metrics").await.text().to_owned();
        metric_in(&text, name)
    }

    /// Waits until a rest-api metric has `value`.
    pub async fn await_metric(&self, name: &str, value: f64) {
        within(&format!("{name} to be {value}"), async {
            while self.metric(name).await != value {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
    }

    /// The ws-server's count of open WebSocket sessions.
    pub async fn ws_sessions(&self) -> f64 {
        let mut client = Client::connect(self.ws_addr).await;
        let text = client.get("/metrics").await.text().to_owned();
        metric_in(&text, "ticker_ws_connections")
    }
}

/// The value of the line `name value` of a Prometheus text.
pub fn metric_in(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no metric {name} in\n{text}"))
        .parse()
        .unwrap()
}

/// Connects a WebSocket client (101 expected).
pub async fn connect(url: &str) -> Ws {
    let (ws, resp) = within(
        "a WebSocket handshake",
        tokio_tungstenite::connect_async(url),
    )
    .await
    .unwrap_or_else(|e| panic!("handshake with {url} failed: {e}"));
    assert_eq!(resp.status(), 101);
    ws
}

/// The next text message (pings and pongs are skipped).
pub async fn recv_text(ws: &mut Ws) -> String {
    loop {
        match within("a text message", ws.next()).await {
            Some(Ok(Message::Text(text))) => return text.as_str().to_owned(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a text message, got {other:?}"),
        }
    }
}

/// The next text message, parsed.
pub async fn recv_json(ws: &mut Ws) -> Value {
    serde_json::from_str(&recv_text(ws).await).unwrap()
}

/// Reads until the server's close frame and returns it.
pub async fn recv_close(ws: &mut Ws) -> Option<CloseFrame> {
    loop {
        match within("a close frame", ws.next()).await {
            Some(Ok(Message::Close(frame))) => return frame,
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// Sends a WebSocket upgrade for `target` over a raw connection and reads the answer.
pub async fn raw_upgrade(client: &mut Client, target: &str, extra: &[(&str, &str)]) -> Response {
    let mut headers = UPGRADE.to_vec();
    headers.extend_from_slice(extra);
    client.request("GET", target, &headers).await
}

/// Reads one whole server frame (unmasked: header and payload) off a raw connection.
pub async fn raw_frame(client: &mut Client) -> Vec<u8> {
    let mut frame = client.read_bytes(2).await;
    let extended = match frame[1] & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    frame.extend(client.read_bytes(extended).await);
    let len = match extended {
        0 => u64::from(frame[1] & 0x7f),
        _ => frame[2..]
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
    };
    frame.extend(client.read_bytes(len as usize).await);
    frame
}

/// The payload of a frame read by [`raw_frame`].
pub fn payload(frame: &[u8]) -> &[u8] {
    match frame[1] & 0x7f {
        126 => &frame[4..],
        127 => &frame[10..],
        _ => &frame[2..],
    }
}
