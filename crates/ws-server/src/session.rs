//! One WebSocket client: its subscriptions, its queue, its heartbeats.
//!
//! A session is one task that waits on four things: the client's messages, the tick channel,
//! its ping timer and the shutdown signal. It owns no quote serialisation or framing: tick
//! frames are complete WebSocket frames shared by every session ([`crate::wire`]), and the
//! frames of one wake-up are copied into one buffer and go out with one write. Memory is bounded by the broadcast channel's capacity (`--queue-ticks`, shared by all
//! sessions) plus one flush worth of frames: a client that lags further loses the oldest ticks
//! (counted, and reported as `"dropped": k` on its next frame), and one that drains nothing
//! for `--stall-timeout-ms` is closed with 1008.
//!
//! Reading stays with tungstenite (masking, fragmentation, UTF-8 and size checks, automatic
//! pongs); server frames are written to the socket directly, after anything tungstenite has
//! queued, so the two never interleave. The session is generic over the byte stream, so tests
//! can drive it over an in-memory duplex.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use ticker_core::{Seq, SymbolId, SymbolSet};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

use crate::protocol::{self, Command, ProtocolError, Selection};
use crate::stats::Stats;
use crate::ticker::{with_dropped, Hub, Tick};
use crate::wire::{frame_end_after, Out};

/// How quotes are framed for one connection (`?format=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One `{"type":"quote",…}` frame per symbol per tick (default).
    Quote,
    /// One `{"type":"quotes",…}` frame per tick.
    Batch,
    /// One bare JSON array per tick, and nothing else.
    Array,
}

impl Format {
    /// Parses the `format` query value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "quote" | "quotes" | "" => Some(Self::Quote),
            "batch" => Some(Self::Batch),
            "array" => Some(Self::Array),
            _ => None,
        }
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Quote => "quote",
            Self::Batch => "batch",
            Self::Array => "array",
        }
    }
}

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
    /// Time between pings; twice this without hearing from the client closes it.
    pub ping_interval: Duration,
    /// Time a write may make no progress.
    pub stall_timeout: Duration,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The client closed or vanished; nothing to send.
    Gone,
    /// Close with this code and reason.
    Close(CloseCode, &'static str),
    /// The client stopped draining: close without waiting on the stuck socket.
    Slow,
}

impl End {
    fn from_error(e: &WsError, stats: &Stats) -> Self {
        match e {
            WsError::Capacity(_) => {
                Stats::bump(&stats.closed_oversize);
                Self::Close(CloseCode::Size, "message too big")
            }
            WsError::Utf8(_) => {
                Stats::bump(&stats.closed_protocol);
                Self::Close(CloseCode::Invalid, "text frame is not valid UTF-8")
            }
            WsError::Protocol(_) => {
                Stats::bump(&stats.closed_protocol);
                Self::Close(CloseCode::Protocol, "WebSocket protocol violation")
            }
            _ => Self::Gone,
        }
    }
}

struct Session<T> {
    ws: WebSocketStream<T>,
    /// The write buffer, reused from tick to tick.
    out: Out,
    /// tungstenite has queued a frame (a pong) that must go out before ours.
    queued_by_tungstenite: bool,
    /// The unwritten tail of a write interrupted mid-frame.
    unsent: Option<Vec<u8>>,
    hub: Arc<Hub>,
    limits: Limits,
    format: Format,
    subs: SymbolSet,
    /// The oldest tick this connection has covered (initial quotes or replay start).
    first_seq: Seq,
    /// The newest tick sent.
    last_seq: Seq,
    /// Symbols unsubscribed since `last_seq` whose quote at `last_seq` was already sent.
    left: SymbolSet,
    /// Ticks skipped since the last frame that carried ticks.
    dropped: u64,
    tokens: f64,
    refilled: Instant,
    last_heard: Instant,
    shutdown: watch::Receiver<bool>,
}

/// Runs one client until it leaves, misbehaves or the server shuts down.
pub async fn run<T>(
    ws: WebSocketStream<T>,
    hub: Arc<Hub>,
    limits: Limits,
    params: Params,
    shutdown: watch::Receiver<bool>,
) where
    T: AsyncRead + AsyncWrite + Unpin,
{
    Stats::bump(&hub.stats.sessions_total);
    let mut rx = hub.subscribe();
    let latest = hub.latest();
    let now = Instant::now();
    let mut s = Session {
        ws,
        out: Out::default(),
        queued_by_tungstenite: false,
        unsent: None,
        hub,
        limits,
        format: params.format,
        subs: params.subscribed,
        first_seq: latest.seq,
        last_seq: latest.seq,
        left: SymbolSet::new(),
        dropped: 0,
        tokens: limits.message_burst,
        refilled: now,
        last_heard: now,
        shutdown,
    };
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + limits.ping_interval,
        limits.ping_interval,
    );
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    let mut end = s
        .start(&latest, params.since, params.url_errors)
        .await
        .err();
    drop(latest);
    while end.is_none() {
        let step = tokio::select! {
            biased;
            _ = s.shutdown.wait_for(|stop| *stop) => Err(End::Close(CloseCode::Away, "server shutting down")),
            incoming = s.ws.next() => Ok(Step::Incoming(incoming)),
            tick = rx.recv() => Ok(Step::Tick(tick)),
            _ = ping.tick() => Ok(Step::Ping),
        };
        let result = match step {
            Err(e) => Err(e),
            Ok(Step::Incoming(msg)) => s.on_incoming(msg).await,
            Ok(Step::Tick(tick)) => s.on_tick(tick, &mut rx).await,
            Ok(Step::Ping) => s.on_ping().await,
        };
        end = result.err();
    }
    if let Some(end) = end {
        if end == End::Slow {
            // Every tick published since the stuck write is lost to this client.
            s.lagged(rx.len() as u64);
        }
        s.finish(end).await;
    }
}

/// Drives one write step. Most steps complete on the first poll (the socket has room), so
/// the stall timer is armed only for a step that has to wait.
async fn progress<F, R>(
    step: F,
    stall: Duration,
    shutdown: &mut watch::Receiver<bool>,
    stats: &Stats,
) -> Result<R, End>
where
    F: Future<Output = Result<R, WsError>>,
{
    let mut step = pin!(step);
    if let Poll::Ready(done) = futures_util::poll!(step.as_mut()) {
        return done.map_err(|e| End::from_error(&e, stats));
    }
    tokio::select! {
        done = &mut step => done.map_err(|e| End::from_error(&e, stats)),
        () = tokio::time::sleep(stall) => {
            Stats::bump(&stats.closed_slow);
            Err(End::Slow)
        }
        _ = shutdown.wait_for(|stop| *stop) => Err(End::Close(CloseCode::Away, "server shutting down")),
    }
}

enum Step {
    Incoming(Option<Result<Message, WsError>>),
    Tick(Result<Arc<Tick>, RecvError>),
    Ping,
}

impl<T> Session<T>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    /// Writes the queued frames, giving up if the client drains nothing in time.
    async fn send(&mut self, out: &mut Out) -> Result<(), End> {
        let Self {
            ws,
            hub,
            limits,
            shutdown,
            queued_by_tungstenite,
            unsent,
            ..
        } = self;
        let stall = limits.stall_timeout;
        if *queued_by_tungstenite {
            progress(ws.flush(), stall, shutdown, &hub.stats).await?;
            *queued_by_tungstenite = false;
        }
        // Each write is bounded separately, so the stall timeout measures time without
        // progress (a long replay to a client that keeps reading is fine), and shutdown is
        // honoured even while a write is stuck.
        let mut written = 0;
        while let Some(rest) = out.buf.get(written..).filter(|r| !r.is_empty()) {
            let io = ws.get_mut();
            let wrote = progress(
                async { io.write(rest).await.map_err(WsError::Io) },
                stall,
                shutdown,
                &hub.stats,
            )
            .await;
            let n = match wrote {
                Ok(n) => n,
                Err(end) => {
                    // Stopped inside a frame: keep its tail, so that a close frame is only
                    // ever sent after it (see `finish`).
                    let end_of_frame = frame_end_after(&out.buf, written);
                    if let Some(tail) = out.buf.get(written..end_of_frame).filter(|t| !t.is_empty())
                    {
                        let starts_frame =
                            frame_end_after(&out.buf, written.saturating_sub(1)) == written;
                        if !(starts_frame || written == 0) {
                            *unsent = Some(tail.to_vec());
                        }
                    }
                    return Err(end);
                }
            };
            if n == 0 {
                return Err(End::Gone);
            }
            written += n;
        }
        hub.stats
            .frames_sent
            .fetch_add(out.frames, Ordering::Relaxed);
        out.clear();
        Ok(())
    }

    /// Sends what `fill` queues, through the session's reusable buffer.
    async fn send_with(&mut self, fill: impl FnOnce(&mut Self, &mut Out)) -> Result<(), End> {
        let mut out = std::mem::take(&mut self.out);
        fill(self, &mut out);
        let sent = self.send(&mut out).await;
        self.out = out;
        sent
    }

    fn names(&self) -> Vec<&str> {
        self.subs
            .iter()
            .map(|id| self.hub.market.info(id).symbol.as_str())
            .collect()
    }

    /// The frames of one tick for a set of symbols, without touching session state.
    fn frames(&self, tick: &Tick, set: &SymbolSet, dropped: u64, out: &mut Out) {
        if set.is_empty() {
            return;
        }
        let market = &self.hub.market;
        match self.format {
            Format::Quote => {
                for (i, id) in set.iter().enumerate() {
                    if let Some(frame) = tick.frame(id) {
                        if i == 0 && dropped > 0 {
                            out.frame(&with_dropped(frame, dropped));
                        } else {
                            out.frame(frame);
                        }
                    }
                }
            }
            Format::Batch => {
                let frame = tick.batch(set, market);
                if dropped > 0 {
                    out.frame(&with_dropped(&frame, dropped));
                } else {
                    out.frame(&frame);
                }
            }
            Format::Array => out.frame(&tick.array(set, market)),
        }
    }

    /// Live tick frames: each (symbol, seq) at most once per connection.
    fn live(&mut self, tick: &Tick, out: &mut Out) {
        if tick.seq <= self.last_seq {
            return;
        }
        let before = out.frames;
        self.frames(tick, &self.subs, self.dropped, out);
        if out.frames > before {
            self.dropped = 0;
        }
        self.last_seq = tick.seq;
        self.left.clear();
    }

    /// A snapshot of `set` at the connection's current tick.
    fn snapshot(&self, set: &SymbolSet, out: &mut Out) {
        let Some(tick) = self.hub.tick(self.last_seq) else {
            return;
        };
        match self.format {
            Format::Array => out.frame(&tick.array(set, &self.hub.market)),
            _ => out.frame(&tick.snapshot(set, &self.hub.market)),
        }
    }

    fn error(&self, e: &ProtocolError, out: &mut Out) {
        // Array format promises bare arrays and nothing else.
        if self.format != Format::Array {
            Stats::bump(&self.hub.stats.errors_sent);
            out.text(&e.to_json());
        }
    }

    /// Welcome, URL errors, then either a replay from `since` or the current quotes.
    async fn start(
        &mut self,
        latest: &Tick,
        since: Option<Seq>,
        url_errors: Vec<ProtocolError>,
    ) -> Result<(), End> {
        let mut out = std::mem::take(&mut self.out);
        if self.format != Format::Array {
            let names = self.names();
            out.text(&protocol::welcome(
                &self.hub.market,
                &names,
                latest.seq,
                self.format.name(),
            ));
        }
        for e in &url_errors {
            self.error(e, &mut out);
        }
        match since {
            Some(since) if since > latest.seq => {
                self.error(
                    &ProtocolError::new(
                        "invalid_since",
                        format!("since {since} is ahead of the latest tick {}", latest.seq),
                    ),
                    &mut out,
                );
                self.frames(latest, &self.subs, 0, &mut out);
            }
            Some(since) => {
                self.first_seq = Seq(since.0 + 1);
                self.last_seq = since;
                self.replay_into(since, latest.seq, &mut out);
                self.last_seq = latest.seq;
            }
            None => self.frames(latest, &self.subs, 0, &mut out),
        }
        let sent = self.send(&mut out).await;
        self.out = out;
        sent
    }

    /// Frames of ticks `after+1 ..= through`, or a gap notice plus a snapshot.
    fn replay_into(&self, after: Seq, through: Seq, out: &mut Out) {
        if after >= through {
            return;
        }
        match self.hub.replay(after, through) {
            Ok(ticks) => {
                Stats::bump(&self.hub.stats.resumes);
                for tick in &ticks {
                    self.frames(tick, &self.subs, 0, out);
                }
            }
            Err(oldest) => {
                Stats::bump(&self.hub.stats.gaps);
                if self.format != Format::Array {
                    out.text(&protocol::gap(Seq(after.0 + 1), through, oldest));
                }
                if let Some(tick) = self.hub.tick(through) {
                    match self.format {
                        Format::Array => self.frames(&tick, &self.subs, 0, out),
                        _ => out.frame(&tick.snapshot(&self.subs, &self.hub.market)),
                    }
                }
            }
        }
    }

    async fn on_tick(
        &mut self,
        first: Result<Arc<Tick>, RecvError>,
        rx: &mut tokio::sync::broadcast::Receiver<Arc<Tick>>,
    ) -> Result<(), End> {
        let mut ticks = Vec::with_capacity(2);
        match first {
            Ok(t) => ticks.push(t),
            Err(RecvError::Lagged(k)) => self.lagged(k),
            Err(RecvError::Closed) => {
                return Err(End::Close(CloseCode::Away, "server shutting down"))
            }
        }
        // Everything already queued goes out with the same flush.
        loop {
            match rx.try_recv() {
                Ok(t) => ticks.push(t),
                Err(TryRecvError::Lagged(k)) => self.lagged(k),
                Err(_) => break,
            }
        }
        self.send_with(|s, out| {
            for t in &ticks {
                s.live(t, out);
            }
        })
        .await
    }

    fn lagged(&mut self, ticks: u64) {
        self.dropped += ticks;
        let frames = ticks * self.subs.len() as u64;
        self.hub
            .stats
            .frames_dropped
            .fetch_add(frames, Ordering::Relaxed);
    }

    async fn on_ping(&mut self) -> Result<(), End> {
        if self.last_heard.elapsed() >= self.limits.ping_interval * 2 {
            Stats::bump(&self.hub.stats.closed_heartbeat);
            return Err(End::Close(CloseCode::Policy, "heartbeat timeout"));
        }
        self.send_with(|_, out| out.ping()).await
    }

    /// Token bucket over client messages.
    fn admit(&mut self) -> Result<(), End> {
        let now = Instant::now();
        let refill = now.duration_since(self.refilled).as_secs_f64() * self.limits.message_rate;
        self.tokens = (self.tokens + refill).min(self.limits.message_burst);
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
            Some(Err(e)) => return Err(End::from_error(&e, &self.hub.stats)),
            Some(Ok(msg)) => msg,
        };
        self.last_heard = Instant::now();
        let mut out = std::mem::take(&mut self.out);
        match msg {
            Message::Text(text) => {
                Stats::bump(&self.hub.stats.client_messages);
                self.admit()?;
                let market = self.hub.market.clone();
                match protocol::parse_command(text.as_str(), &market, self.limits.max_symbols) {
                    Ok(cmd) => self.command(cmd, &mut out),
                    Err(e) => self.error(&e, &mut out),
                }
            }
            Message::Binary(_) => {
                Stats::bump(&self.hub.stats.client_messages);
                self.admit()?;
                self.error(
                    &ProtocolError::new(
                        "unsupported_binary",
                        "binary messages are not supported; send JSON text",
                    ),
                    &mut out,
                );
            }
            // tungstenite queues the pong; `send` flushes it. Pings count against the rate
            // limit so a ping flood cannot make us write without bound.
            Message::Ping(_) => {
                self.admit()?;
                self.queued_by_tungstenite = true;
            }
            Message::Pong(_) | Message::Frame(_) => return Ok(()),
            Message::Close(_) => {
                // tungstenite has queued the close reply; send it and stop.
                let _ = tokio::time::timeout(Duration::from_secs(1), self.ws.flush()).await;
                return Err(End::Gone);
            }
        }
        let sent = self.send(&mut out).await;
        self.out = out;
        sent
    }

    fn command(&mut self, cmd: Command, out: &mut Out) {
        match cmd {
            Command::Subscribe(sel) => {
                let wanted: SymbolSet = if sel.all {
                    self.hub.market.ids().collect()
                } else {
                    sel.ids.iter().copied().collect()
                };
                let added: SymbolSet = wanted
                    .iter()
                    .filter(|id| !self.subs.contains(*id))
                    .collect();
                if self.subs.len() + added.len() > self.limits.max_symbols {
                    self.error(
                        &ProtocolError::new(
                            "too_many_symbols",
                            format!(
                                "subscribing would reach {} symbols; at most {} per connection",
                                self.subs.len() + added.len(),
                                self.limits.max_symbols
                            ),
                        ),
                        out,
                    );
                    return;
                }
                for id in added.iter() {
                    self.subs.insert(id);
                }
                self.ack(out);
                // A symbol dropped and re-added within one tick already has this tick's quote.
                let fresh: SymbolSet = added.iter().filter(|id| !self.left.contains(*id)).collect();
                if !fresh.is_empty() {
                    self.snapshot(&fresh, out);
                }
                self.report_unknown(&sel, out);
            }
            Command::Unsubscribe(sel) => {
                let ids: Vec<SymbolId> = if sel.all {
                    self.subs.iter().collect()
                } else {
                    sel.ids.clone()
                };
                for id in ids {
                    if self.subs.remove(id) {
                        self.left.insert(id);
                    }
                }
                self.ack(out);
                self.report_unknown(&sel, out);
            }
            Command::Ping(id) => {
                if self.format != Format::Array {
                    out.text(&protocol::pong(self.hub.clock.now_ms(), id));
                }
            }
            Command::Resume(since) if since > self.last_seq => {
                self.error(
                    &ProtocolError::new(
                        "invalid_since",
                        format!(
                            "since {since} is ahead of the latest tick {}",
                            self.last_seq
                        ),
                    ),
                    out,
                );
            }
            Command::Resume(since) => {
                // Ticks from `first_seq` on were already sent on this connection: replay only
                // the older ones, so no (symbol, seq) is ever sent twice.
                if since.0 + 1 < self.first_seq.0 {
                    let through = Seq(self.first_seq.0 - 1);
                    self.replay_into(since, through, out);
                    self.first_seq = Seq(since.0 + 1);
                }
            }
        }
    }

    fn ack(&self, out: &mut Out) {
        if self.format != Format::Array {
            out.text(&protocol::subscribed(&self.names()));
        }
    }

    fn report_unknown(&self, sel: &Selection, out: &mut Out) {
        if sel.unknown.is_empty() {
            return;
        }
        let mut e = ProtocolError::new(
            "unknown_symbols",
            format!("unknown symbols: {}", sel.unknown.join(", ")),
        );
        e.symbols.clone_from(&sel.unknown);
        self.error(&e, out);
    }

    /// Sends the close frame (briefly: the peer may be gone or stuck) and, if it went out,
    /// gives the client a moment to answer the close handshake before the socket drops.
    async fn finish(&mut self, end: End) {
        if let Some(rest) = self.unsent.take() {
            // A frame is half written. A client that is still reading (shutdown caught the
            // write mid-way) gets the rest of that frame, then its close frame; a stuck one gets
            // nothing more, since a close frame spliced into a partial frame would corrupt its
            // stream. Frames queued after it are dropped: the client can resume with `since`.
            if end == End::Slow {
                return;
            }
            let io = self.ws.get_mut();
            let finished =
                tokio::time::timeout(Duration::from_millis(500), io.write_all(&rest)).await;
            if !matches!(finished, Ok(Ok(()))) {
                return;
            }
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
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let sent = tokio::time::timeout(wait, self.ws.send(Message::Close(Some(frame)))).await;
        if !matches!(sent, Ok(Ok(()))) {
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
        // End the write side (FIN after the close frame), then read what the client still
        // sends (such as the rest of an oversize frame) until it closes too. Dropping the
        // socket with input unread makes the kernel reset the connection, and a reset can
        // discard output not yet transmitted: the client would lose its close frame.
        let io = self.ws.get_mut();
        let _ = tokio::time::timeout(wait, async {
            io.shutdown().await?;
            let mut sink = [0u8; 1024];
            while io.read(&mut sink).await? > 0 {}
            Ok::<_, std::io::Error>(())
        })
        .await;
    }
}
