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

/// How a group of [`PEERS`] stuck peers was dropped, timed from just before the first one
/// connected.
struct Dropped {
    /// When the first one was seen gone.
    first: Duration,
    /// When all were seen gone.
    all: Duration,
    /// Highest RSS (KiB) sampled while all of them were connected and stuck.
    rss_peak: u64,
    /// RSS samples taken while all were connected.
    samples: u32,
}

/// Watches the peers opened since `opened`: waits until all [`PEERS`] are connected (before
/// the earliest documented drop, else the timing would mean nothing), samples memory while
/// they are stuck, then waits for all to be dropped. No drop may be seen before `min` nor
/// any peer left after `max`.
async fn watch_drops(addr: SocketAddr, opened: Instant, min: Duration, max: Duration) -> Dropped {
    loop {
        let n = connections(addr).await;
        if n == PEERS as u64 {
            break;
        }
        assert!(
            opened.elapsed() < min,
            "only {n} of {PEERS} peers connected after {:?}",
            opened.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (mut rss_peak, mut samples) = (0, 0);
    let first = loop {
        let rss = helpers::rss_kib();
        if connections(addr).await < PEERS as u64 {
            break opened.elapsed();
        }
        rss_peak = rss_peak.max(rss);
        samples += 1;
        assert!(opened.elapsed() < max, "no peer dropped after {max:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(
        first >= min,
        "a peer was dropped after {first:?}, before the documented {min:?}"
    );
    let all = loop {
        if connections(addr).await == 0 {
            break opened.elapsed();
        }
        assert!(
            opened.elapsed() < max,
            "peers still connected after {max:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    Dropped {
        first,
        all,
        rss_peak,
        samples,
    }
}

fn record(figures: &mut serde_json::Map<String, serde_json::Value>, kind: &str, d: &Dropped) {
    figures.insert(
        format!("{kind}_first_dropped_ms"),
        json!(d.first.as_millis()),
    );
    figures.insert(format!("{kind}_dropped_ms"), json!(d.all.as_millis()));
    figures.insert(format!("{kind}_rss_kib_stuck"), json!(d.rss_peak));
    figures.insert(format!("{kind}_rss_samples"), json!(d.samples));
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
    let market = helpers::market(5);
    let clock = helpers::early_in_the_day(&market);
    let server = helpers::ws(config, market, clock).await;
    let addr = server.addr;
    let rss_before = helpers::rss_kib();
    // Documented: silence is noticed at the first ping tick at least 2 intervals after the last
    // frame heard (so within 3 intervals), and the close frame gets at most 1 s to go out.
    let heartbeat_min = Duration::from_millis(2 * PING_MS);
    let heartbeat_max = Duration::from_millis(3 * PING_MS + 1300);
    let mut figures = serde_json::Map::new();

    // 1. Never reads (and so never answers pings either): the heartbeat or the stall timeout,
    //    whichever comes first, must drop it.
    let opened = Instant::now();
    let mut held = Vec::new();
    for _ in 0..PEERS {
        held.push(tiny_window(addr).await);
    }
    let never_reads = watch_drops(
        addr,
        opened,
        heartbeat_min.min(Duration::from_millis(STALL_MS)),
        heartbeat_max.max(Duration::from_millis(STALL_MS + 1300)),
    )
    .await;
    record(&mut figures, "never_reads", &never_reads);
    drop(held);

    // 2. Stops in the middle of a frame: reads everything, sends half a header, then nothing.
    let opened = Instant::now();
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
    let mid_frame = watch_drops(addr, opened, heartbeat_min, heartbeat_max).await;
    record(&mut figures, "mid_frame", &mid_frame);
    for h in held {
        tokio::time::timeout(Duration::from_secs(5), h)
            .await
            .unwrap()
            .unwrap();
    }

    // 3. Reads everything but never answers a ping.
    let opened = Instant::now();
    let mut held = Vec::new();
    for _ in 0..PEERS {
        let (mut s, _) = wsraw::handshake(addr, "/ws").await.unwrap();
        held.push(tokio::spawn(async move {
            // Frames are decoded as they come and dropped, so that this process's memory,
            // which the test measures, is the server's and not the peers'.
            let (mut pending, mut pinged) = (Vec::new(), false);
            let mut sink = [0u8; 8192];
            while let Ok(n) = s.read(&mut sink).await {
                if n == 0 {
                    break;
                }
                pending.extend_from_slice(&sink[..n]);
                let (frames, used) = wsraw::decode_prefix(&pending);
                pinged |= frames.iter().any(|(op, _)| *op == wsraw::PING);
                pending.drain(..used);
            }
            pinged
        }));
    }
    let no_pong = watch_drops(addr, opened, heartbeat_min, heartbeat_max).await;
    record(&mut figures, "no_pong", &no_pong);
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
    assert!(
        t >= Duration::from_millis(300),
        "closed before the header timeout: {t:?}"
    );
    assert!(t < Duration::from_millis(1000), "{t:?}");
    assert!(
        buf.is_empty(),
        "a connection that never spoke gets no answer"
    );

    figures.insert("rss_kib_before".into(), json!(rss_before));
    figures.insert("rss_kib_after".into(), json!(helpers::rss_kib()));
    figures.insert("peers_per_kind".into(), json!(PEERS));
    let figures = serde_json::Value::Object(figures);
    helpers::record("peers", &figures);
    // Twenty stuck peers may hold at most their bounded queues, not megabytes each; measured
    // while they were all connected and stuck.
    for d in [&never_reads, &mid_frame, &no_pong] {
        assert!(d.samples > 0, "no memory sample while stuck: {figures}");
        assert!(d.rss_peak < rss_before + 4 * 1024, "{figures}");
    }
    rest.stop().await;
    server.stop().await;
}
