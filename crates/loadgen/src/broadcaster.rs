//! The fan-out floor: a deliberately minimal WebSocket broadcaster. Plain threads, no async
//! runtime, no tasks: at each tick one thread per core builds the tick's frames once (the same
//! bytes the ws-server sends, from the same code) and writes them to each of its clients with
//! one blocking `write` per client. No subscriptions, heartbeats, resume, limits or slow-client
//! policy: it measures what the kernel's send path costs, so that the ws-server's fan-out can
//! be compared against it in the same run, with the same client.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ticker_core::{Clock, Market, MarketConfig, Seq, SessionTracker, SymbolSet, SystemClock};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use ws_server::ticker::Tick;

/// Most ticks sent at once after falling behind (the ws-server's default `--queue-ticks`).
const MAX_BEHIND: u64 = 16;
/// How long a write to one client may block before that client is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// Which frames the broadcaster sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Framing {
    /// One `quote` frame per symbol per tick (the ws-server's default).
    Quote,
    /// One `quotes` frame per tick (`?format=batch`).
    Batch,
}

type Clients = Arc<Mutex<Vec<TcpStream>>>;

/// Serves on 127.0.0.1:`port` until killed.
pub(crate) fn serve(
    port: u16,
    interval_ms: u64,
    framing: Framing,
    threads: usize,
) -> Result<(), String> {
    let market = Arc::new(
        Market::new(MarketConfig {
            interval_ms,
            ..MarketConfig::default()
        })
        .map_err(|e| e.to_string())?,
    );
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let shards: Vec<Clients> = (0..threads.max(1)).map(|_| Clients::default()).collect();
    for shard in &shards {
        let (shard, market) = (shard.clone(), market.clone());
        std::thread::spawn(move || broadcast(&market, framing, &shard));
    }
    for (i, stream) in listener.incoming().enumerate() {
        let Ok(mut stream) = stream else { continue };
        if handshake(&mut stream, interval_ms).is_ok() {
            if let Some(shard) = shards.get(i % shards.len()) {
                shard
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(stream);
            }
        }
    }
    Ok(())
}

/// Reads the upgrade request, answers 101 and sends a welcome naming the tick interval (as the
/// ws-server's does, so the load generator can count the frames due from the clock).
fn handshake(stream: &mut TcpStream, interval_ms: u64) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_nodelay(true)?;
    let mut head = Vec::with_capacity(1024);
    let mut byte = [0u8; 512];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut byte)?;
        if n == 0 || head.len() > 16 * 1024 {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
        head.extend_from_slice(byte.get(..n).unwrap_or_default());
    }
    let text = String::from_utf8_lossy(&head);
    let key = text
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim().to_owned())
        })
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let reply = format!(
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    stream.write_all(reply.as_bytes())?;
    let welcome = format!(r#"{{"type":"welcome","interval_ms":{interval_ms}}}"#);
    // An unmasked text frame; the payload is shorter than 126 bytes.
    let mut frame = vec![0x81, welcome.len() as u8];
    frame.extend_from_slice(welcome.as_bytes());
    stream.write_all(&frame)?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    Ok(())
}

/// One thread: at every tick boundary, build the frames once and write them to each client.
fn broadcast(market: &Market, framing: Framing, clients: &Mutex<Vec<TcpStream>>) {
    let schedule = *market.schedule();
    let mut trackers: Vec<SessionTracker> = market.ids().map(SessionTracker::new).collect();
    let mut last = schedule.tick_at(SystemClock.now_ms());
    ticker_core::warm_up(market, &mut trackers, last);
    let all = SymbolSet::all(market.len());
    let mut bytes = Vec::with_capacity(64 * 1024);
    loop {
        // To the microsecond, as the ws-server's tick loop does: a wait counted from a clock
        // read in whole milliseconds would start each tick up to one late.
        let wait_us = SystemClock.wall_us_until(schedule.time_of(Seq(last.0 + 1)));
        if let Some(wait_us) = wait_us.filter(|&us| us > 0) {
            std::thread::sleep(Duration::from_micros(wait_us as u64));
            continue;
        }
        // Every tick that fell due since the last write (several only after a stall, at most
        // the server's default queue of 16), in one write, as the server does.
        let due = schedule.tick_at(SystemClock.now_ms());
        bytes.clear();
        for seq in due.0.saturating_sub(MAX_BEHIND - 1).max(last.0 + 1)..=due.0 {
            let tick = Tick::build(market, &mut trackers, Seq(seq));
            match framing {
                Framing::Quote => {
                    for id in market.ids() {
                        if let Some(frame) = tick.frame(id) {
                            bytes.extend_from_slice(frame);
                        }
                    }
                }
                Framing::Batch => bytes.extend_from_slice(&tick.batch(&all, market)),
            }
        }
        last = due;
        let mut clients = clients.lock().unwrap_or_else(PoisonError::into_inner);
        // One write per client per tick; a client that fails or blocks too long is dropped.
        clients.retain_mut(|c| c.write_all(&bytes).is_ok());
    }
}
