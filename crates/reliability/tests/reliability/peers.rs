//! Slow and dead peers: a client that never reads, one that stops mid-frame, one that never
//! answers pings, a silent (half-open) HTTP connection. Each must be dropped within its
//! documented time while server memory stays bounded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use ticker_core::SystemClock;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use ws_server::WsConfig;

use crate::helpers;
use crate::wsraw::{self, TEXT};

const PEERS: usize = 20;
const PING_MS: u64 = 200;
const STALL_MS: u64 = 500;

async fn connections(addr: SocketAddr) -> u64 {
    let r = helpers::http(
        addr,
        b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    v["connections"].as_u64().unwrap()
}

/// Waits until the server holds no sessions; returns the time it took.
async fn until_dropped(addr: SocketAddr, started: Instant, limit: Duration) -> Duration {
    loop {
        if connections(addr).await == 0 {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "peers still connected after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A handshake over a socket with a tiny receive buffer (so the server's writes back up).
async fn tiny_window(addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    let mut s = socket.connect(addr).await.unwrap();
    let req = format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_dead_peers_are_dropped_within_their_documented_time() {
    let _serial = helpers::SERIAL.lock().await;
    let config = WsConfig {
        ping_interval_ms: PING_MS,
        stall_timeout_ms: STALL_MS,
        send_buffer_bytes: 4096,
        queue_ticks: 4,
        ..WsConfig::default()
    };
    let server = helpers::ws(config, helpers::market(5), Arc::new(SystemClock)).await;
    let addr = server.addr;
    let rss_before = helpers::rss_kib();
    // Documented: silence is noticed at the first ping tick at least 2 intervals after the last
    // frame heard (so within 3 intervals), and the close frame gets at most 1 s to go out.
    let heartbeat_bound = Duration::from_millis(3 * PING_MS + 1300);
    let mut figures = serde_json::Map::new();

    // 1. Never reads (and so never answers pings either): the heartbeat or the stall timeout,
    //    whichever comes first, must drop it.
    let started = Instant::now();
    let mut held = Vec::new();
    for _ in 0..PEERS {
        held.push(tiny_window(addr).await);
    }
    let t = until_dropped(addr, started, Duration::from_secs(10)).await;
    figures.insert("never_reads_dropped_ms".into(), json!(t.as_millis()));
    assert!(
        t <= heartbeat_bound.max(Duration::from_millis(STALL_MS + 1300)),
        "{t:?}"
    );
    let rss_peak = helpers::rss_kib();
    drop(held);

    // 2. Stops in the middle of a frame: reads everything, sends half a header, then nothing.
    let started = Instant::now();
    let mut held = Vec::new();
    for _ in 0..PEERS {
        let (mut s, _) = wsraw::handshake(addr, "/ws").await.unwrap();
        let f = wsraw::client(TEXT, true, &[b'x'; 100]);
        s.write_all(&f[..3]).await.unwrap();
        held.push(tokio::spawn(async move {
            let mut sink = [0u8; 8192];
            while matches!(s.read(&mut sink).await, Ok(n) if n > 0) {}
        }));
    }
    let t = until_dropped(addr, started, Duration::from_secs(10)).await;
    figures.insert("mid_frame_dropped_ms".into(), json!(t.as_millis()));
    assert!(t <= heartbeat_bound, "{t:?}");
    for h in held {
        tokio::time::timeout(Duration::from_secs(5), h)
            .await
            .unwrap()
            .unwrap();
    }

    // 3. Reads everything but never answers a ping.
    let started = Instant::now();
    let mut held = Vec::new();
    for _ in 0..PEERS {
        let (mut s, _) = wsraw::handshake(addr, "/ws").await.unwrap();
        held.push(tokio::spawn(async move {
            let mut all = Vec::new();
            let mut sink = [0u8; 8192];
            while let Ok(n) = s.read(&mut sink).await {
                if n == 0 {
                    break;
                }
                all.extend_from_slice(&sink[..n]);
            }
            wsraw::decode(&all).iter().any(|(op, _)| *op == wsraw::PING)
        }));
    }
    let t = until_dropped(addr, started, Duration::from_secs(10)).await;
    figures.insert("no_pong_dropped_ms".into(), json!(t.as_millis()));
    assert!(t <= heartbeat_bound, "{t:?}");
    for h in held {
        assert!(
            tokio::time::timeout(Duration::from_secs(5), h)
                .await
                .unwrap()
                .unwrap(),
            "pings were sent"
        );
    }

    // 4. A half-open HTTP connection (nothing ever arrives) on the REST service: closed at the
    //    header timeout, without an answer.
    let rest = helpers::rest(
        rest_api::RestConfig {
            header_timeout_ms: 300,
            ..rest_api::RestConfig::default()
        },
        helpers::market(1000),
        Arc::new(SystemClock),
    )
    .await;
    let started = Instant::now();
    let mut silent = TcpStream::connect(rest.addr).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut buf))
        .await
        .expect("the silent connection was not closed")
        .unwrap();
    let t = started.elapsed();
    figures.insert("silent_http_closed_ms".into(), json!(t.as_millis()));
    assert!(t < Duration::from_millis(1000), "{t:?}");
    assert!(
        buf.is_empty(),
        "a connection that never spoke gets no answer"
    );

    figures.insert("rss_kib_before".into(), json!(rss_before));
    figures.insert("rss_kib_with_stuck_peers".into(), json!(rss_peak));
    figures.insert("rss_kib_after".into(), json!(helpers::rss_kib()));
    figures.insert("peers_per_kind".into(), json!(PEERS));
    let figures = serde_json::Value::Object(figures);
    helpers::record("peers", &figures);
    // Twenty stuck peers may hold at most their bounded queues, not megabytes each.
    assert!(rss_peak < rss_before + 4 * 1024, "{figures}");
    rest.stop().await;
    server.stop().await;
}
