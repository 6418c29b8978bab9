//! 10 000+ hostile WebSocket frames: every one gets an error message or a documented close
//! code, the server never crashes, and a well-behaved client on the same server misses no seq.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use ticker_core::SystemClock;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;
use ws_server::WsConfig;

use crate::helpers;
use crate::wsraw::{self, BINARY, CLOSE, CONTINUATION, PING, TEXT};

const FRAMES: u64 = 10_000;
/// Close codes the protocol documents for misbehaving clients.
const DOCUMENTED: [u16; 4] = [1002, 1007, 1008, 1009];

/// One hostile (or harmless) client frame.
fn hostile(rng: &mut SmallRng) -> Vec<u8> {
    let junk: Vec<u8> = (0..rng.random_range(0..64))
        .map(|_| rng.random::<u8>())
        .collect();
    match rng.random_range(0..18) {
        0 => wsraw::client(TEXT, true, b"{not json"),
        1 => wsraw::client(TEXT, true, br#"{"type":5}"#),
        2 => wsraw::client(TEXT, true, br#"{"type":"subscribe","symbols":[1,2,3]}"#),
        3 => wsraw::client(TEXT, true, br#"{"type":"teleport"}"#),
        4 => wsraw::client(TEXT, true, b"[null]"),
        5 => {
            let names: Vec<String> = (0..1500).map(|i| format!("S{i}")).collect();
            wsraw::client(
                TEXT,
                true,
                json!({"type":"subscribe","symbols":names})
                    .to_string()
                    .as_bytes(),
            )
        }
        6 => wsraw::client(BINARY, true, &junk),
        7 => wsraw::client(TEXT, true, &[0xff, 0xfe, 0xfd]), // invalid UTF-8: 1007
        8 => {
            // A valid fragmented message, then the final fragment.
            let mut f = wsraw::client(TEXT, false, br#"{"type":"#);
            f.extend(wsraw::client(CONTINUATION, true, br#""ping"}"#));
            f
        }
        9 => wsraw::client(CONTINUATION, true, b"orphan"), // 1002
        10 => wsraw::client(PING, true, &[7u8; 125]),
        11 => wsraw::client(PING, true, &[7u8; 200]), // control payload > 125: 1002
        12 => wsraw::client(PING, false, b"x"),       // fragmented control: 1002
        13 => wsraw::frame(TEXT, true, 0, br#"{"type":"ping"}"#, None), // unmasked: 1002
        14 => wsraw::client(TEXT, true, &vec![b' '; 20_000]), // over 16 KiB: 1009
        15 => wsraw::client(0x3, true, b"reserved opcode"), // 1002
        16 => wsraw::frame(TEXT, true, 0x4, b"{}", Some([1, 2, 3, 4])), // RSV1 without extension: 1002
        _ => wsraw::client(
            TEXT,
            true,
            br#"{"type":"subscribe","symbols":["aapl","NOPE"]}"#,
        ),
    }
}

#[derive(Default)]
struct Tally {
    frames: AtomicU64,
    connections: AtomicU64,
    error_messages: AtomicU64,
    closes: Mutex<HashMap<u16, u64>>,
    eof_without_close: AtomicU64,
    still_open: AtomicU64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ws_survives_10k_hostile_frames_and_other_clients_miss_nothing() {
    let _serial = helpers::SERIAL.lock().await;
    let market = helpers::market(20);
    let server = helpers::ws(WsConfig::default(), market, Arc::new(SystemClock)).await;
    let addr = server.addr;

    // The well-behaved client: every symbol, every tick, no gaps allowed.
    let (mut observer, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let done = done.clone();
        tokio::spawn(async move {
            let mut last: HashMap<String, u64> = HashMap::new();
            let (mut frames, mut gaps) = (0u64, 0u64);
            while !done.load(Ordering::Relaxed) {
                let Ok(Some(Ok(Message::Text(t)))) =
                    tokio::time::timeout(Duration::from_secs(2), observer.next()).await
                else {
                    panic!("the observer lost its stream");
                };
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                if v["type"] != "quote" {
                    continue;
                }
                frames += 1;
                let seq = v["seq"].as_u64().unwrap();
                if let Some(prev) = last.insert(v["symbol"].as_str().unwrap().to_owned(), seq) {
                    if seq != prev + 1 {
                        gaps += 1;
                    }
                }
            }
            (frames, gaps)
        })
    };

    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..16u64 {
        let tally = tally.clone();
        workers.push(tokio::spawn(async move {
            let mut rng = SmallRng::seed_from_u64(0xF00D + w);
            // At least 10 000 frames, and long enough for the observer to see ~100 ticks.
            while tally.frames.load(Ordering::Relaxed) < FRAMES
                || started.elapsed() < Duration::from_secs(2)
            {
                let Ok((mut s, pre)) = wsraw::handshake(addr, "/ws?symbols=MSFT").await else {
                    continue;
                };
                tally.connections.fetch_add(1, Ordering::Relaxed);
                let burst = rng.random_range(1..60);
                for _ in 0..burst {
                    let f = hostile(&mut rng);
                    tally.frames.fetch_add(1, Ordering::Relaxed);
                    if s.write_all(&f).await.is_err() {
                        break;
                    }
                }
                // Finish politely so a connection that survived its burst ends cleanly.
                let _ = s
                    .write_all(&wsraw::client(CLOSE, true, &1000u16.to_be_bytes()))
                    .await;
                let (bytes, closed) =
                    wsraw::read_until_closed(&mut s, pre, Duration::from_secs(5)).await;
                let frames = wsraw::decode(&bytes);
                let errors = frames
                    .iter()
                    .filter(|(op, p)| *op == TEXT && p.starts_with(br#"{"type":"error""#))
                    .count() as u64;
                tally.error_messages.fetch_add(errors, Ordering::Relaxed);
                match frames.iter().find(|(op, _)| *op == CLOSE) {
                    Some((_, payload)) => {
                        *tally
                            .closes
                            .lock()
                            .unwrap()
                            .entry(wsraw::close_code(payload))
                            .or_default() += 1;
                    }
                    None if closed => {
                        tally.eof_without_close.fetch_add(1, Ordering::Relaxed);
                    }
                    None => {
                        tally.still_open.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for w in workers {
        tokio::time::timeout(Duration::from_secs(180), w)
            .await
            .unwrap()
            .unwrap();
    }
    done.store(true, Ordering::Relaxed);
    let (observed, gaps) = tokio::time::timeout(Duration::from_secs(5), watcher)
        .await
        .unwrap()
        .unwrap();
    assert!(server.is_running());
    let health = helpers::http(
        addr,
        b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(health.status, 200);

    let closes = tally.closes.lock().unwrap().clone();
    let figures = json!({
        "frames_sent": tally.frames.load(Ordering::Relaxed),
        "connections": tally.connections.load(Ordering::Relaxed),
        "error_messages": tally.error_messages.load(Ordering::Relaxed),
        "close_codes": closes.iter().map(|(k, v)| (k.to_string(), *v)).collect::<HashMap<_, _>>(),
        "eof_without_close_frame": tally.eof_without_close.load(Ordering::Relaxed),
        "left_open_after_5s": tally.still_open.load(Ordering::Relaxed),
        "observer_frames": observed,
        "observer_seq_gaps": gaps,
        "seconds": started.elapsed().as_secs_f64(),
    });
    helpers::record("ws_fuzz", &figures);
    assert!(tally.frames.load(Ordering::Relaxed) >= FRAMES, "{figures}");
    assert_eq!(gaps, 0, "the observer missed ticks: {figures}");
    assert!(observed > 100, "{figures}");
    assert!(
        tally.error_messages.load(Ordering::Relaxed) > 0,
        "{figures}"
    );
    for code in closes.keys() {
        assert!(
            DOCUMENTED.contains(code) || *code == 1000,
            "undocumented close code {code}: {figures}"
        );
    }
    assert_eq!(tally.still_open.load(Ordering::Relaxed), 0, "{figures}");
    server.stop().await;
}
