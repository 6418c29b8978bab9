//! One Finnhub or Binance connection's task (see [`super`]): live ticks in, the vendor's frames
//! out, from the shared [`Feeds`] payloads.
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

use super::feeds::{Feeds, Key};
use super::Setup;
use crate::conn::{Conn, Driver, Duplex, End};
use crate::session::{stopping, Limits};
use crate::shard::Writers;
use crate::stats::Stats;
use crate::stream::{Format, QuoteStream};
use crate::tick::Tick;
use crate::ticker::Hub;

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
    feeds: Arc<Feeds>,
    limits: Limits,
    protocol: Protocol,
    at: ticker_core::Seq,
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
        feeds,
        ws_config,
        limits,
        mut shutdown,
    } = setup;
    Stats::bump(&hub.stats.sessions_total);
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
        feeds,
        limits,
        protocol,
        at,
        tokens: limits.message_burst,
        refilled: Instant::now(),
    };
    let end = task.serve(&mut shutdown).await;
    task.finish(end).await;
}

impl Task {
    async fn serve(&mut self, shutdown: &mut watch::Receiver<bool>) -> End {
        let mut ticks = self.hub.watch();
        let mut progress = Instant::now();
        let mut seen = self.conn.written();
        loop {
            let (ended, backlog) = {
                let link = self.conn.lock();
                (link.end, link.out.len())
            };
            if let Some(end) = ended {
                return end;
            }
            let written = self.conn.written();
            if backlog == 0 || written != seen {
                progress = Instant::now();
                seen = written;
            }
            let stalled_at = tokio::time::Instant::from_std(progress + self.limits.stall_timeout);
            let step = tokio::select! {
                biased;
                () = stopping(shutdown) => Err(End::Close(CloseCode::Away, "server shutting down")),
                () = self.conn.wake.notified() => Ok(()),
                ready = self.conn.writable(), if backlog > 0 => match ready {
                    Ok(()) => self.flush(),
                    Err(_) => Err(End::Gone),
                },
                () = tokio::time::sleep_until(stalled_at), if backlog > 0 => {
                    if self.conn.written() == seen {
                        Stats::bump(&self.hub.stats.closed_slow);
                        Err(End::Slow)
                    } else {
                        Ok(())
                    }
                }
                msg = self.ws.next(), if backlog <= MAX_BACKLOG => self.on_incoming(msg),
                changed = ticks.changed() => match changed {
                    Ok(()) => self.deliver(),
                    Err(_) => Err(End::Close(CloseCode::Away, "server shutting down")),
                },
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    fn flush(&self) -> Result<(), End> {
        let mut link = self.conn.lock();
        self.conn
            .flush(&mut link, &self.hub.stats)
            .map(|_| ())
            .map_err(|_| End::Gone)
    }

    /// Writes the frames of every tick published since the last one.
    fn deliver(&mut self) -> Result<(), End> {
        let batch = self.hub.after(self.at);
        let conn = self.conn.clone();
        let mut link = conn.lock();
        link.stream.lagged(batch.lost, &self.hub.stats);
        for tick in &batch.ticks {
            self.at = tick.seq;
            if link.out.len() > MAX_BACKLOG {
                link.stream.lagged(1, &self.hub.stats);
                continue;
            }
            for frame in self.frames(tick) {
                link.out.text(&frame);
            }
        }
        conn.flush(&mut link, &self.hub.stats)
            .map(|_| ())
            .map_err(|_| End::Gone)
    }

    /// The frames one tick gives this connection.
    fn frames(&mut self, tick: &Tick) -> Vec<String> {
        let feeds = &self.feeds;
        let market = &self.hub.market;
        match &mut self.protocol {
            Protocol::Finnhub(session) => {
                let payloads: HashMap<SymbolId, Arc<[String]>> = session
                    .subscriptions()
                    .iter()
                    .map(|s| (s.id, feeds.get(tick, Key::Finnhub(s.id))))
                    .collect();
                let trades = |id: SymbolId| {
                    payloads
                        .get(&id)
                        .and_then(|p| p.first())
                        .map(String::as_str)
                };
                session
                    .on_tick(tick.timestamp, trades)
                    .into_iter()
                    .collect()
            }
            Protocol::Binance(session) => {
                let unit = session.time_unit();
                let mut out = Vec::new();
                for stream in session.streams() {
                    let key = |id| match stream.kind {
                        Kind::Trade => Some(Key::Trade(id, unit)),
                        Kind::AggTrade => Some(Key::AggTrade(id, unit)),
                        Kind::Kline(iv) => Some(Key::Kline(id, iv.name(), unit)),
                        Kind::MiniTicker => Some(Key::Mini(id, unit)),
                        Kind::Ticker => Some(Key::Ticker(id, unit)),
                        Kind::BookTicker => Some(Key::Book(id)),
                        Kind::AllMiniTickers => None,
                    };
                    match stream.symbol.and_then(key) {
                        Some(key) => {
                            for p in feeds.get(tick, key).iter() {
                                out.push(session.frame(&stream.name, p));
                            }
                        }
                        None if stream.kind == Kind::AllMiniTickers => {
                            let all: Vec<Arc<[String]>> = market
                                .ids()
                                .filter(|id| {
                                    instruments::binance(market, market.symbol(*id).as_str())
                                        .is_some()
                                })
                                .map(|id| feeds.get(tick, Key::Mini(id, unit)))
                                .collect();
                            let mut payload = String::new();
                            mini_ticker_array(
                                &mut payload,
                                all.iter().flat_map(|p| p.iter().map(String::as_str)),
                            );
                            out.push(session.frame(&stream.name, &payload));
                        }
                        None => {}
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

    fn on_incoming(&mut self, msg: Option<Result<Message, WsError>>) -> Result<(), End> {
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
        Ok(())
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
