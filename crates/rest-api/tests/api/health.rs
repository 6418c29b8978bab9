//! `/health`: always 200 while the process answers; `status` turns `degraded` when the market
//! clock or the ws-server is unwell, with the reason under `details`. The ws-server is a tiny
//! real HTTP listener on 127.0.0.1 answering `GET /health`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rest_api::RestConfig;
use serde_json::json;
use ticker_core::config::DEFAULT_EPOCH_MS;
use ticker_core::VERSION;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

use crate::helpers::{refusing_port, rest_config, spawn_app_with, within, TestApp, NOW_MS};

/// A stand-in ws-server: answers `GET /health` with a fixed JSON body, or never answers.
struct FakeWs {
    url: String,
    /// Probes received so far.
    probes: Arc<AtomicUsize>,
    /// The request line of the latest probe.
    last_request_line: Arc<Mutex<String>>,
}

impl FakeWs {
    async fn start(body: Option<&'static str>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        let probes = Arc::new(AtomicUsize::new(0));
        let last_request_line = Arc::new(Mutex::new(String::new()));
        let (count, line) = (probes.clone(), last_request_line.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, body, count.clone(), line.clone()));
            }
        });
        Self {
            url,
            probes,
            last_request_line,
        }
    }

    fn probes(&self) -> usize {
        self.probes.load(Ordering::SeqCst)
    }
}

async fn answer(
    mut stream: TcpStream,
    body: Option<&'static str>,
    count: Arc<AtomicUsize>,
    line: Arc<Mutex<String>>,
) {
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    *line.lock().unwrap() = text.lines().next().unwrap_or_default().to_owned();
    count.fetch_add(1, Ordering::SeqCst);
    let Some(body) = body else {
        // Hold the connection without answering, as a hung server would.
        std::future::pending::<()>().await;
        return;
    };
    let resp = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn app_probing(url: &str, config: RestConfig) -> TestApp {
    spawn_app_with(RestConfig {
        ws_url: url.to_owned(),
        ..config
    })
    .await
}

#[tokio::test]
async fn health_is_ok_when_the_market_clock_and_the_ws_server_are_healthy() {
    let ws = FakeWs::start(Some(r#"{"status":"ok"}"#)).await;
    let app = app_probing(&ws.url, rest_config()).await;
    let v = app.get("/health").await.ok_json();
    assert_eq!(v["status"], "ok");
    assert_eq!(
        v["components"],
        json!({"market_clock": "healthy", "ws_server": "healthy"})
    );
    assert_eq!(v["timestamp"], NOW_MS);
    assert_eq!(v["version"], VERSION);
    assert!(v["uptime_s"].as_f64().unwrap() >= 0.0);
    // The server runs in this test's process.
    assert_eq!(v["pid"], std::process::id());
    let tick = app.tick();
    assert_eq!(
        v["details"]["market_clock"],
        json!({
            "tick": tick.0,
            "tick_time": app.market.schedule().time_of(tick),
            "interval_ms": 1000,
            "epoch": "2024-01-01T00:00:00Z",
            "kind": "manual",
            "speed": 0.0,
            "reason": null,
        })
    );
    // The clock as it is configured, and its now.
    assert_eq!(
        v["clock"],
        json!({
            "kind": "manual",
            "speed": 0.0,
            "start": ticker_core::time::format_rfc3339(NOW_MS),
            "now": ticker_core::time::format_rfc3339(NOW_MS),
            "now_ms": NOW_MS,
        })
    );
    let ws_details = &v["details"]["ws_server"];
    assert_eq!(ws_details["state"], "healthy");
    assert_eq!(ws_details["url"], ws.url.as_str());
    assert_eq!(ws_details["checked_at"], NOW_MS);
    assert!(ws_details["latency_ms"].as_f64().unwrap() >= 0.0);
    assert!(ws_details.get("reason").is_none(), "{ws_details}");
    assert_eq!(ws.probes(), 1);
    assert_eq!(
        *ws.last_request_line.lock().unwrap(),
        "GET /health HTTP/1.1"
    );
}

#[tokio::test]
async fn health_is_degraded_but_200_when_the_ws_server_is_down() {
    let port = refusing_port();
    let url = format!("ws://127.0.0.1:{port}");
    let app = app_probing(&url, rest_config()).await;
    let v = app.get("/health").await.ok_json();
    assert_eq!(v["status"], "degraded");
    assert_eq!(
        v["components"],
        json!({"market_clock": "healthy", "ws_server": "down"})
    );
    let ws_details = &v["details"]["ws_server"];
    assert_eq!(ws_details["state"], "down");
    assert_eq!(ws_details["url"], url.as_str());
    let reason = ws_details["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!("cannot connect to 127.0.0.1:{port}: ")),
        "{reason}"
    );
}

#[tokio::test]
async fn health_passes_on_a_degraded_ws_server_status() {
    let ws = FakeWs::start(Some(r#"{"status":"degraded","clients":0}"#)).await;
    let app = app_probing(&ws.url, rest_config()).await;
    let v = app.get("/health").await.ok_json();
    assert_eq!(v["status"], "degraded");
    assert_eq!(v["components"]["ws_server"], "degraded");
    assert_eq!(
        v["details"]["ws_server"]["reason"],
        r#"ws-server reports status "degraded""#
    );
}

#[tokio::test]
async fn a_ws_server_that_does_not_answer_is_down_after_the_probe_timeout() {
    let ws = FakeWs::start(None).await;
    let app = app_probing(
        &ws.url,
        RestConfig {
            probe_timeout_ms: 150,
            ..rest_config()
        },
    )
    .await;
    let started = Instant::now();
    let v = app.get("/health").await.ok_json();
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(v["status"], "degraded");
    assert_eq!(v["components"]["ws_server"], "down");
    assert_eq!(
        v["details"]["ws_server"]["reason"],
        "no answer within 150 ms"
    );
    assert_eq!(ws.probes(), 1);
}

#[tokio::test]
async fn the_ws_probe_result_is_reused_for_probe_cache_ms() {
    let ws = FakeWs::start(Some(r#"{"status":"ok"}"#)).await;
    let app = app_probing(
        &ws.url,
        RestConfig {
            probe_cache_ms: 60_000,
            ..rest_config()
        },
    )
    .await;
    let mut client = app.connect().await;
    let first = client.get("/health").await.ok_json();
    app.clock.advance(5000);
    let second = client.get("/health").await.ok_json();
    assert_eq!(ws.probes(), 1, "the second /health reused the first probe");
    assert_eq!(second["timestamp"], NOW_MS + 5000);
    assert_eq!(
        second["details"]["ws_server"],
        first["details"]["ws_server"]
    );
    assert_eq!(second["details"]["ws_server"]["checked_at"], NOW_MS);
}

#[tokio::test]
async fn the_ws_probe_runs_again_once_its_cached_result_expires() {
    let ws = FakeWs::start(Some(r#"{"status":"ok"}"#)).await;
    let app = app_probing(
        &ws.url,
        RestConfig {
            probe_cache_ms: 300,
            ..rest_config()
        },
    )
    .await;
    let mut client = app.connect().await;
    let started = Instant::now();
    client.get("/health").await.ok_json();
    assert_eq!(ws.probes(), 1);
    let refreshed = within("the cached probe to expire", async {
        loop {
            app.clock.advance(1000);
            let v = client.get("/health").await.ok_json();
            if ws.probes() == 2 {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "probed again after {:?}",
        started.elapsed()
    );
    assert_eq!(
        refreshed["details"]["ws_server"]["checked_at"],
        refreshed["timestamp"]
    );
}

#[tokio::test]
async fn a_clock_before_the_epoch_degrades_the_market_clock_component() {
    let ws = FakeWs::start(Some(r#"{"status":"ok"}"#)).await;
    let app = app_probing(&ws.url, rest_config()).await;
    app.clock.set(DEFAULT_EPOCH_MS - 60_000);
    let v = app.get("/health").await.ok_json();
    assert_eq!(v["status"], "degraded");
    assert_eq!(
        v["components"],
        json!({"market_clock": "degraded", "ws_server": "healthy"})
    );
    assert_eq!(
        v["details"]["market_clock"]["reason"],
        "the clock is before the epoch: prices stay at tick 0 until it passes"
    );
    assert_eq!(v["details"]["market_clock"]["tick"], 0);
}
