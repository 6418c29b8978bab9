//! Shared plumbing: in-process servers on 127.0.0.1:0, a raw HTTP client that tolerates any
//! answer, process figures from /proc/self, and the figures report.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rest_api::RestConfig;
use ticker_core::{Clock, Market, MarketConfig, SystemClock, VirtualClock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use ws_server::WsConfig;

/// Every test here measures process-wide figures (descriptors, RSS) and loads the machine,
/// so they run one at a time even under `cargo test`'s default parallelism (nextest runs each
/// in its own process anyway).
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A server running in this process.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    handle: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Whether the server task is still running.
    pub fn is_running(&self) -> bool {
        !self.handle.is_finished()
    }

    /// Triggers shutdown and waits for `run` to return; returns how long that took.
    pub async fn stop(mut self) -> Duration {
        let started = Instant::now();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(30), self.handle)
            .await
            .expect("server did not stop within 30 s")
            .expect("server task panicked")
            .expect("server returned an error");
        started.elapsed()
    }
}

async fn spawn<F, Fut>(addr: Option<SocketAddr>, run: F) -> Server
where
    F: FnOnce(TcpListener, oneshot::Receiver<()>) -> Fut,
    Fut: Future<Output = std::io::Result<()>> + Send + 'static,
{
    let listener = TcpListener::bind(addr.unwrap_or_else(|| "127.0.0.1:0".parse().unwrap()))
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel();
    let handle = tokio::spawn(run(listener, rx));
    wait_listening(addr).await;
    Server {
        addr,
        stop: Some(tx),
        handle,
    }
}

/// Waits until `GET /health` answers.
pub async fn wait_listening(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(resp) = http(
            addr,
            b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        )
        .await
        {
            if resp.status == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("server on {addr} never became healthy");
}

/// Real time, shifted to a minute into the current session: frames come at the real pace,
/// while the server's warm-up (a walk over the day's ticks so far, for every symbol) costs the
/// same at any hour. With the system clock a short-interval market's start-up grows through
/// the UTC day (at 5 ms ticks, 17 million ticks per symbol by midnight).
pub fn early_in_the_day(market: &Market) -> Arc<dyn Clock> {
    let wall = SystemClock.now_ms();
    let schedule = market.schedule();
    let start = schedule.time_of(schedule.session(schedule.tick_at(wall)).first) + 60_000;
    Arc::new(VirtualClock::new(Arc::new(SystemClock), start, 1.0, wall))
}

/// [`early_in_the_day`] as a service's flags: a real-speed virtual clock anchored now, a
/// minute into the current UTC day, for the binaries a test starts with a short interval.
pub fn early_in_the_day_flags() -> [String; 6] {
    let wall = SystemClock.now_ms();
    let start = wall - wall.rem_euclid(86_400_000) + 60_000;
    [
        "--clock-start".into(),
        start.to_string(),
        "--clock-speed".into(),
        "1".into(),
        "--clock-anchor".into(),
        wall.to_string(),
    ]
}

/// The default market with a given tick interval.
pub fn market(interval_ms: u64) -> Arc<Market> {
    Arc::new(
        Market::new(MarketConfig {
            interval_ms,
            ..MarketConfig::default()
        })
        .unwrap(),
    )
}

/// Starts the REST service.
pub async fn rest(config: RestConfig, market: Arc<Market>, clock: Arc<dyn Clock>) -> Server {
    spawn(None, move |listener, stop| {
        rest_api::run(
            listener,
            rest_api::Settings {
                rest: config,
                market,
                clock,
            },
            async {
                let _ = stop.await;
            },
        )
    })
    .await
}

/// Starts the WebSocket service (on `addr` to restart on the same port).
pub async fn ws_at(
    addr: Option<SocketAddr>,
    config: WsConfig,
    market: Arc<Market>,
    clock: Arc<dyn Clock>,
) -> Server {
    spawn(addr, move |listener, stop| {
        ws_server::run(
            listener,
            ws_server::Settings {
                ws: config,
                market,
                clock,
            },
            async {
                let _ = stop.await;
            },
        )
    })
    .await
}

/// Starts the WebSocket service on a fresh port.
pub async fn ws(config: WsConfig, market: Arc<Market>, clock: Arc<dyn Clock>) -> Server {
    ws_at(None, config, market, clock).await
}

/// One parsed HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The responses in a byte stream, and what was left after the last complete one.
#[derive(Debug, Default)]
pub struct Parsed {
    pub responses: Vec<Response>,
    /// Bytes after the last complete response: a partial response, or bytes that are no
    /// response at all (such as a body sent after a `HEAD` answer).
    pub leftover: usize,
}

/// Parses every complete response in `bytes`. `first_is_head` says the first request was
/// `HEAD`, whose answer has no body whatever its `content-length` says (RFC 9110 §9.3.2);
/// later ones (answers to pipelined garbage) and 1xx/204/304 answers have none either.
pub fn parse_responses(mut bytes: &[u8], first_is_head: bool) -> Parsed {
    let mut out = Parsed::default();
    loop {
        out.leftover = bytes.len();
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut headers);
        let Ok(httparse::Status::Complete(len)) = resp.parse(bytes) else {
            return out;
        };
        let headers: Vec<(String, String)> = resp
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_owned(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect();
        let status = resp.code.unwrap_or(0);
        let bodyless =
            (first_is_head && out.responses.is_empty()) || matches!(status, 100..=199 | 204 | 304);
        let body_len = if bodyless {
            0
        } else {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0)
        };
        let Some(body) = bytes.get(len..len + body_len) else {
            return out;
        };
        out.responses.push(Response {
            status,
            headers,
            body: body.to_vec(),
        });
        bytes = &bytes[len + body_len..];
    }
}

/// Sends raw bytes on a fresh connection and reads until the server closes it (or 5 s).
pub async fn exchange(addr: SocketAddr, raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(raw).await?;
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    Ok(buf)
}

/// Sends one request (which should say `connection: close`) and parses the answer.
pub async fn http(addr: SocketAddr, raw: &[u8]) -> Result<Response, String> {
    let bytes = exchange(addr, raw).await.map_err(|e| e.to_string())?;
    parse_responses(&bytes, raw.starts_with(b"HEAD "))
        .responses
        .into_iter()
        .next()
        .ok_or_else(|| format!("no response in {} bytes", bytes.len()))
}

/// Resident memory of this process, KiB.
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

/// Open descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Waits (up to `limit`) for the open descriptors to fall to `target` or below.
pub async fn settle_fds(target: usize, limit: Duration) -> usize {
    let deadline = Instant::now() + limit;
    loop {
        let now = open_fds();
        if now <= target || Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Records a test's figures in `target/reliability/<name>.json` for docs/reliability.md.
pub fn record(name: &str, figures: &serde_json::Value) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/reliability");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("{name}.json")), figures.to_string());
}

/// Whether a JSON body has the one error shape.
pub fn is_error_shape(body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    v["error"]["code"].is_string()
        && v["error"]["message"].is_string()
        && v.as_object().is_some_and(|o| o.len() == 1)
}
