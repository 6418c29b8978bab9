//! The client's side of the conversation: each read from the socket (a command, a ping, a
//! close or a read error turned into its close code), under the message rate limit, routed
//! to the connection's stream or to its replay.

use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt};
use ticker_core::SymbolSet;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::Session;
use crate::conn::End;
use crate::protocol::{self, Command, ProtocolError};
use crate::stats::Stats;

fn end_of(e: &WsError, stats: &Stats) -> End {
    match e {
        WsError::Capacity(_) => {
            Stats::bump(&stats.closed_oversize);
            End::Close(CloseCode::Size, "message too big")
        }
        WsError::Utf8(_) => {
            Stats::bump(&stats.closed_protocol);
            End::Close(CloseCode::Invalid, "text frame is not valid UTF-8")
        }
        WsError::Protocol(_) => {
            Stats::bump(&stats.closed_protocol);
            End::Close(CloseCode::Protocol, "WebSocket protocol violation")
        }
        _ => End::Gone,
    }
}

impl Session {
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

    /// Handles one read from the socket.
    pub(super) async fn on_incoming(
        &mut self,
        msg: Option<Result<Message, WsError>>,
    ) -> Result<(), End> {
        let msg = match msg {
            None => return Err(End::Gone),
            Some(Err(e)) => return Err(end_of(&e, &self.hub.stats)),
            Some(Ok(msg)) => msg,
        };
        self.conn.heard(self.hub.uptime_ms());
        let command = match msg {
            Message::Text(text) => {
                Stats::bump(&self.hub.stats.client_messages);
                self.admit()?;
                protocol::parse_command(text.as_str(), &self.hub.market, self.limits.max_symbols)
            }
            Message::Binary(_) => {
                Stats::bump(&self.hub.stats.client_messages);
                self.admit()?;
                Err(ProtocolError::new(
                    "unsupported_binary",
                    "binary messages are not supported; send JSON text",
                ))
            }
            // tungstenite has queued the pong; hand it to the outbox now if it fits (it goes
            // out with the next read otherwise). Pings count against the rate limit so a ping
            // flood cannot make us write without bound.
            Message::Ping(_) => {
                self.admit()?;
                let _ = self.ws.flush().now_or_never();
                return Ok(());
            }
            Message::Pong(_) | Message::Frame(_) => return Ok(()),
            Message::Close(_) => {
                // tungstenite has queued the close reply; send it and stop.
                self.conn.close();
                let _ = self.ws.flush().now_or_never();
                self.flush_within(Duration::from_secs(1)).await;
                return Err(End::Gone);
            }
        };
        if let Ok(Command::Replay(cmd)) = command {
            if self.replay.is_some() {
                return self.replay_command(cmd).await;
            }
        }
        if let (Ok(Command::Subscribe(sel)), Some(replay)) = (&command, self.replay.as_mut()) {
            // A replay computes only what it streams: the new symbols join it first.
            let ids: SymbolSet = if sel.all {
                self.hub.market.ids().collect()
            } else {
                sel.ids.iter().copied().collect()
            };
            // More than the limit is refused below anyway: not worth computing.
            if ids.len() <= self.limits.max_symbols {
                if let Err(e) = replay.want(&ids).await {
                    tracing::error!(error = %e, "could not add symbols to a replay");
                    return Err(End::Gone);
                }
            }
        }
        let mut guard = self.conn.lock();
        let link = &mut *guard;
        let current = self.replay.as_ref().map(|r| &**r.current());
        match command {
            Ok(Command::Resume(_)) if current.is_some() => link.stream.error(
                &self.hub,
                &ProtocolError::new(
                    "replaying",
                    "`resume` picks up the live stream; this connection replays the past (use \
                     {\"type\":\"replay\",\"action\":\"seek\"} to move in it)",
                ),
                &mut link.out,
            ),
            Ok(cmd) => link.stream.command(
                &self.hub,
                self.limits.max_symbols,
                cmd,
                current,
                &mut link.out,
            ),
            Err(e) => link.stream.error(&self.hub, &e, &mut link.out),
        }
        self.conn
            .flush(link, &self.hub.stats)
            .map(|_| ())
            .map_err(|_| End::Gone)
    }
}
