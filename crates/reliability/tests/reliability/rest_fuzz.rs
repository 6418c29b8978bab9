//! 10 000+ malformed or hostile HTTP requests against the real REST service: it must stay up,
//! never answer 5xx, answer every error in the JSON error shape (a `HEAD` answer: its head
//! alone), answer every request on which the client sent anything, and give its memory back.
//! Each request is classified by what was sent (complete, truncated, random bytes, nothing,
//! dripped), and so is each one left unanswered.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use rest_api::RestConfig;
use serde_json::json;
use ticker_core::ManualClock;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{self, is_error_shape, parse_responses};

const REQUESTS: u64 = 10_000;
const WORKERS: u64 = 32;

const PATHS: &[&str] = &[
    "/",
    "/health",
    "/metrics",
    "/api/v1/symbols",
    "/api/v1/latest/AAPL",
    "/api/v1/latest/aapl",
    "/api/v1/latest?symbols=AAPL,MSFT",
    "/api/v1/history/MSFT?interval=1m&limit=50",
    "/api/v1/latest/../../etc/passwd",
    "/api/v1/latest/%2e%2e%2fetc",
    "/api/v1/latest/AAPL%00",
    "/api/v1/latest/%ff%fe",
    "/api/v1/history/AAPL?limit=-1",
    "/api/v1/history/AAPL?limit=99999999999999999999",
    "/api/v1/history/AAPL?interval=7m",
    "/api/v1/history/AAPL?from=yesterday",
    "/api/v1/history/AAPL?from=2030-01-01T00:00:00Z",
    "/api/v1/history/AAPL?to=0&from=5",
    "/api/v1/history/AAPL?interval=1d&limit=1000&from=1970-01-01",
    "/api/v1/latest?symbols=%ZZ",
    "/api/v1/latest?symbols=AAPL&symbols=MSFT",
    "/api/v1/latest?format=xml",
    "/api/v1/latest/ABCDEFGHIJKLMNOP",
    "/nope",
    "//",
    "/api/v1/latest/A/B/C",
    "*",
];

const METHODS: &[&str] = &[
    "GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "TRACE", "BREW", "G\x01T", "",
    "GET GET",
];

/// What decides whether a request must be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// A complete head (hostile or valid), maybe followed by garbage.
    Complete,
    /// A head cut short that the client never finishes.
    Truncated,
    /// Random bytes.
    Random,
    /// Nothing at all (a head cut at its first byte): a connection that never speaks.
    Empty,
    /// Any of the above sent as a slowloris drip (its first 10 bytes, one every 50 ms).
    Dripped,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Complete,
        Kind::Truncated,
        Kind::Random,
        Kind::Empty,
        Kind::Dripped,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Complete => "complete",
            Kind::Truncated => "truncated",
            Kind::Random => "random_bytes",
            Kind::Empty => "empty",
            Kind::Dripped => "dripped",
        }
    }

    /// Whether the server may leave it unanswered: only a connection on which the client
    /// never sent a byte (closed quietly, by design). A head the client cuts short or drips
    /// gets `408` at the header timeout, or `400` as soon as what arrived cannot be a head.
    fn may_go_unanswered(self) -> bool {
        self == Kind::Empty
    }
}

/// Builds one hostile (or occasionally valid) request.
fn request(rng: &mut SmallRng) -> (Vec<u8>, Kind) {
    let method = METHODS[rng.random_range(0..METHODS.len())];
    let mut path = PATHS[rng.random_range(0..PATHS.len())].as_bytes().to_vec();
    let drip = rng.random_range(0..50) == 0;
    let mut tail: Vec<u8> = Vec::new();
    let mut headers = String::from("host: fuzz\r\n");
    match rng.random_range(0..14) {
        0 => path.extend(std::iter::repeat_n(b'a', rng.random_range(3_000..20_000))),
        1 => path.extend((0..rng.random_range(1..40)).map(|_| rng.random_range(0x80..=0xffu8))),
        2 => headers.push_str(&format!(
            "x-big: {}\r\n",
            "h".repeat(rng.random_range(10_000..40_000))
        )),
        3 => {
            for i in 0..rng.random_range(60..200) {
                headers.push_str(&format!("x-{i}: v\r\n"));
            }
        }
        4 => headers.push_str("content-length: 999999999\r\n"),
        5 => headers.push_str("transfer-encoding: chunked\r\n"),
        6 => headers.push_str("content-length: 5\r\ntransfer-encoding: chunked\r\n"),
        7 => headers.push_str("bad header: x\r\n"),
        8 => headers.push_str("x-nul: a\0b\r\n"),
        9 => tail.extend((0..rng.random_range(1..300)).map(|_| rng.random::<u8>())),
        11 => headers.push_str("origin: http://localhost:5173\r\n"),
        _ => {}
    }
    let version = match rng.random_range(0..12) {
        0 => "HTTP/2.0",
        1 => "HTTP/1.0",
        2 => "HTTX/1.1",
        _ => "HTTP/1.1",
    };
    let mut raw = Vec::new();
    raw.extend_from_slice(method.as_bytes());
    raw.push(b' ');
    raw.extend_from_slice(&path);
    raw.extend_from_slice(format!(" {version}\r\n{headers}").as_bytes());
    let truncate = rng.random_range(0..10) == 0;
    let mut kind = if truncate {
        Kind::Truncated
    } else {
        Kind::Complete
    };
    if !truncate {
        raw.extend_from_slice(b"connection: close\r\n\r\n");
        if rng.random_range(0..8) == 0 {
            // Pipelined garbage after a complete request.
            raw.extend_from_slice(b"\x16\x03\x01 not http at all\r\n\r\n");
        }
        raw.extend_from_slice(&tail);
    } else {
        let cut = rng.random_range(0..raw.len());
        raw.truncate(cut);
    }
    if rng.random_range(0..20) == 0 {
        raw = (0..rng.random_range(1..2000))
            .map(|_| rng.random::<u8>())
            .collect();
        kind = Kind::Random;
    }
    if raw.is_empty() {
        kind = Kind::Empty;
    } else if drip {
        kind = Kind::Dripped;
    }
    (raw, kind)
}

#[derive(Default)]
struct Tally {
    sent: AtomicU64,
    answered: AtomicU64,
    /// Requests sent and left unanswered, per kind.
    sent_by_kind: Mutex<HashMap<Kind, (u64, u64)>>,
    head_requests: AtomicU64,
    head_answers: AtomicU64,
    ok_2xx: AtomicU64,
    errors_4xx: AtomicU64,
    five_xx: AtomicU64,
    bad_shape: AtomicU64,
    /// Answers to `HEAD` that carried a body.
    head_with_body: AtomicU64,
    /// Bytes after the last complete response that do not parse as one.
    leftover_bytes: AtomicU64,
}

async fn send(addr: std::net::SocketAddr, raw: &[u8], drip: bool) -> Vec<u8> {
    let Ok(mut s) = TcpStream::connect(addr).await else {
        return Vec::new();
    };
    if drip {
        // A slowloris: a byte every 50 ms, far slower than the 300 ms header timeout allows.
        for b in raw.iter().take(10) {
            if s.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    } else {
        // The server may close early on a bad head; later writes can fail, which is fine.
        let _ = s.write_all(raw).await;
        if raw.ends_with(b"\r\n\r\n") || raw.is_empty() {
            let _ = s.shutdown().await;
        }
    }
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut buf)).await;
    buf
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_survives_10k_hostile_requests() {
    let _serial = helpers::SERIAL.lock().await;
    let market = helpers::market(1000);
    let clock = Arc::new(ManualClock::new(
        market.schedule().time_of(ticker_core::Seq(90_000_000)),
    ));
    let config = RestConfig {
        header_timeout_ms: 300,
        max_connections: 512,
        ..RestConfig::default()
    };
    let server = helpers::rest(config, market, clock).await;
    let addr = server.addr;
    // Warm up allocator and caches, then take the baseline.
    for _ in 0..200 {
        let _ = helpers::http(
            addr,
            b"GET /api/v1/latest/AAPL HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        )
        .await;
    }
    let rss_before = helpers::rss_kib();
    let fds_before = helpers::open_fds();
    let started = Instant::now();

    let tally = Arc::new(Tally::default());
    let mut workers = Vec::new();
    for w in 0..WORKERS {
        let tally = tally.clone();
        workers.push(tokio::spawn(async move {
            let mut rng = SmallRng::seed_from_u64(0x5EED + w);
            for _ in 0..REQUESTS.div_ceil(WORKERS) {
                let (raw, kind) = request(&mut rng);
                tally.sent.fetch_add(1, Ordering::Relaxed);
                let head = raw.starts_with(b"HEAD ");
                let bytes = send(addr, &raw, kind == Kind::Dripped).await;
                let parsed = parse_responses(&bytes, head);
                {
                    let mut by_kind = tally.sent_by_kind.lock().unwrap();
                    let entry = by_kind.entry(kind).or_default();
                    entry.0 += 1;
                    entry.1 += u64::from(parsed.responses.is_empty());
                }
                // A truncated answer (the server closed mid-response) or a body after a HEAD
                // answer shows up as bytes that are no complete response.
                tally
                    .leftover_bytes
                    .fetch_add(parsed.leftover as u64, Ordering::Relaxed);
                if head {
                    tally.head_requests.fetch_add(1, Ordering::Relaxed);
                    tally
                        .head_answers
                        .fetch_add(u64::from(!parsed.responses.is_empty()), Ordering::Relaxed);
                }
                for (i, r) in parsed.responses.into_iter().enumerate() {
                    tally.answered.fetch_add(1, Ordering::Relaxed);
                    let to_head = head && i == 0;
                    if to_head && !r.body.is_empty() {
                        tally.head_with_body.fetch_add(1, Ordering::Relaxed);
                    }
                    match r.status {
                        500.. => {
                            tally.five_xx.fetch_add(1, Ordering::Relaxed);
                        }
                        400..=499 => {
                            tally.errors_4xx.fetch_add(1, Ordering::Relaxed);
                            // The JSON error shape; a HEAD answer has its head only, which
                            // must still announce a JSON body.
                            let shaped = if to_head {
                                r.header("content-type") == Some("application/json")
                                    && r.header("content-length").is_some_and(|n| n != "0")
                            } else {
                                is_error_shape(&r.body)
                            };
                            if !shaped || r.header("access-control-allow-origin").is_none() {
                                tally.bad_shape.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        _ => {
                            tally.ok_2xx.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        }));
    }
    for w in workers {
        tokio::time::timeout(Duration::from_secs(240), w)
            .await
            .unwrap()
            .unwrap();
    }
    let elapsed = started.elapsed();
    assert!(server.is_running(), "the server task ended");
    let health = helpers::http(
        addr,
        b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(health.status, 200);
    let fds_after = helpers::settle_fds(fds_before, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_after = helpers::rss_kib();

    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let by_kind = tally.sent_by_kind.lock().unwrap().clone();
    let per_kind = |pick: fn(&(u64, u64)) -> u64| {
        Kind::ALL
            .iter()
            .map(|k| (k.name(), pick(by_kind.get(k).unwrap_or(&(0, 0)))))
            .collect::<HashMap<_, _>>()
    };
    let unanswered: u64 = by_kind.values().map(|(_, u)| u).sum();
    let figures = json!({
        "requests_sent": get(&tally.sent),
        "sent_by_kind": per_kind(|e| e.0),
        "responses": get(&tally.answered),
        "unanswered": unanswered,
        "unanswered_by_kind": per_kind(|e| e.1),
        "head_requests": get(&tally.head_requests),
        "head_answered": get(&tally.head_answers),
        "head_answers_with_body": get(&tally.head_with_body),
        "leftover_bytes": get(&tally.leftover_bytes),
        "2xx_3xx": get(&tally.ok_2xx),
        "4xx": get(&tally.errors_4xx),
        "5xx": get(&tally.five_xx),
        "not_json_error_shape": get(&tally.bad_shape),
        "rss_kib_before": rss_before,
        "rss_kib_after": rss_after,
        "fds_before": fds_before,
        "fds_after": fds_after,
        "seconds": elapsed.as_secs_f64(),
    });
    helpers::record("rest_fuzz", &figures);
    assert!(get(&tally.sent) >= REQUESTS, "{figures}");
    assert_eq!(get(&tally.five_xx), 0, "{figures}");
    assert_eq!(get(&tally.bad_shape), 0, "{figures}");
    assert_eq!(get(&tally.head_with_body), 0, "{figures}");
    assert_eq!(get(&tally.leftover_bytes), 0, "{figures}");
    for (kind, (sent, unanswered)) in &by_kind {
        assert!(
            *unanswered == 0 || kind.may_go_unanswered(),
            "{unanswered} of {sent} {} requests went unanswered: {figures}",
            kind.name()
        );
    }
    assert!(
        get(&tally.head_requests) > 100 && get(&tally.head_answers) > 100,
        "HEAD answers are parsed and checked: {figures}"
    );
    assert!(
        get(&tally.errors_4xx) > REQUESTS / 2,
        "most requests are hostile: {figures}"
    );
    assert!(
        get(&tally.ok_2xx) > 50,
        "valid requests still work: {figures}"
    );
    assert!(fds_after <= fds_before, "descriptors leaked: {figures}");
    // Allocator caches keep a little (~2 MiB seen); 6 MiB over 10 000 requests means a leak
    // of 600 bytes per request would fail this.
    assert!(
        rss_after < rss_before + 6 * 1024,
        "memory did not come back: {figures}"
    );
    server.stop().await;
}
