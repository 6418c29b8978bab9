//! Replicas: several ws-server processes share one port (`--reuse-port`) and the kernel
//! spreads connections over them. Every process computes the same bytes for the same seq, so a
//! client that is moved to another process (here by a rolling restart: each process is stopped
//! with SIGTERM, which closes its clients with 1001) resumes with `since` and sees one
//! gap-free, duplicate-free stream.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;
use ticker_core::{Market, MarketConfig, Seq};
use tokio::net::TcpSocket;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{quote_frame, Ws, PATIENCE};

const INTERVAL_MS: u64 = 20;
const SESSION_MS: u64 = 60_000;
const SYMBOLS: [&str; 2] = ["AAPL", "MSFT"];

/// The market every replica runs (the binary's defaults plus the flags below).
fn market() -> Market {
    Market::new(MarketConfig {
        interval_ms: INTERVAL_MS,
        session_ms: SESSION_MS,
        ..MarketConfig::default()
    })
    .unwrap()
}

/// A ws-server process, killed if the test ends before it exits.
struct Replica(Child);

impl Replica {
    /// Starts a replica on `port` and waits until it listens.
    fn start(port: u16) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ws-server"))
            .args([
                "--port",
                &port.to_string(),
                "--reuse-port",
                "--interval-ms",
                &INTERVAL_MS.to_string(),
                "--session-ms",
                &SESSION_MS.to_string(),
                "--shutdown-grace-ms",
                "2000",
            ])
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("ws-server listening") {
                    let _ = tx.send(());
                }
            }
        });
        let replica = Self(child);
        rx.recv_timeout(Duration::from_secs(20))
            .expect("the replica did not start listening");
        replica
    }

    /// SIGTERM, then waits for a clean exit.
    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Some(status) = self.0.try_wait().unwrap() {
                assert!(status.success(), "replica exited with {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the replica did not exit after SIGTERM");
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What the client has received, across connections.
#[derive(Default)]
struct Received {
    /// Per symbol: seq → frame text.
    frames: BTreeMap<&'static str, BTreeMap<u64, String>>,
}

impl Received {
    /// The newest tick the client has for every symbol: where to resume.
    fn complete_through(&self) -> u64 {
        SYMBOLS
            .iter()
            .map(|s| {
                self.frames
                    .get(s)
                    .and_then(|f| f.keys().last())
                    .copied()
                    .unwrap_or(0)
            })
            .min()
            .unwrap()
    }
}

/// Reads one connection until it is closed with 1001, checking every quote frame against the
/// core and that no (symbol, seq) repeats within it. Returns when the connection ends.
async fn follow(ws: &mut Ws, market: &Market, got: &mut Received, deadline: Instant) -> bool {
    let mut last: BTreeMap<&str, u64> = BTreeMap::new();
    while Instant::now() < deadline {
        let Ok(msg) = timeout(PATIENCE, ws.next()).await else {
            panic!("no frame for {PATIENCE:?}");
        };
        let text = match msg {
            Some(Ok(Message::Text(text))) => text.as_str().to_owned(),
            Some(Ok(Message::Close(frame))) => {
                assert_eq!(frame.map(|f| f.code), Some(CloseCode::Away));
                return true;
            }
            Some(Ok(_)) => continue,
            other => panic!("the connection ended without a close frame: {other:?}"),
        };
        let v: Value = serde_json::from_str(&text).unwrap();
        if v["type"] != "quote" {
            continue;
        }
        let symbol = SYMBOLS
            .into_iter()
            .find(|s| v["symbol"] == *s)
            .expect("only subscribed symbols");
        let seq = v["seq"].as_u64().unwrap();
        assert_eq!(
            text,
            quote_frame(market, market.lookup(symbol).unwrap(), Seq(seq)),
            "every replica sends the core's bytes"
        );
        if let Some(prev) = last.insert(symbol, seq) {
            assert!(seq > prev, "{symbol} {seq} after {prev} on one connection");
        }
        // Across connections a tick may be sent twice (a resume from the last tick complete
        // for every symbol); it must then be the same bytes.
        let kept = got.frames.entry(symbol).or_default();
        if let Some(before) = kept.insert(seq, text.clone()) {
            assert_eq!(before, text);
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_moved_to_another_replica_resumes_with_since_without_a_gap() {
    // Hold the port with SO_REUSEPORT (bound, not listening) until the replicas have it.
    let hold = TcpSocket::new_v4().unwrap();
    hold.set_reuseport(true).unwrap();
    hold.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = hold.local_addr().unwrap().port();
    let mut replicas: Vec<Replica> = (0..3).map(|_| Replica::start(port)).collect();
    drop(hold);

    let market = market();
    let url = |since: Option<u64>| {
        let symbols = SYMBOLS.join(",");
        match since {
            Some(s) => format!("ws://127.0.0.1:{port}/ws?symbols={symbols}&since={s}"),
            None => format!("ws://127.0.0.1:{port}/ws?symbols={symbols}"),
        }
    };
    let mut got = Received::default();
    let (mut ws, _) = tokio_tungstenite::connect_async(url(None)).await.unwrap();
    let mut moves = 0;
    // A rolling restart: start a replacement, then stop an original. Whichever process the
    // client is on is stopped at some point, so it moves at least once.
    for _ in 0..3 {
        let deadline = Instant::now() + Duration::from_millis(300);
        assert!(!follow(&mut ws, &market, &mut got, deadline).await);
        replicas.push(Replica::start(port));
        let old = replicas.remove(0);
        let stopping = tokio::task::spawn_blocking(move || old.stop());
        // Follow until the stopped process has gone; if it held this client, the client gets
        // 1001 and reconnects (landing on another process: the stopped one no longer listens).
        let mut moved = false;
        while !stopping.is_finished() || !moved {
            let deadline = Instant::now() + Duration::from_millis(200);
            if follow(&mut ws, &market, &mut got, deadline).await {
                let since = got.complete_through();
                ws = tokio_tungstenite::connect_async(url(Some(since)))
                    .await
                    .unwrap()
                    .0;
                moves += 1;
                moved = true;
            } else if stopping.is_finished() {
                break;
            }
        }
        stopping.await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_millis(300);
    assert!(!follow(&mut ws, &market, &mut got, deadline).await);
    assert!(moves >= 1, "the client never changed process");

    // One stream: every symbol has every tick from its first to its last.
    for symbol in SYMBOLS {
        let seqs: Vec<u64> = got.frames[symbol].keys().copied().collect();
        let (first, last) = (seqs[0], *seqs.last().unwrap());
        assert_eq!(
            seqs.len() as u64,
            last - first + 1,
            "{symbol}: a gap in {first}..={last} after {moves} moves"
        );
        assert!(last - first > 40, "{symbol}: only {} ticks", seqs.len());
    }
    for replica in replicas {
        replica.stop();
    }
}
