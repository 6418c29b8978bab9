//! A fleet of WebSocket clients: ramped connects under a concurrency cap, spread over several
//! loopback source addresses, each client counting frames, bytes, tick-to-client latency,
//! missed and duplicated `seq`s and server-reported drops. Bounded in count and time.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use ticker_core::{Clock, SystemClock};
use tokio::net::TcpSocket;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::histogram::Histogram;
use crate::scan::{integer_field, scan, Kind};
use crate::wsclient::{Client, CLOSE, PING, TEXT};

const PONG: u8 = 0xA;

/// What the fleet does.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// `ws://127.0.0.1:PORT/ws?...` (loopback only).
    pub(crate) url: String,
    /// The request target of `url` (`/ws?...`).
    pub(crate) path: String,
    /// Number of clients.
    pub(crate) clients: usize,
    /// Most handshakes in flight at once.
    pub(crate) concurrency: usize,
    /// New connections per second while ramping.
    pub(crate) ramp_per_sec: f64,
    /// How long to stay connected after the ramp.
    pub(crate) hold: Duration,
    /// Loopback source addresses to spread over (127.0.0.1, .2, …).
    pub(crate) sources: u8,
    /// Connect and hold without subscribing or counting (memory scenarios).
    pub(crate) idle: bool,
}

/// Accounting of one client, merged into the fleet's.
#[derive(Default, Clone)]
pub(crate) struct Tally {
    /// Clients that completed the handshake.
    pub(crate) connected: u64,
    /// Clients that failed to connect.
    pub(crate) failed: u64,
    /// Clients whose connection ended before the hold time did.
    pub(crate) closed_early: u64,
    /// Frames received in the measurement window.
    pub(crate) frames: u64,
    /// Bytes received in the measurement window.
    pub(crate) bytes: u64,
    /// `seq` numbers skipped per symbol (in the window).
    pub(crate) missed: u64,
    /// `seq` numbers received twice per symbol.
    pub(crate) duplicates: u64,
    /// Ticks the server reported dropping (`dropped` fields).
    pub(crate) dropped: u64,
    /// Tick-to-client latency in µs.
    pub(crate) latency: Histogram,
    /// The server's tick interval (from the welcome), to count the window's ticks.
    pub(crate) interval_ms: Option<u64>,
    /// The time of one tick (any), which fixes where the tick grid falls.
    pub(crate) tick_time_ms: Option<i64>,
    /// Close codes seen (code → count).
    pub(crate) closes: HashMap<u16, u64>,
    /// First few connect errors.
    pub(crate) errors: Vec<String>,
}

impl Tally {
    fn merge(&mut self, o: &Self) {
        self.connected += o.connected;
        self.failed += o.failed;
        self.closed_early += o.closed_early;
        self.frames += o.frames;
        self.bytes += o.bytes;
        self.missed += o.missed;
        self.duplicates += o.duplicates;
        self.dropped += o.dropped;
        self.latency.merge(&o.latency);
        self.interval_ms = self.interval_ms.or(o.interval_ms);
        self.tick_time_ms = self.tick_time_ms.or(o.tick_time_ms);
        for (k, v) in &o.closes {
            *self.closes.entry(*k).or_default() += v;
        }
        for e in &o.errors {
            if self.errors.len() < 5 {
                self.errors.push(e.clone());
            }
        }
    }
}

/// Live counters for the progress line and the ramp.
#[derive(Default)]
pub(crate) struct Progress {
    /// Connected so far.
    pub(crate) connected: AtomicU64,
    /// Failed so far.
    pub(crate) failed: AtomicU64,
    /// Frames so far (all, not only the window).
    pub(crate) frames: AtomicU64,
    /// The measurement window in Unix ms, `[start, end)`, set once every client is
    /// connected. Frames count when their tick time falls inside it.
    pub(crate) window: Mutex<Option<(i64, i64)>>,
}

/// How long clients keep reading after the window, so late frames of window ticks count.
const DRAIN: Duration = Duration::from_secs(1);

/// How often a client looks for the window until it is set.
const LOOK: Duration = Duration::from_millis(200);

/// Frames a client counts before adding them to the shared progress counter.
const REPORT_EVERY: u64 = 64;

fn target(url: &str) -> Result<SocketAddr, String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("bad URL {url:?}: {e}"))?;
    let host = uri.host().ok_or("URL has no host")?;
    let ip: IpAddr = if host == "localhost" {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        host.parse()
            .map_err(|_| format!("{host} is not an IP address"))?
    };
    if !ip.is_loopback() {
        return Err(format!(
            "{ip} is not a loopback address: loadgen only targets this machine"
        ));
    }
    Ok(SocketAddr::new(ip, uri.port_u16().unwrap_or(80)))
}

/// Per-symbol `seq` bookkeeping of one connection (a handful of symbols: a linear scan beats
/// hashing). The server sends a tick's symbols in the same order every tick, so the symbol
/// after the last one seen is tried first: one comparison per frame in the steady state.
#[derive(Default)]
struct Seqs {
    last: Vec<(Box<str>, u64)>,
    /// Where the last frame's symbol is in `last`.
    at: usize,
}

impl Seqs {
    /// Returns (missed, duplicate) for a frame.
    fn see(&mut self, symbol: &str, seq: u64) -> (u64, bool) {
        let n = self.last.len();
        let found = (0..n)
            .map(|k| (self.at + 1 + k) % n)
            .find(|&i| self.last.get(i).is_some_and(|(s, _)| &**s == symbol));
        let Some((i, (_, last))) = found.and_then(|i| Some((i, self.last.get_mut(i)?))) else {
            self.at = n;
            self.last.push((symbol.into(), seq));
            return (0, false);
        };
        self.at = i;
        if seq <= *last {
            return (0, true);
        }
        let missed = seq - *last - 1;
        *last = seq;
        (missed, false)
    }
}

async fn client(
    index: usize,
    plan: Arc<Plan>,
    addr: SocketAddr,
    progress: Arc<Progress>,
    handshake_slot: OwnedSemaphorePermit,
) -> Tally {
    let mut t = Tally::default();
    let source = Ipv4Addr::new(
        127,
        0,
        0,
        1 + (index % usize::from(plan.sources.max(1))) as u8,
    );
    let connect = async {
        let socket = TcpSocket::new_v4().map_err(|e| e.to_string())?;
        socket
            .bind(SocketAddr::new(IpAddr::V4(source), 0))
            .map_err(|e| format!("bind {source}: {e}"))?;
        let stream = socket
            .connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        let chunk = if plan.idle { 1024 } else { 64 * 1024 };
        Client::handshake(stream, &addr.to_string(), &plan.path, chunk).await
    };
    let connected = tokio::time::timeout(Duration::from_secs(15), connect).await;
    drop(handshake_slot);
    let mut ws = match connected {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            progress.failed.fetch_add(1, Ordering::Relaxed);
            t.failed = 1;
            t.errors.push(e);
            return t;
        }
        Err(_) => {
            progress.failed.fetch_add(1, Ordering::Relaxed);
            t.failed = 1;
            t.errors.push("connect timed out".to_owned());
            return t;
        }
    };
    t.connected = 1;
    progress.connected.fetch_add(1, Ordering::Relaxed);
    let mut seqs = Seqs::default();
    let mut batch_last: Option<u64> = None;
    let mut pong: Option<Vec<u8>> = None;
    let mut welcomed = false;
    // The window is set once, for every client; a client reads the shared value only until
    // it knows it. One timer serves the whole connection and is re-armed only when it fires:
    // until the window is known it wakes the client every `LOOK` to look for it, then it
    // fires once, at the window's end plus the drain. (A timer per read was a measurable
    // share of the client's CPU at 10 000 clients, and the client shares the server's cores.)
    let mut window: Option<(i64, i64)> = None;
    // When the client stops reading, Unix µs: the window's end plus the drain, once known.
    let mut stop_us = i64::MAX;
    let timer = tokio::time::sleep(LOOK);
    tokio::pin!(timer);
    // Frames not yet added to the shared progress counter (one shared atomic add per frame
    // would bounce its cache line between the client's threads).
    let mut unreported = 0u64;
    loop {
        if let Some(payload) = pong.take() {
            // The server's heartbeat: answer it, as a browser would.
            if ws.control(PONG, &payload).await.is_err() {
                t.closed_early = 1;
                break;
            }
        }
        if window.is_none() {
            window = *progress
                .window
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some((_, end)) = window {
                stop_us = end * 1000 + DRAIN.as_micros() as i64;
                let left = Duration::from_micros(
                    u64::try_from(stop_us - SystemClock.now_us()).unwrap_or(0),
                );
                timer.as_mut().reset(tokio::time::Instant::now() + left);
            }
        }
        // The socket first: the timer is polled only when there is nothing to read, and a
        // client that always has something to read stops by its frames' arrival times.
        let frame = tokio::select! {
            biased;
            frame = ws.next() => frame,
            () = &mut timer => {
                if window.is_some() {
                    break;
                }
                timer.as_mut().reset(tokio::time::Instant::now() + LOOK);
                continue;
            }
        };
        let Some(frame) = frame else {
            t.closed_early = 1;
            break;
        };
        if frame.at_us >= stop_us {
            break;
        }
        match frame.opcode {
            TEXT => {}
            PING => {
                pong = Some(frame.payload.to_vec());
                continue;
            }
            CLOSE => {
                let code = match frame.payload {
                    [a, b, ..] => u16::from_be_bytes([*a, *b]),
                    _ => 1005,
                };
                *t.closes.entry(code).or_default() += 1;
                t.closed_early = 1;
                break;
            }
            _ => continue,
        }
        unreported += 1;
        if unreported == REPORT_EVERY {
            progress.frames.fetch_add(unreported, Ordering::Relaxed);
            unreported = 0;
        }
        if !welcomed {
            // The first frame is the welcome; later ones before the window are not parsed.
            welcomed = true;
            t.interval_ms = std::str::from_utf8(frame.payload)
                .ok()
                .filter(|text| scan(text).kind == Kind::Other("welcome"))
                .and_then(|text| integer_field(text, "interval_ms"))
                .and_then(|v| u64::try_from(v).ok());
        }
        let Some((start, end)) = window else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(frame.payload) else {
            continue;
        };
        let info = scan(text);
        let (Some(ts), Some(seq)) = (info.timestamp, info.seq) else {
            continue;
        };
        t.tick_time_ms.get_or_insert(ts);
        if !matches!(info.kind, Kind::Quote | Kind::Quotes | Kind::Array) || ts < start || ts >= end
        {
            continue;
        }
        t.frames += 1;
        t.bytes += text.len() as u64;
        t.dropped += info.dropped;
        t.latency.record((frame.at_us - ts * 1000).max(0) as u64);
        if info.kind == Kind::Quote {
            let (missed, dup) = seqs.see(info.symbol, seq);
            t.missed += missed;
            t.duplicates += u64::from(dup);
        } else {
            if let Some(last) = batch_last {
                if seq <= last {
                    t.duplicates += 1;
                } else {
                    t.missed += seq - last - 1;
                }
            }
            batch_last = Some(seq);
        }
    }
    progress.frames.fetch_add(unreported, Ordering::Relaxed);
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        ws.control(CLOSE, &1000u16.to_be_bytes()),
    )
    .await;
    t
}

/// Ticks whose time falls in `[start, end)` (Unix ms) on a grid of `interval_ms` through
/// `tick_ms`: what every client is due in the window, whatever the server actually sent.
pub(crate) fn ticks_in(start: i64, end: i64, tick_ms: i64, interval_ms: u64) -> u64 {
    let step = i64::try_from(interval_ms.max(1)).unwrap_or(i64::MAX);
    // Grid points before `x`: ceil((x - tick_ms) / step), up to a constant.
    let before =
        |x: i64| (x - tick_ms).div_euclid(step) + i64::from((x - tick_ms).rem_euclid(step) != 0);
    u64::try_from(before(end) - before(start)).unwrap_or(0)
}

/// Samples `measure` every 200 ms while the measurement window runs (once it is set) and
/// returns the highest value: memory while the clients stream, not before they do.
pub(crate) async fn peak_during_window(
    progress: Arc<Progress>,
    mut measure: impl FnMut() -> Option<u64>,
) -> Option<u64> {
    let (start, end) = loop {
        let window = *progress
            .window
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(w) = window {
            break w;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut peak = None;
    loop {
        let now = SystemClock.now_us() / 1000;
        if now >= end {
            return peak;
        }
        if now >= start {
            peak = peak.max(measure());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Runs the fleet: ramp, hold, close. `on_connected` runs once every client has connected
/// (or failed), before the hold period (memory scenarios sample the server there).
pub(crate) async fn run(
    plan: Plan,
    progress: Arc<Progress>,
    on_connected: impl FnOnce(),
) -> Result<(Tally, Duration), String> {
    let addr = target(&plan.url)?;
    let plan = Arc::new(plan);
    let gate = Arc::new(Semaphore::new(plan.concurrency.max(1)));
    let mut tasks = Vec::with_capacity(plan.clients);
    let gap = Duration::from_secs_f64(1.0 / plan.ramp_per_sec.max(1.0));
    let started = Instant::now();
    for i in 0..plan.clients {
        let Ok(permit) = gate.clone().acquire_owned().await else {
            break;
        };
        tasks.push(tokio::spawn(client(
            i,
            plan.clone(),
            addr,
            progress.clone(),
            permit,
        )));
        let due = started + gap.mul_f64((i + 1) as f64);
        tokio::time::sleep_until(due.into()).await;
    }
    // Wait until every client has connected or failed.
    while progress.connected.load(Ordering::Relaxed) + progress.failed.load(Ordering::Relaxed)
        < plan.clients as u64
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ramp = started.elapsed();
    on_connected();
    // Start a little in the future: every tick stamped inside the window is then published
    // after every client already knows the window, so none is missed at its edge.
    let start = SystemClock.now_us() / 1000 + 300;
    *progress
        .window
        .lock()
        .unwrap_or_else(PoisonError::into_inner) =
        Some((start, start + plan.hold.as_millis() as i64));
    let mut total = Tally::default();
    for task in tasks {
        if let Ok(t) = task.await {
            total.merge(&t);
        }
    }
    Ok((total, ramp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seqs_count_gaps_and_duplicates_per_symbol_in_any_order() {
        let mut s = Seqs::default();
        assert_eq!(s.see("A", 1), (0, false));
        assert_eq!(s.see("B", 1), (0, false));
        assert_eq!(s.see("C", 1), (0, false));
        assert_eq!(s.see("A", 2), (0, false));
        assert_eq!(s.see("B", 2), (0, false));
        assert_eq!(s.see("C", 4), (2, false), "C skipped 2 and 3");
        assert_eq!(s.see("B", 2), (0, true), "out of order: a duplicate");
        assert_eq!(s.see("A", 5), (2, false));
        assert_eq!(s.see("A", 5), (0, true));
        assert_eq!(s.see("D", 9), (0, false), "a new symbol");
        assert_eq!(s.see("C", 5), (0, false));
    }

    #[test]
    fn counts_the_ticks_of_a_window_from_the_clock() {
        // Ticks at …, 1 000, 1 100, 1 200, …
        assert_eq!(ticks_in(1_000, 2_000, 1_000, 100), 10);
        assert_eq!(
            ticks_in(1_000, 2_000, 50_000, 100),
            10,
            "any tick fixes the grid"
        );
        assert_eq!(ticks_in(1_001, 2_000, 1_000, 100), 9);
        assert_eq!(ticks_in(1_001, 2_001, 1_000, 100), 10);
        assert_eq!(ticks_in(1_050, 1_099, 1_000, 100), 0);
        assert_eq!(ticks_in(-250, 250, 0, 100), 5, "before the anchor too");
        assert_eq!(ticks_in(2_000, 1_000, 0, 100), 0);
    }
}
