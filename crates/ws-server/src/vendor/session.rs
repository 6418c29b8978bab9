//! One Alpaca or Polygon connection: a vendor [`Protocol`] on the service's write path.
//! (Finnhub and Binance run on [`super::feed_session`].)
//!
//! The connection is its own tick source ([`Driver::Source`]): its writer shard only pings
//! it and ends it when the heartbeat fails; this task reads the client's messages (rate
//! limited, paused while the client does not read), answers them through the protocol, and on
//! every published tick appends the vendor frame of what the client subscribed to. Everything
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

/// A client frame.
#[derive(Debug, Clone, Copy)]
pub enum Incoming<'a> {
    /// Text.
    Text(&'a str),
    /// Binary.
    Binary(&'a [u8]),
}

/// What a protocol sends: complete WebSocket frames, then perhaps a close.
#[derive(Debug, Default)]
pub struct Reply {
    /// Frames, in order.
    pub frames: Vec<Vec<u8>>,
    /// Close afterwards (policy violation, with this reason).
    pub close: Option<&'static str>,
}

/// A vendor's stream protocol, driven by [`run`].
pub trait Protocol: Send {
    /// The frames a new connection gets (and whether it ends there).
    fn open(&mut self) -> Reply;
    /// Answers a client frame.
    fn message(&mut self, frame: Incoming<'_>) -> Reply;
    /// Whether the client has authenticated (the auth timeout stops).
    fn authenticated(&self) -> bool;
    /// The auth timeout passed.
    fn auth_timeout(&mut self) -> Reply;
    /// The client stopped reading: a last message, best effort.
    fn slow(&mut self) -> Reply;
    /// Appends the frame of one tick's subscribed data to `out`; returns the data frames.
    fn tick(&mut self, hub: &Hub, tick: &Tick, out: &mut Vec<u8>) -> u64;
}

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
        ..
    } = setup;
    Stats::bump(&hub.stats.sessions_total);
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
        auth_deadline: tokio::time::Instant::now() + auth_timeout,
    };
    let opened = s.proto.open();
    let end = match s.send(&opened) {
        Err(end) => end,
        Ok(()) => {
            writers.add(&s.conn);
            s.serve().await
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
    /// The last tick delivered.
    last: ticker_core::Seq,
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
            let (ended, backlog) = {
                let link = self.conn.lock();
                (link.end, link.out.len())
            };
            if let Some(end) = ended {
                return end;
            }
            let written = self.conn.written();
            if backlog == 0 || written != seen_written {
                // The stall clock runs only while bytes wait, from the last progress.
                progress = Instant::now();
                seen_written = written;
            }
            let behind = backlog > 0;
            let stalled_at = tokio::time::Instant::from_std(progress + self.stall);
            let authed = self.proto.authenticated();
            let step = tokio::select! {
                biased;
                () = stopping(&mut self.shutdown) => Err(End::Close(CloseCode::Away, "server shutting down")),
                () = self.conn.wake.notified() => Ok(()),
                ready = self.conn.writable(), if behind => match ready {
                    Ok(()) => self.conn.drain(&self.hub).map(|_| ()).map_err(|_| End::Gone),
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
                msg = self.ws.next(), if backlog <= READ_PAUSE_BYTES => self.on_incoming(msg).await,
                changed = published.changed() => match changed {
                    Ok(()) => self.deliver(backlog),
                    Err(_) => Err(End::Close(CloseCode::Away, "server shutting down")),
                },
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// Appends the frames of the ticks published since the last one delivered.
    fn deliver(&mut self, backlog: usize) -> Result<(), End> {
        let batch = self.hub.after(self.last);
        let mut frames = Vec::new();
        let mut sent = 0;
        let mut skipped = batch.lost;
        for tick in &batch.ticks {
            self.last = tick.seq;
            if backlog + frames.len() > SKIP_BACKLOG {
                skipped += 1;
                continue;
            }
            sent += self.proto.tick(&self.hub, tick, &mut frames);
        }
        let mut guard = self.conn.lock();
        let link = &mut *guard;
        link.stream.lagged(skipped, &self.hub.stats);
        if frames.is_empty() {
            return Ok(());
        }
        link.out.raw(&frames);
        // `raw` does not count data frames; these are.
        self.hub
            .stats
            .frames_sent
            .fetch_add(sent, std::sync::atomic::Ordering::Relaxed);
        self.conn
            .flush(link, &self.hub.stats)
            .map(|_| ())
            .map_err(|_| End::Gone)
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
        self.send(&reply)
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
