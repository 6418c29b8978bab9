//! Connection churn: 20 000 WebSocket and 20 000 HTTP connect/disconnect cycles. Afterwards
//! open descriptors and resident memory must be back at their baseline.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;
use ticker_core::SystemClock;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use ws_server::WsConfig;

use crate::helpers;

const CYCLES: u64 = 20_000;
const PARALLEL: u64 = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_connect_disconnect_cycles_leak_nothing() {
    let _serial = helpers::SERIAL.lock().await;
    let market = helpers::market(100);
    let ws = helpers::ws(WsConfig::default(), market.clone(), Arc::new(SystemClock)).await;
    let rest = helpers::rest(
        rest_api::RestConfig::default(),
        market,
        Arc::new(SystemClock),
    )
    .await;
    let (ws_addr, rest_addr) = (ws.addr, rest.addr);

    // Warm-up: first-use allocations (runtime, allocator arenas) are not leaks.
    for _ in 0..300 {
        let (mut c, _) = tokio_tungstenite::connect_async(format!("ws://{ws_addr}/ws"))
            .await
            .unwrap();
        let _ = c.next().await;
        let _ = c.close(None).await;
        let _ = helpers::http(
            rest_addr,
            b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        )
        .await;
    }
    let fds_before = helpers::settle_fds(0, Duration::from_millis(500)).await;
    let rss_before = helpers::rss_kib();
    let started = Instant::now();
    let failures = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..PARALLEL {
        let failures = failures.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..CYCLES / PARALLEL {
                // A WebSocket client that takes its welcome and leaves (every other one
                // vanishes without a close frame, like a killed browser tab).
                match tokio_tungstenite::connect_async(format!("ws://{ws_addr}/ws?symbols=AAPL"))
                    .await
                {
                    Ok((mut c, _)) => {
                        if !matches!(c.next().await, Some(Ok(_))) {
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                        if i % 2 == 0 {
                            let _ = c.close(None).await;
                        }
                    }
                    Err(_) => {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
                // An HTTP client: one request on a fresh connection.
                let ok = async {
                    let mut s = TcpStream::connect(rest_addr).await.ok()?;
                    s.write_all(
                        b"GET /api/v1/latest/AAPL HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
                    )
                    .await
                    .ok()?;
                    let mut buf = Vec::new();
                    s.read_to_end(&mut buf).await.ok()?;
                    buf.starts_with(b"HTTP/1.1 200").then_some(())
                };
                if ok.await.is_none() {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        tokio::time::timeout(Duration::from_secs(600), t)
            .await
            .unwrap()
            .unwrap();
    }
    let elapsed = started.elapsed();
    let fds_after = helpers::settle_fds(fds_before, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after = helpers::rss_kib();
    let figures = json!({
        "ws_cycles": CYCLES,
        "http_cycles": CYCLES,
        "failures": failures.load(Ordering::Relaxed),
        "fds_before": fds_before,
        "fds_after": fds_after,
        "rss_kib_before": rss_before,
        "rss_kib_after": rss_after,
        "seconds": elapsed.as_secs_f64(),
    });
    helpers::record("churn", &figures);
    assert_eq!(failures.load(Ordering::Relaxed), 0, "{figures}");
    assert!(fds_after <= fds_before, "descriptors leaked: {figures}");
    // 6 MiB over 40 000 connections: a leak of 150 bytes per connection would fail this.
    assert!(rss_after < rss_before + 6 * 1024, "memory grew: {figures}");
    ws.stop().await;
    rest.stop().await;
}
