//! One WebSocket client's task: it reads, answers, and takes over writing only when its
//! socket falls behind.
//!
//! The task starts the connection (welcome, then the current quotes or a `since` replay),
//! hands its write side to a writer shard ([`crate::shard`]) and then mostly sleeps: it wakes
//! for the client's messages, for shutdown, and when its [`Conn`] is woken because the socket
//! was full or the shard ended it. Live ticks never wake it while the client keeps up.
//!
//! While the connection is [`Driver::Own`] the task drains it as the socket allows; a socket
//! that takes nothing for `--stall-timeout-ms` is closed (1008 `consumer too slow`). A
//! replaying connection ([`Driver::Source`]) is driven by its task from the start: the task
//! offers each tick of its [`Replay`] when it is due, answers the `replay` messages, and at the
//! end closes the connection or hands it to the live stream. Reading
//! stays with tungstenite (masking, fragmentation, UTF-8 and size checks, automatic pongs);
//! its writes go into the connection's outbox ([`crate::conn::Duplex`]), so they keep their
//! place among the server's frames.
//!
//! A connection with faults ([`crate::faults`]) is pinned to its task: the task takes every
//! tick, live or replayed, through its fault [`Layer`], and also wakes at the layer's
//! deadlines.
//!
//! This file starts the session and runs its loop; `incoming` answers the client's messages,
//! `replaying` drives a replay, and `close` ends the connection.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ticker_core::{Seq, SymbolSet};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

use crate::channel::ChannelMask;
use crate::conn::{Conn, Driver, Duplex, End};
use crate::faults::{Faults, Layer, Spec};
use crate::protocol::ProtocolError;
use crate::replay::{Replay, ReplayLimits, ReplayRequest};
use crate::shard::Writers;
use crate::stats::Stats;
use crate::stream::{Format, QuoteStream};
use crate::ticker::Hub;

mod close;
mod incoming;
mod replaying;

/// While more than this is unwritten the task stops reading, so a client that sends but does
/// not read cannot make the server queue answers without bound.
const READ_PAUSE_BYTES: usize = 256 * 1024;

/// What the connection URL asked for.
#[derive(Debug, Clone)]
pub struct Params {
    /// Framing.
    pub format: Format,
    /// Initial subscription.
    pub subscribed: SymbolSet,
    /// `?since=`: replay ticks after this one.
    pub since: Option<Seq>,
    /// Problems with the URL to report after the welcome (e.g. unknown symbols).
    pub url_errors: Vec<ProtocolError>,
    /// `?from=`: replay the past instead of streaming the live market.
    pub replay: Option<ReplayRequest>,
    /// The connection's faults (`fault_*`), if any.
    pub faults: Option<Spec>,
    /// `?channels=`: what the initial subscription streams (quotes alone by default).
    pub channels: ChannelMask,
}

/// Per-session limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most subscribed symbols.
    pub max_symbols: usize,
    /// Sustained client messages per second.
    pub message_rate: f64,
    /// Burst of client messages above the rate.
    pub message_burst: f64,
    /// Time a write may make no progress.
    pub stall_timeout: Duration,
    /// Live ticks a lagging connection may have queued.
    pub queue_ticks: usize,
    /// Bytes a faulted connection may hold back (delay, reorder).
    pub fault_held_bytes: usize,
    /// What replays may ask for.
    pub replay: ReplayLimits,
}

/// Resolves once the server is shutting down.
pub async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

struct Session {
    ws: WebSocketStream<Duplex>,
    conn: Arc<Conn>,
    hub: Arc<Hub>,
    limits: Limits,
    tokens: f64,
    refilled: Instant,
    /// Whether the task is draining the connection (it is `Own`).
    behind: bool,
    /// When the socket was last seen taking bytes while the connection was behind.
    progress: Instant,
    /// [`Conn::written`] when last looked at.
    seen_written: u64,
    shutdown: watch::Receiver<bool>,
    /// The connection's own tick source, while it replays the past.
    replay: Option<Replay>,
    /// The connection's faults, if it has any.
    faults: Option<Layer>,
}

/// The pieces a session is made of.
pub struct Setup {
    /// The shared side of the stream.
    pub hub: Arc<Hub>,
    /// tungstenite's limits.
    pub ws_config: WebSocketConfig,
    /// Session limits.
    pub limits: Limits,
    /// The server's shutdown signal.
    pub shutdown: watch::Receiver<bool>,
    /// The replay's place among `--max-replays`, when the URL asks for one.
    pub replay_permit: Option<tokio::sync::OwnedSemaphorePermit>,
    /// Fault injection, server-wide.
    pub faults: Arc<Faults>,
}

/// Runs one client on an upgraded socket (`unread`: bytes that arrived with the upgrade
/// request) until it leaves, misbehaves or the server shuts down.
pub async fn run(
    stream: TcpStream,
    unread: Vec<u8>,
    setup: Setup,
    writers: &Writers,
    params: Params,
) {
    let Setup {
        hub,
        ws_config,
        limits,
        shutdown,
        replay_permit,
        faults,
    } = setup;
    Stats::bump(&hub.stats.sessions_total);
    let replay = match (params.replay, replay_permit) {
        (Some(request), Some(permit)) => {
            Stats::bump(&hub.stats.replays_total);
            match Replay::start(&hub, request, &params.subscribed, permit).await {
                Ok(replay) => Some(replay),
                Err(e) => {
                    tracing::error!(error = %e, "could not position a replay");
                    return;
                }
            }
        }
        _ => None,
    };
    let latest = hub.latest();
    let at = replay.as_ref().map_or(latest.seq, |r| r.current().seq);
    let quotes = QuoteStream::with_channels(params.format, params.subscribed, params.channels, at);
    let conn = Arc::new(Conn::new(
        stream,
        quotes,
        limits.queue_ticks,
        hub.uptime_ms(),
    ));
    let layer = params.faults.map(|spec| {
        conn.pin();
        Layer::new(spec, faults, limits.fault_held_bytes, Instant::now())
    });
    if replay.is_some() {
        // A faulted replay stays pinned: its ticks go through the layer, and so do the live
        // ticks after it (`then=live`).
        conn.lock().driver = Driver::Source;
    }
    let duplex = Duplex::new(conn.clone(), hub.stats.clone());
    let ws =
        WebSocketStream::from_partially_read(duplex, unread, Role::Server, Some(ws_config)).await;
    let now = Instant::now();
    let mut s = Session {
        ws,
        conn,
        hub,
        limits,
        tokens: limits.message_burst,
        refilled: now,
        behind: false,
        progress: now,
        seen_written: 0,
        shutdown,
        replay,
        faults: layer,
    };
    let started = {
        let mut guard = s.conn.lock();
        let link = &mut *guard;
        match &s.replay {
            Some(replay) => link.stream.start_replay(
                &s.hub,
                replay.current(),
                replay.request().info(),
                &params.url_errors,
                &mut link.out,
            ),
            None => link.stream.start(
                &s.hub,
                &latest,
                params.since,
                &params.url_errors,
                &mut link.out,
            ),
        }
        s.conn.flush(link, &s.hub.stats)
    };
    drop(latest);
    let end = match started {
        Ok(_) => {
            writers.add(&s.conn);
            s.serve().await
        }
        Err(_) => End::Gone,
    };
    s.finish(end).await;
}

impl Session {
    /// Serves until the session must end.
    async fn serve(&mut self) -> End {
        loop {
            let now = Instant::now();
            if let Some(layer) = &mut self.faults {
                if let Err(end) = layer.pump(&self.conn, &self.hub, now) {
                    return end;
                }
            }
            let (driver, ended, backlog, held, pinned) = {
                let link = self.conn.lock();
                (
                    link.driver,
                    link.end,
                    link.out.len(),
                    link.hold,
                    link.pinned,
                )
            };
            if let Some(end) = ended {
                return end;
            }
            let reading = backlog <= READ_PAUSE_BYTES;
            let written = self.conn.written();
            // A connection is behind while its task must drain it: when `Own` (a pinned one
            // only while bytes wait for the socket), and when its own source left bytes the
            // socket did not take. Bytes a faulted stall holds on purpose do not count.
            let waiting = backlog > 0 && !held;
            let behind = match driver {
                Driver::Own => !pinned || waiting,
                Driver::Source => waiting,
                Driver::Shard | Driver::Closed => false,
            };
            if behind != self.behind || written != self.seen_written {
                // The stall clock starts when the connection falls behind, and restarts
                // whenever the socket takes bytes (from this task or from the shard).
                self.behind = behind;
                self.progress = now;
                self.seen_written = written;
            }
            let stalled_at =
                tokio::time::Instant::from_std(self.progress + self.limits.stall_timeout);
            let due = self.replay.as_ref().and_then(Replay::due);
            let never = tokio::time::Instant::now() + Duration::from_secs(3600);
            let deadline = self.faults.as_ref().and_then(Layer::deadline);
            let faults_due = deadline.map_or(never, tokio::time::Instant::from_std);
            let step = tokio::select! {
                biased;
                () = stopping(&mut self.shutdown) => Err(End::Close(CloseCode::Away, "server shutting down")),
                () = self.conn.wake.notified() => Ok(()),
                ready = self.conn.writable(), if self.behind => match ready {
                    Ok(()) => self.drain(),
                    Err(_) => Err(End::Gone),
                },
                () = tokio::time::sleep_until(stalled_at), if self.behind => {
                    if self.conn.written() == self.seen_written {
                        Stats::bump(&self.hub.stats.closed_slow);
                        Err(End::Slow)
                    } else {
                        Ok(())
                    }
                }
                () = tokio::time::sleep_until(faults_due), if deadline.is_some() => Ok(()),
                msg = self.ws.next(), if reading => self.on_incoming(msg).await,
                // Last: a replay behind its schedule must not starve the client's messages.
                () = tokio::time::sleep_until(due.unwrap_or(never)), if due.is_some() => {
                    self.replay_due().await
                }
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// Writes what the socket takes now; the stall clock restarts on any progress.
    fn drain(&mut self) -> Result<(), End> {
        if let Some(layer) = &mut self.faults {
            // Its ticks go through the layer; the next turn of the loop notices progress.
            return layer.pump(&self.conn, &self.hub, Instant::now());
        }
        match self.conn.drain(&self.hub) {
            Ok((wrote, _)) => {
                if wrote > 0 {
                    self.progress = Instant::now();
                }
                Ok(())
            }
            Err(_) => Err(End::Gone),
        }
    }
}
