//! The ws-server probe behind `/health`: an HTTP `GET /health` to the ws-server's port, with a
//! short timeout, its result reused for a few seconds so `/health` stays cheap under polling.

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use crate::cli::RestConfig;

/// Most bytes of a probe response body read.
const MAX_PROBE_BODY: usize = 64 * 1024;

/// The outcome of one probe.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeResult {
    /// `healthy`, `degraded` or `down`.
    pub state: &'static str,
    /// The URL probed.
    pub url: String,
    /// Round-trip time of the probe.
    pub latency_ms: f64,
    /// When the probe ran (Unix ms).
    pub checked_at: i64,
    /// Why the state is not `healthy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Probes the ws-server's `/health`, caching the result.
pub struct WsProbe {
    /// Where the ws-server is, or why it cannot be probed.
    target: Result<WsTarget, String>,
    url: String,
    timeout: Duration,
    cache_for: Duration,
    last: Mutex<Option<(Instant, ProbeResult)>>,
}

impl WsProbe {
    /// A probe of `--ws-url`.
    pub fn new(config: &RestConfig) -> Self {
        Self {
            target: WsTarget::parse(&config.ws_url),
            url: config.ws_url.clone(),
            timeout: Duration::from_millis(config.probe_timeout_ms),
            cache_for: Duration::from_millis(config.probe_cache_ms),
            last: Mutex::new(None),
        }
    }

    /// The latest result, probing again if the cached one is older than the cache time.
    /// Concurrent callers share one probe.
    pub async fn check(&self, now_ms: i64) -> ProbeResult {
        let mut last = self.last.lock().await;
        if let Some((at, result)) = last.as_ref() {
            if at.elapsed() < self.cache_for {
                return result.clone();
            }
        }
        let started = Instant::now();
        let outcome = match &self.target {
            Ok(target) => tokio::time::timeout(self.timeout, fetch_health(&target.authority))
                .await
                .unwrap_or_else(|_| {
                    Err(format!("no answer within {} ms", self.timeout.as_millis()))
                }),
            Err(why) => Err(why.clone()),
        };
        let (state, reason) = match outcome {
            Ok(status) if status == "ok" => ("healthy", None),
            Ok(status) => (
                "degraded",
                Some(format!("ws-server reports status {status:?}")),
            ),
            Err(why) => ("down", Some(why)),
        };
        let result = ProbeResult {
            state,
            url: self.url.clone(),
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            checked_at: now_ms,
            reason,
        };
        *last = Some((Instant::now(), result.clone()));
        result
    }
}

/// The ws-server as `--ws-url` names it: where to connect, and the path it serves on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsTarget {
    /// `host:port` (port 80 when the URL has none): the address and the `Host` header.
    pub authority: String,
    /// The URL's path (`/` when it has none), where the relay asks for the upgrade.
    pub path: String,
}

impl WsTarget {
    /// Parses a `ws://` URL; `wss://` cannot be reached (there is no TLS client).
    pub fn parse(url: &str) -> Result<Self, String> {
        let uri: http::Uri = url
            .parse()
            .map_err(|e| format!("bad ws URL {url:?}: {e}"))?;
        if uri.scheme_str() != Some("ws") {
            return Err(format!(
                "cannot reach {url:?}: only ws:// URLs are supported (no TLS client)"
            ));
        }
        let host = uri.host().ok_or_else(|| format!("no host in {url:?}"))?;
        let port = uri.port_u16().unwrap_or(80);
        Ok(Self {
            authority: format!("{host}:{port}"),
            path: match uri.path() {
                "" => "/".to_owned(),
                path => path.to_owned(),
            },
        })
    }
}

/// `GET /health` over HTTP/1.1; returns the `status` field of the JSON body.
async fn fetch_health(addr: &str) -> Result<String, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {addr} failed: {e}"))?;
    let driver = tokio::spawn(conn);
    let req = http::Request::get("/health")
        .header(http::header::HOST, addr)
        .header(http::header::CONNECTION, "close")
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("GET /health on {addr} failed: {e}"))?;
    let status = resp.status();
    let body = Limited::new(resp.into_body(), MAX_PROBE_BODY)
        .collect()
        .await
        .map_err(|e| format!("reading /health from {addr} failed: {e}"))?
        .to_bytes();
    driver.abort();
    if !status.is_success() {
        return Err(format!("GET /health on {addr} answered {status}"));
    }
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("/health on {addr} is not JSON: {e}"))?;
    value
        .get("status")
        .and_then(|s| s.as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("/health on {addr} has no `status`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_come_from_ws_urls() {
        let t = WsTarget::parse("ws://127.0.0.1:8001").unwrap();
        assert_eq!(
            (t.authority.as_str(), t.path.as_str()),
            ("127.0.0.1:8001", "/")
        );
        let t = WsTarget::parse("ws://ws-server/ws").unwrap();
        assert_eq!(
            (t.authority.as_str(), t.path.as_str()),
            ("ws-server:80", "/ws")
        );
        assert!(WsTarget::parse("wss://example.com")
            .unwrap_err()
            .contains("no TLS"));
    }
}
