//! Signals against the real binaries: SIGTERM under load closes every WebSocket client with
//! 1001; on the REST service it refuses new connections at once while in-flight requests
//! finish, then exits 0 within the grace period; a second SIGTERM exits at once.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers;
use crate::process::{free_port, wait_port, Service};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_closes_every_ws_client_with_1001_and_exits_zero() {
    let _serial = helpers::SERIAL.lock().await;
    let port = free_port();
    let port_s = port.to_string();
    // A 10 ms market on the system clock would walk the whole UTC day so far at start-up.
    let clock = helpers::early_in_the_day_flags();
    let mut args = vec![
        "--port",
        &port_s,
        "--interval-ms",
        "10",
        "--shutdown-grace-ms",
        "3000",
    ];
    args.extend(clock.iter().map(String::as_str));
    let mut server = Service::start("ws-server", &args);
    wait_port(port).await;
    let mut clients = Vec::new();
    for _ in 0..50 {
        let (c, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/ws"))
            .await
            .unwrap();
        clients.push(c);
    }
    let readers: Vec<_> = clients
        .into_iter()
        .map(|mut c| {
            tokio::spawn(async move {
                let mut frames = 0u64;
                loop {
                    match tokio::time::timeout(Duration::from_secs(10), c.next()).await {
                        Ok(Some(Ok(Message::Close(Some(f))))) => {
                            return (u16::from(f.code), frames)
                        }
                        Ok(Some(Ok(_))) => frames += 1,
                        _ => return (0, frames),
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.signal("-TERM");
    let (status, took) = server.exit_within(Duration::from_secs(5)).await;
    let mut codes = Vec::new();
    for r in readers {
        codes.push(r.await.unwrap());
    }
    let all_1001 = codes
        .iter()
        .all(|(code, frames)| *code == 1001 && *frames > 0);
    helpers::record(
        "sigterm_ws",
        &json!({"clients": codes.len(), "all_got_1001": all_1001, "exit_code": status.code(), "exit_ms": took.as_millis()}),
    );
    assert!(all_1001, "close codes and frames per client: {codes:?}");
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

async fn get(port: u16, path: &str) -> Result<Vec<u8>, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.map_err(|e| e.to_string())?;
    Ok(buf)
}

/// Waits (up to `limit`) until connecting to the port is refused; returns how long it took.
async fn until_refused(port: u16, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        match TcpStream::connect(("127.0.0.1", port)).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                return Some(started.elapsed())
            }
            // Still listening, or reset by a listener that is closing: try again shortly.
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_refuses_new_connections_lets_in_flight_rest_requests_finish_then_exits_zero() {
    let _serial = helpers::SERIAL.lock().await;
    let port = free_port();
    let port_s = port.to_string();
    let mut server = Service::start(
        "rest-api",
        &[
            "--port",
            &port_s,
            "--debug-routes",
            "--shutdown-grace-ms",
            "5000",
        ],
    );
    wait_port(port).await;
    let in_flight: Vec<_> = (0..10)
        .map(|_| tokio::spawn(get(port, "/debug/sleep?ms=2000")))
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.signal("-TERM");
    // During the drain: the requests still run for ~1.7 s and the process lives, yet new
    // connections are already refused.
    let refused = until_refused(port, Duration::from_millis(1000)).await;
    let draining =
        server.0.try_wait().unwrap().is_none() && in_flight.iter().all(|r| !r.is_finished());
    let mut completed = 0;
    for r in in_flight {
        let body = r.await.unwrap().unwrap();
        assert!(
            body.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&body)
        );
        completed += 1;
    }
    let (status, took) = server.exit_within(Duration::from_secs(6)).await;
    helpers::record(
        "sigterm_rest",
        &json!({
            "in_flight": 10, "completed": completed, "exit_code": status.code(),
            "exit_ms": took.as_millis(),
            "refused_during_drain": refused.is_some() && draining,
            "refused_ms_after_signal": refused.map(|d| d.as_millis()),
        }),
    );
    assert!(
        refused.is_some(),
        "new connections were still accepted 1 s into the drain"
    );
    assert!(
        draining,
        "the refusal was not measured during the drain (the requests or the process ended)"
    );
    assert!(status.success(), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigterm_exits_at_once() {
    let _serial = helpers::SERIAL.lock().await;
    let port = free_port();
    let port_s = port.to_string();
    let mut server = Service::start(
        "rest-api",
        &[
            "--port",
            &port_s,
            "--debug-routes",
            "--shutdown-grace-ms",
            "60000",
        ],
    );
    wait_port(port).await;
    let stuck = tokio::spawn(get(port, "/debug/sleep?ms=30000"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.signal("-TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        server.0.try_wait().unwrap().is_none(),
        "the first signal waits for the request"
    );
    server.signal("-TERM");
    let (status, took) = server.exit_within(Duration::from_secs(3)).await;
    helpers::record(
        "second_sigterm",
        &json!({"exit_code": status.code(), "exit_ms_after_second": took.as_millis()}),
    );
    assert_eq!(status.code(), Some(130));
    stuck.abort();
}
