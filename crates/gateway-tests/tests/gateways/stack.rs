//! Both services on `127.0.0.1:0`, on one market and one [`ManualClock`] stopped at
//! [`NOW_MS`], and a plain HTTP/1.1 client for the native API.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rest_api::RestConfig;
use serde_json::Value;
use ticker_core::config::DEFAULT_EPOCH_MS;
use ticker_core::{ManualClock, Market, MarketConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use ws_server::WsConfig;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;
/// The clock of every stack: 12:34:56.789 UTC on the 11th day after the epoch (a Thursday).
pub const NOW_MS: i64 = DEFAULT_EPOCH_MS + 10 * DAY_MS + 45_296_789;
/// The longest one request may take.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A rest-api and a ws-server sharing one market and clock.
pub struct Stack {
    /// The rest-api.
    pub rest: SocketAddr,
    /// The ws-server.
    pub ws: SocketAddr,
    /// The shared clock.
    pub clock: Arc<ManualClock>,
    /// The shared market.
    pub market: Arc<Market>,
    _stop: (oneshot::Sender<()>, oneshot::Sender<()>),
}

/// The rest-api settings of the tests: native bars and trades in one answer (so they can be
/// compared with a vendor's pages).
pub fn rest_config() -> RestConfig {
    RestConfig {
        max_candles: 20_000,
        max_trades: 50_000,
        ..RestConfig::default()
    }
}

/// The market of every stack: the default symbols, seed 42.
pub fn market_config() -> MarketConfig {
    MarketConfig {
        seed: 42,
        ..MarketConfig::default()
    }
}

impl Stack {
    /// Starts both services with default settings.
    pub async fn spawn() -> Self {
        Self::spawn_with(rest_config(), WsConfig::default()).await
    }

    /// Starts both services; the rest-api's `--ws-url` is the ws-server.
    pub async fn spawn_with(rest: RestConfig, ws: WsConfig) -> Self {
        Self::spawn_on(rest, ws, market_config(), NOW_MS).await
    }

    /// Starts both services on `market`, the clock at `now_ms`.
    pub async fn spawn_on(
        rest: RestConfig,
        ws: WsConfig,
        market: MarketConfig,
        now_ms: i64,
    ) -> Self {
        let market = Arc::new(Market::new(market).unwrap());
        let clock = Arc::new(ManualClock::new(now_ms));
        let rest_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ws_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (rest_addr, ws_addr) = (
            rest_listener.local_addr().unwrap(),
            ws_listener.local_addr().unwrap(),
        );
        let rest = RestConfig {
            ws_url: format!("ws://{ws_addr}/ws"),
            ..rest
        };
        let (stop_rest, rest_stopped) = oneshot::channel::<()>();
        let (stop_ws, ws_stopped) = oneshot::channel::<()>();
        let settings = rest_api::Settings {
            rest,
            market: market.clone(),
            clock: clock.clone(),
        };
        tokio::spawn(rest_api::run(rest_listener, settings, async {
            let _ = rest_stopped.await;
        }));
        let settings = ws_server::Settings {
            ws,
            market: market.clone(),
            clock: clock.clone(),
        };
        tokio::spawn(ws_server::run(ws_listener, settings, async {
            let _ = ws_stopped.await;
        }));
        Self {
            rest: rest_addr,
            ws: ws_addr,
            clock,
            market,
            _stop: (stop_rest, stop_ws),
        }
    }

    /// `http://ADDR` of the rest-api.
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.rest)
    }

    /// `ws://ADDR` of the ws-server.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws)
    }

    /// `GET target` on the rest-api: status and JSON body.
    pub async fn get(&self, target: &str, headers: &[(&str, &str)]) -> (u16, Value) {
        let (status, body) = get_raw(self.rest, target, headers).await;
        let json = serde_json::from_slice(&body).unwrap_or_else(|e| {
            panic!(
                "GET {target}: not JSON ({e}): {}",
                String::from_utf8_lossy(&body)
            )
        });
        (status, json)
    }

    /// `GET target` on the rest-api, which must answer 200 with JSON.
    pub async fn native(&self, target: &str) -> Value {
        let (status, body) = self.get(target, &[]).await;
        assert_eq!(status, 200, "GET {target}: {body}");
        body
    }

    /// The native trades of `symbol` whose ids are in `ids`, oldest first, read from
    /// `/api/v1/trades` over `[from_ms, to_ms)`.
    pub async fn native_trades(
        &self,
        symbol: &str,
        (from_ms, to_ms): (i64, i64),
        ids: std::ops::RangeInclusive<u64>,
    ) -> Vec<Value> {
        let mut native = self
            .native(&format!(
                "/api/v1/trades/{symbol}?from={from_ms}&to={to_ms}&limit=50000"
            ))
            .await;
        let trades = native["trades"].as_array_mut().unwrap();
        trades.retain(|t| ids.contains(&t["id"].as_u64().unwrap()));
        std::mem::take(trades)
    }
}

/// One HTTP/1.1 GET with `Connection: close`: status and body.
pub async fn get_raw(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> (u16, Vec<u8>) {
    let work = async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut head = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        raw
    };
    let raw = tokio::time::timeout(IO_TIMEOUT, work)
        .await
        .unwrap_or_else(|_| panic!("GET {target} took longer than {IO_TIMEOUT:?}"));
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = raw.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(String::from_utf8_lossy(&raw[..end]).trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 2 + size + 2..];
    }
}
