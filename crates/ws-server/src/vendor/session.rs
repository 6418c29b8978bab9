//! One vendor connection (Alpaca, Polygon, Finnhub or Binance): a vendor [`Protocol`] on the
//! service's write path. This is the only runner of the vendor streams; what differs between
//! vendors is behind the trait (handshake, authentication, the per-tick frame, and Binance's
//! count of every client frame in [`Protocol::frame_received`]).
//!
//! The connection is its own tick source ([`Driver::Source`]): its writer shard only pings
//! it and ends it when the heartbeat fails; this task reads the client's messages (rate
//! limited, paused while the client does not read), answers them through the protocol, and on
//! every tick of its [`Source`] (published, or replayed with `?from=`) appends the vendor
//! frames of what the client subscribed to, through the connection's faults. Everything
//! goes through the connection's outbox, so tungstenite's pongs and close frames never split
//! a data frame. A client that stops reading for `--stall-timeout-ms` is closed (after the
//! protocol's own "slow client" message, best effort); while its backlog is above
//! [`SKIP_BACKLOG`], ticks are skipped and counted as dropped frames.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use ticker_core::SymbolSet;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

use super::protocol::{Incoming, Protocol, Reply};
use super::series::Series;
use super::source::{Ending, Source};
use super::Setup;
use crate::conn::{Conn, Driver, Duplex, End};
use crate::session::stopping;
use crate::shard::Writers;
use crate::stats::Stats;
use crate::stream::{Format, QuoteStream};
use crate::tick::Tick;
use crate::ticker::Hub;

/// Unwritten bytes above which client messages wait (the client must read first).
const READ_PAUSE_BYTES: usize = 256 * 1024;
/// Unwritten bytes above which ticks are skipped (counted as dropped) rather than queued.
pub const SKIP_BACKLOG: usize = 1024 * 1024;

/// Runs `proto` on an upgraded socket until the client leaves, misbehaves, or the server
/// shuts down.
pub async fn run<P: Protocol>(
    stream: TcpStream,
    unread: Vec<u8>,
    setup: Setup,
    writers: &Writers,
    proto: P,
    auth_timeout: Duration,
) {
    let Setup {
        hub,
        ws_config,
        limits,
        shutdown,
        replay,
        faults,
        series: live_series,
    } = setup;
    Stats::bump(&hub.stats.sessions_total);
    let Some(source) = super::source_of(&hub, replay, faults, limits.fault_held_bytes).await else {
        return;
    };
    let series = match source.is_live() {
        true => live_series.clone(),
        false => Arc::new(Series::new(hub.market.clone())),
    };
    let latest = hub.latest().seq;
    // No native subscription: the stream state only keeps the position and counts drops.
    let quotes = QuoteStream::new(Format::Quote, SymbolSet::new(), latest);
    let conn = Arc::new(Conn::new(
        stream,
        quotes,
        limits.queue_ticks,
        hub.uptime_ms(),
    ));
    conn.lock().driver = Driver::Source;
    let duplex = Duplex::new(conn.clone(), hub.stats.clone());
    let ws =
        WebSocketStream::from_partially_read(duplex, unread, Role::Server, Some(ws_config)).await;
    let now = Instant::now();
    let mut s = Gateway {
        ws,
        conn,
        hub,
        proto,
        stall: limits.stall_timeout,
        rate: limits.message_rate,
        burst: limits.message_burst,
        tokens: limits.message_burst,
        refilled: now,
        shutdown,
        last: latest,
        source,
        series,
        live_series,
        auth_deadline: tokio::time::Instant::now() + auth_timeout,
    };
    let opened = s.proto.open();
    let end = match s.send(&opened) {
        Err(end) => end,
        Ok(()) => {
            writers.add(&s.conn);
            // A replay computes what the URL already subscribes to (Binance's streams) at once.
            match s.want().await {
                Ok(()) => s.serve().await,
                Err(end) => end,
            }
        }
    };
    s.finish(end).await;
}

struct Gateway<P> {
    ws: WebSocketStream<Duplex>,
    conn: Arc<Conn>,
    hub: Arc<Hub>,
    proto: P,
    stall: Duration,
    rate: f64,
    burst: f64,
    tokens: f64,
    refilled: Instant,
    shutdown: tokio::sync::watch::Receiver<bool>,
    /// The last live tick delivered.
    last: ticker_core::Seq,
    /// Live or replayed ticks, and the connection's faults.
    source: Source,
    /// The cross-tick state the tick's pieces come from: `live_series` (shared by every live
    /// connection), or the connection's own while it replays.
    series: Arc<Series>,
    live_series: Arc<Series>,
    auth_deadline: tokio::time::Instant,
}

impl<P: Protocol> Gateway<P> {
    /// Queues a reply and writes what the socket takes; a closing reply ends the session.
    fn send(&mut self, reply: &Reply) -> Result<(), End> {
        {
            let mut guard = self.conn.lock();
            let link = &mut *guard;
            for frame in &reply.frames {
                link.out.frame(frame);
            }
            if self.conn.flush(link, &self.hub.stats).is_err() {
                return Err(End::Gone);
            }
        }
        match reply.close {
            Some(reason) => Err(End::Close(CloseCode::Policy, reason)),
            None => Ok(()),
        }
    }

    async fn serve(&mut self) -> End {
        let mut published = self.hub.watch();
        let mut progress = Instant::now();
        let mut seen_written = self.conn.written();
        loop {
            let (ended, backlog, held) = {
                let link = self.conn.lock();
                (link.end, link.out.len(), link.hold)
            };
            if let Some(end) = ended {
                return end;
            }
            let written = self.conn.written();
            // Bytes a faulted stall holds on purpose do not count.
            let behind = backlog > 0 && !held;
            if !behind || written != seen_written {
                // The stall clock runs only while bytes wait, from the last progress.
                progress = Instant::now();
                seen_written = written;
            }
            let stalled_at = tokio::time::Instant::from_std(progress + self.stall);
            let authed = self.proto.authenticated();
            let never = tokio::time::Instant::now() + Duration::from_secs(3600);
            let replay_due = self.source.replay_due();
            let faults_due = self.source.faults_due();
            let live = self.source.is_live();
            let step = tokio::select! {
                biased;
                () = stopping(&mut self.shutdown) => Err(End::Close(CloseCode::Away, "server shutting down")),
                () = self.conn.wake.notified() => Ok(()),
                ready = self.conn.writable(), if behind => match ready {
                    Ok(()) => self.source.pump(&self.conn, &self.hub),
                    Err(_) => Err(End::Gone),
                },
                () = tokio::time::sleep_until(stalled_at), if behind => {
                    if self.conn.written() == seen_written {
                        Stats::bump(&self.hub.stats.closed_slow);
                        Err(End::Slow)
                    } else {
                        Ok(())
                    }
                }
                () = tokio::time::sleep_until(self.auth_deadline), if !authed => {
                    let reply = self.proto.auth_timeout();
                    self.send(&reply)
                }
                () = tokio::time::sleep_until(faults_due.unwrap_or(never)), if faults_due.is_some() => {
                    self.source.pump(&self.conn, &self.hub)
                }
                msg = self.ws.next(), if backlog <= READ_PAUSE_BYTES => self.on_incoming(msg).await,
                changed = published.changed(), if live => match changed {
                    Ok(()) => {
                        let batch = self.hub.after(self.last);
                        if let Some(tick) = batch.ticks.last() {
                            self.last = tick.seq;
                        }
                        self.deliver(&batch.ticks, batch.lost, backlog)
                    }
                    Err(_) => Err(End::Close(CloseCode::Away, "server shutting down")),
                },
                // Last: a replay behind its schedule must not starve the client's messages.
                () = tokio::time::sleep_until(replay_due.unwrap_or(never)), if replay_due.is_some() => {
                    self.replay_due(backlog).await
                }
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// Appends the frames of `ticks` (live or replayed; `lost` more were left out before
    /// them), through the connection's faults.
    fn deliver(&mut self, ticks: &[Arc<Tick>], lost: u64, backlog: usize) -> Result<(), End> {
        let mut queued = 0;
        let mut skipped = lost;
        {
            let mut guard = self.conn.lock();
            let link = &mut *guard;
            for tick in ticks {
                if backlog + queued > SKIP_BACKLOG {
                    skipped += 1;
                    continue;
                }
                let mut frames = Vec::new();
                let sent = self.proto.tick(&self.hub, tick, &self.series, &mut frames);
                queued += frames.len();
                self.source.send(tick.seq, frames, sent, link, &self.hub);
            }
            link.stream.lagged(skipped, &self.hub.stats);
        }
        self.source.pump(&self.conn, &self.hub)
    }

    /// Delivers the replay's ticks that are due; at its end, closes or goes live.
    async fn replay_due(&mut self, backlog: usize) -> Result<(), End> {
        let (ticks, end) = self.source.due_ticks(&self.hub);
        self.deliver(&ticks, 0, backlog)?;
        let Some(reason) = end else {
            return Ok(());
        };
        let ending = {
            let mut link = self.conn.lock();
            self.source.end(reason, &self.hub, &mut link)
        };
        self.source.pump(&self.conn, &self.hub)?;
        match ending {
            Ending::Live(seq) => {
                self.last = seq;
                self.series = self.live_series.clone();
                // Whatever was published meanwhile follows at once.
                let batch = self.hub.after(self.last);
                if let Some(tick) = batch.ticks.last() {
                    self.last = tick.seq;
                }
                self.deliver(&batch.ticks, batch.lost, 0)
            }
            Ending::Close => Err(End::Close(CloseCode::Normal, "replay finished")),
        }
    }

    /// A replay computes the symbols the client subscribes to.
    async fn want(&mut self) -> Result<(), End> {
        if self.source.is_live() {
            return Ok(());
        }
        let wanted = self.proto.wanted(&self.hub.market);
        self.source.want(&wanted).await.map_err(|e| {
            tracing::error!(error = %e, "could not position a replay");
            End::Close(CloseCode::Error, "could not position the replay")
        })
    }

    /// Token bucket over client messages.
    fn admit(&mut self) -> Result<(), End> {
        let now = Instant::now();
        let refill = now.duration_since(self.refilled).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.refilled = now;
        if self.tokens < 1.0 {
            Stats::bump(&self.hub.stats.closed_rate);
            return Err(End::Close(CloseCode::Policy, "message rate limit exceeded"));
        }
        self.tokens -= 1.0;
        Ok(())
    }

    async fn on_incoming(&mut self, msg: Option<Result<Message, WsError>>) -> Result<(), End> {
        let msg = match msg {
            None => return Err(End::Gone),
            Some(Err(WsError::Capacity(_))) => {
                Stats::bump(&self.hub.stats.closed_oversize);
                return Err(End::Close(CloseCode::Size, "message too big"));
            }
            Some(Err(WsError::Utf8(_))) => {
                Stats::bump(&self.hub.stats.closed_protocol);
                return Err(End::Close(
                    CloseCode::Invalid,
                    "text frame is not valid UTF-8",
                ));
            }
            Some(Err(WsError::Protocol(_))) => {
                Stats::bump(&self.hub.stats.closed_protocol);
                return Err(End::Close(
                    CloseCode::Protocol,
                    "WebSocket protocol violation",
                ));
            }
            Some(Err(_)) => return Err(End::Gone),
            Some(Ok(msg)) => msg,
        };
        self.conn.heard(self.hub.uptime_ms());
        if !matches!(msg, Message::Close(_)) {
            let now_ms = i64::try_from(self.hub.uptime_ms()).unwrap_or(i64::MAX);
            if let Some(reason) = self.proto.frame_received(now_ms) {
                Stats::bump(&self.hub.stats.closed_rate);
                return Err(End::Close(CloseCode::Policy, reason));
            }
        }
        let reply = match &msg {
            Message::Text(text) => {
                Stats::bump(&self.hub.stats.client_messages);
                self.admit()?;
                self.proto.message(Incoming::Text(text.as_str()))
            }
            Message::Binary(bytes) => {
                Stats::bump(&self.hub.stats.client_messages);
                self.admit()?;
                self.proto.message(Incoming::Binary(bytes))
            }
            Message::Ping(_) => {
                self.admit()?;
                let _ = self.ws.flush().now_or_never();
                return Ok(());
            }
            Message::Pong(_) | Message::Frame(_) => return Ok(()),
            Message::Close(_) => {
                self.conn.close();
                let _ = self.ws.flush().now_or_never();
                self.flush_within(Duration::from_secs(1)).await;
                return Err(End::Gone);
            }
        };
        self.send(&reply)?;
        self.want().await
    }

    /// Waits (at most `limit`) until everything queued is written; false if it was not.
    async fn flush_within(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            {
                let mut link = self.conn.lock();
                match self.conn.flush(&mut link, &self.hub.stats) {
                    Ok(_) if link.out.is_empty() => return true,
                    Ok(_) => {}
                    Err(_) => return false,
                }
            }
            match tokio::time::timeout_at(deadline, self.conn.writable()).await {
                Ok(Ok(())) => {}
                _ => return false,
            }
        }
    }

    /// Sends what is queued and the close frame (briefly), then lets the client close too.
    async fn finish(&mut self, end: End) {
        self.conn.close();
        if end == End::Gone {
            return;
        }
        let (code, reason, wait) = match end {
            End::Gone => return,
            End::Slow => (
                CloseCode::Policy,
                "consumer too slow",
                Duration::from_millis(100),
            ),
            End::Close(code, reason) => (code, reason, Duration::from_secs(1)),
        };
        if end == End::Slow {
            // What did not start going out is dropped; the protocol's last word (Alpaca's 407)
            // follows whatever frame is half written, if the client takes it at all.
            let last = self.proto.slow();
            let mut link = self.conn.lock();
            link.out.cut();
            for frame in &last.frames {
                link.out.frame(frame);
            }
        }
        // A closing error (or the slow client's notice) goes out before the close frame.
        if !self.flush_within(wait).await {
            return;
        }
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let sent = tokio::time::timeout(wait, self.ws.send(Message::Close(Some(frame)))).await;
        if !matches!(sent, Ok(Ok(()))) || !self.flush_within(wait).await {
            return;
        }
        let _ = tokio::time::timeout(wait, async {
            while let Some(Ok(m)) = self.ws.next().await {
                if matches!(m, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
        if self.conn.shutdown_write().is_err() {
            return;
        }
        let io = self.ws.get_mut();
        let _ = tokio::time::timeout(wait, async {
            let mut sink = [0u8; 1024];
            while io.read(&mut sink).await? > 0 {}
            Ok::<_, std::io::Error>(())
        })
        .await;
    }
}
