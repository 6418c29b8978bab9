//! One Finnhub or Binance connection's task (see [`super`]): live or replayed ticks in (its
//! [`Source`]), the vendor's frames out through the connection's faults, from the tick's
//! shared pieces ([`super::frames`]; a replay keeps its own [`Series`]).
//!
//! Alpaca and Polygon run on [`super::session`] instead: the two runners differ in how a
//! protocol is driven (an enum over the `ticker_vendors` sessions here, a trait there) and in
//! their slow-client and rate rules (Binance counts every frame, pings included).
//!
//! A client that stops reading keeps its outbox growing until [`MAX_BACKLOG`]; ticks beyond it
//! are dropped (counted as dropped frames) and a socket that takes nothing for
//! `--stall-timeout-ms` is closed (1008 `consumer too slow`), as on the native stream.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use ticker_core::{SymbolId, SymbolSet};
use ticker_vendors::binance::events::mini_ticker_array;
use ticker_vendors::binance::session::Session as BinanceSession;
use ticker_vendors::binance::streams::Kind;
use ticker_vendors::finnhub::stream::Session as FinnhubSession;
use ticker_vendors::instruments;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

use super::frames::{piece_of, Ctx, Encoded, Piece};
use super::payloads::Binance;
use super::series::Series;
use super::source::{Ending, Source};
use super::Setup;
use crate::conn::{Conn, Driver, Duplex, End};
use crate::session::{stopping, Limits};
use crate::shard::Writers;
use crate::stats::Stats;
use crate::stream::{Format, QuoteStream};
use crate::tick::Tick;
use crate::ticker::Hub;
use crate::wire::encode_text;

/// Unwritten bytes beyond which a connection's new ticks are dropped.
pub const MAX_BACKLOG: usize = 1024 * 1024;

/// Which vendor the connection speaks, with its state.
#[derive(Debug)]
pub enum Protocol {
    /// Finnhub's trade stream.
    Finnhub(FinnhubSession),
    /// Binance's market streams.
    Binance(BinanceSession),
}

struct Task {
    ws: WebSocketStream<Duplex>,
    conn: Arc<Conn>,
    hub: Arc<Hub>,
    series: Arc<Series>,
    limits: Limits,
    protocol: Protocol,
    /// The last live tick delivered.
    at: ticker_core::Seq,
    /// Live or replayed ticks, and the connection's faults.
    source: Source,
    /// The live ticks' cross-tick state (`series` is the connection's own while it
    /// replays, so that its klines advance tick by tick).
    live_series: Arc<Series>,
    tokens: f64,
    refilled: Instant,
}

/// Runs one vendor client until it leaves, misbehaves or the server shuts down.
pub async fn run(
    stream: TcpStream,
    unread: Vec<u8>,
    setup: Setup,
    writers: &Writers,
    protocol: Protocol,
) {
    let Setup {
        hub,
        series: live_series,
        ws_config,
        limits,
        mut shutdown,
        replay,
        faults,
    } = setup;
    Stats::bump(&hub.stats.sessions_total);
    let Some(source) = super::source_of(&hub, replay, faults, limits.fault_held_bytes).await else {
        return;
    };
    let series = match source.is_live() {
        true => live_series.clone(),
        false => Arc::new(Series::new(hub.market.clone())),
    };
    let at = hub.latest().seq;
    let none: SymbolSet = std::iter::empty().collect();
    let conn = Arc::new(Conn::new(
        stream,
        QuoteStream::new(Format::Quote, none, at),
        limits.queue_ticks,
        hub.uptime_ms(),
    ));
    conn.lock().driver = Driver::Source;
    let duplex = Duplex::new(conn.clone(), hub.stats.clone());
    let ws =
        WebSocketStream::from_partially_read(duplex, unread, Role::Server, Some(ws_config)).await;
    writers.add(&conn);
    let mut task = Task {
        ws,
        conn,
        hub,
        series,
        limits,
        protocol,
        at,
        source,
        live_series,
        tokens: limits.message_burst,
        refilled: Instant::now(),
    };
    // A replay computes the streams the URL names at once.
    let end = match task.want().await {
        Ok(()) => task.serve(&mut shutdown).await,
        Err(end) => end,
    };
    task.finish(end).await;
}

impl Task {
    async fn serve(&mut self, shutdown: &mut watch::Receiver<bool>) -> End {
        let mut ticks = self.hub.watch();
        let mut progress = Instant::now();
        let mut seen = self.conn.written();
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
            if !behind || written != seen {
                progress = Instant::now();
                seen = written;
            }
            let stalled_at = tokio::time::Instant::from_std(progress + self.limits.stall_timeout);
            let never = tokio::time::Instant::now() + Duration::from_secs(3600);
            let replay_due = self.source.replay_due();
            let faults_due = self.source.faults_due();
            let live = self.source.is_live();
            let step = tokio::select! {
                biased;
                () = stopping(shutdown) => Err(End::Close(CloseCode::Away, "server shutting down")),
                () = self.conn.wake.notified() => Ok(()),
                ready = self.conn.writable(), if behind => match ready {
                    Ok(()) => self.source.pump(&self.conn, &self.hub),
                    Err(_) => Err(End::Gone),
                },
                () = tokio::time::sleep_until(stalled_at), if behind => {
                    if self.conn.written() == seen {
                        Stats::bump(&self.hub.stats.closed_slow);
                        Err(End::Slow)
                    } else {
                        Ok(())
                    }
                }
                () = tokio::time::sleep_until(faults_due.unwrap_or(never)), if faults_due.is_some() => {
                    self.source.pump(&self.conn, &self.hub)
                }
                msg = self.ws.next(), if backlog <= MAX_BACKLOG => self.on_incoming(msg).await,
                changed = ticks.changed(), if live => match changed {
                    Ok(()) => {
                        let batch = self.hub.after(self.at);
                        if let Some(tick) = batch.ticks.last() {
                            self.at = tick.seq;
                        }
                        self.deliver(&batch.ticks, batch.lost)
                    }
                    Err(_) => Err(End::Close(CloseCode::Away, "server shutting down")),
                },
                // Last: a replay behind its schedule must not starve the client's messages.
                () = tokio::time::sleep_until(replay_due.unwrap_or(never)), if replay_due.is_some() => {
                    self.replay_due()
                }
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// Writes the frames of `ticks` (live or replayed; `lost` more were left out before
    /// them), through the connection's faults.
    fn deliver(&mut self, ticks: &[Arc<Tick>], lost: u64) -> Result<(), End> {
        let conn = self.conn.clone();
        {
            let mut guard = conn.lock();
            let link = &mut *guard;
            link.stream.lagged(lost, &self.hub.stats);
            for tick in ticks {
                if link.out.len() > MAX_BACKLOG {
                    link.stream.lagged(1, &self.hub.stats);
                    continue;
                }
                let frames = self.frames(tick);
                let mut bytes = Vec::new();
                for frame in &frames {
                    encode_text(frame.as_bytes(), &mut bytes);
                }
                let count = frames.len() as u64;
                self.source.send(tick.seq, bytes, count, link, &self.hub);
            }
        }
        self.source.pump(&conn, &self.hub)
    }

    /// Delivers the replay's ticks that are due; at its end, closes or goes live.
    fn replay_due(&mut self) -> Result<(), End> {
        let (ticks, end) = self.source.due_ticks(&self.hub);
        self.deliver(&ticks, 0)?;
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
                self.at = seq;
                self.series = self.live_series.clone();
                let batch = self.hub.after(self.at);
                if let Some(tick) = batch.ticks.last() {
                    self.at = tick.seq;
                }
                self.deliver(&batch.ticks, batch.lost)
            }
            Ending::Close => Err(End::Close(CloseCode::Normal, "replay finished")),
        }
    }

    /// A replay computes the symbols the client subscribes to.
    async fn want(&mut self) -> Result<(), End> {
        if self.source.is_live() {
            return Ok(());
        }
        let market = &self.hub.market;
        let wanted: SymbolSet = match &self.protocol {
            Protocol::Finnhub(session) => session.subscriptions().iter().map(|s| s.id).collect(),
            Protocol::Binance(session) => {
                let all = session
                    .streams()
                    .iter()
                    .any(|s| s.kind == Kind::AllMiniTickers);
                market
                    .ids()
                    .filter(|id| {
                        if all {
                            instruments::binance(market, market.symbol(*id).as_str()).is_some()
                        } else {
                            session.streams().iter().any(|s| s.symbol == Some(*id))
                        }
                    })
                    .collect()
            }
        };
        self.source.want(&wanted).await.map_err(|e| {
            tracing::error!(error = %e, "could not position a replay");
            End::Close(CloseCode::Error, "could not position the replay")
        })
    }

    /// The frames one tick gives this connection.
    fn frames(&mut self, tick: &Tick) -> Vec<String> {
        let market = &self.hub.market;
        let ctx = Ctx::new(market, tick, &self.series);
        match &mut self.protocol {
            Protocol::Finnhub(session) => {
                let payloads: HashMap<SymbolId, Arc<Encoded>> = session
                    .subscriptions()
                    .iter()
                    .filter_map(|s| Some((s.id, piece_of(tick, Piece::Finnhub, s.id, &ctx)?)))
                    .collect();
                let trades = |id: SymbolId| payloads.get(&id).and_then(|p| p.texts().next());
                session
                    .on_tick(tick.timestamp, trades)
                    .into_iter()
                    .collect()
            }
            Protocol::Binance(session) => {
                let unit = session.time_unit();
                let mut out = Vec::new();
                for stream in session.streams() {
                    let kind = match stream.kind {
                        Kind::Trade => Binance::Trade(unit),
                        Kind::AggTrade => Binance::AggTrade(unit),
                        Kind::Kline(iv) => Binance::Kline(iv.name(), unit),
                        Kind::MiniTicker => Binance::Mini(unit),
                        Kind::Ticker => Binance::Ticker(unit),
                        Kind::BookTicker => Binance::Book,
                        Kind::AllMiniTickers => {
                            let all: Vec<Arc<Encoded>> = market
                                .ids()
                                .filter(|id| {
                                    instruments::binance(market, market.symbol(*id).as_str())
                                        .is_some()
                                })
                                .filter_map(|id| {
                                    piece_of(tick, Piece::Binance(Binance::Mini(unit)), id, &ctx)
                                })
                                .collect();
                            let mut payload = String::new();
                            mini_ticker_array(&mut payload, all.iter().flat_map(|p| p.texts()));
                            out.push(session.frame(&stream.name, &payload));
                            continue;
                        }
                    };
                    let Some(id) = stream.symbol else {
                        continue;
                    };
                    if let Some(p) = piece_of(tick, Piece::Binance(kind), id, &ctx) {
                        for payload in p.texts() {
                            out.push(session.frame(&stream.name, payload));
                        }
                    }
                }
                out
            }
        }
    }

    /// Token bucket over client messages (the service's `--max-message-rate`).
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
            Some(Err(WsError::Capacity(_))) => {
                Stats::bump(&self.hub.stats.closed_oversize);
                return Err(End::Close(CloseCode::Size, "message too big"));
            }
            Some(Err(WsError::Utf8(_) | WsError::Protocol(_))) => {
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
        if let Protocol::Binance(session) = &mut self.protocol {
            // Binance counts every frame, pings and pongs included, per second of real time
            // (not market time, which a manual or fast clock moves at will).
            let now_ms = i64::try_from(self.hub.uptime_ms()).unwrap_or(i64::MAX);
            if !matches!(msg, Message::Close(_)) && session.on_incoming(now_ms).is_some() {
                Stats::bump(&self.hub.stats.closed_rate);
                return Err(End::Close(CloseCode::Policy, "Too many messages"));
            }
        }
        let text = match msg {
            Message::Text(text) => text.as_str().to_owned(),
            Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Message::Ping(_) => {
                self.admit()?;
                let _ = self.ws.flush().now_or_never();
                return Ok(());
            }
            Message::Pong(_) | Message::Frame(_) => return Ok(()),
            Message::Close(_) => {
                self.conn.close();
                let _ = self.ws.flush().now_or_never();
                return Err(End::Gone);
            }
        };
        Stats::bump(&self.hub.stats.client_messages);
        self.admit()?;
        let market = &self.hub.market;
        let reply = match &mut self.protocol {
            Protocol::Finnhub(session) => {
                session.on_text(&text, &|s: &str| instruments::exact(market, s))
            }
            Protocol::Binance(session) => {
                Some(session.on_text(&text, &|s: &str| instruments::binance(market, s)))
            }
        };
        if let Some(reply) = reply {
            let mut link = self.conn.lock();
            link.out.text(&reply);
            self.conn
                .flush(&mut link, &self.hub.stats)
                .map_err(|_| End::Gone)?;
        }
        self.want().await
    }

    /// Sends the close frame, briefly (the peer may be gone or stuck).
    async fn finish(&mut self, end: End) {
        self.conn.close();
        let partial = self.conn.lock().out.cut();
        let (code, reason) = match end {
            End::Gone => return,
            End::Slow => (CloseCode::Policy, "consumer too slow"),
            End::Close(code, reason) => (code, reason),
        };
        if partial && end == End::Slow {
            return;
        }
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let wait = Duration::from_secs(1);
        if !matches!(
            tokio::time::timeout(wait, self.ws.send(Message::Close(Some(frame)))).await,
            Ok(Ok(()))
        ) {
            return;
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            {
                let mut link = self.conn.lock();
                match self.conn.flush(&mut link, &self.hub.stats) {
                    Ok(_) if link.out.is_empty() => break,
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
            if !matches!(
                tokio::time::timeout_at(deadline, self.conn.writable()).await,
                Ok(Ok(()))
            ) {
                return;
            }
        }
        let _ = tokio::time::timeout(wait, async {
            while let Some(Ok(m)) = self.ws.next().await {
                if matches!(m, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
}
