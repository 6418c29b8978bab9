//! The session's side of a replay: offering its ticks when they are due, answering the
//! `replay` messages, and its end (a close, or the live stream on the same connection).

use std::sync::Arc;

use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::Session;
use crate::conn::{Conn, Driver, End, Link};
use crate::faults::Layer;
use crate::protocol::{ProtocolError, ReplayCommand};
use crate::replay::{Reason, Step, Then};
use crate::stats::Stats;
use crate::stream::Format;
use crate::ticker::{Hub, Tick};

impl Session {
    /// Offers the replay's ticks that are due; at its end, closes or goes live.
    pub(super) async fn replay_due(&mut self) -> Result<(), End> {
        loop {
            let Some(replay) = self.replay.as_mut() else {
                return Ok(());
            };
            match replay.step(&self.hub, tokio::time::Instant::now()) {
                Step::Tick(tick) => match self.faults.as_mut() {
                    // Through the faults, as the live ticks of a faulted connection go.
                    Some(layer) => {
                        self.conn.enqueue(&self.hub, tick);
                        layer.pump(&self.conn, &self.hub, std::time::Instant::now())?;
                    }
                    None => {
                        self.conn.offer(&self.hub, tick).map_err(|_| End::Gone)?;
                    }
                },
                Step::Wait => return Ok(()),
                Step::End(reason) => return self.replay_end(reason).await,
            }
        }
    }

    /// `replay_end`, then the close (after everything queued went out) or the live stream.
    async fn replay_end(&mut self, reason: Reason) -> Result<(), End> {
        let Some(replay) = self.replay.take() else {
            return Ok(());
        };
        let then = replay.request().then;
        {
            let mut guard = self.conn.lock();
            let link = &mut *guard;
            render_queue(self.faults.as_mut(), &self.conn, &self.hub, link);
            if let Some(layer) = self.faults.as_mut() {
                layer.let_out(link);
                if then != Then::Live {
                    // The session ends: a faulted stall must not hold back its last frames.
                    link.hold = false;
                }
            }
            if link.stream.format != Format::Array {
                link.out.text(&replay.end(reason));
            }
            if then == Then::Live {
                link.stream
                    .go_live(&self.hub, reason == Reason::Now, &mut link.out);
                // The task drains what is queued and hands the connection to its shard.
                link.driver = Driver::Own;
            }
            self.conn
                .flush(link, &self.hub.stats)
                .map_err(|_| End::Gone)?;
        }
        // Frees its place among `--max-replays`.
        drop(replay);
        if then == Then::Live {
            return Ok(());
        }
        if self.flush_within(self.limits.stall_timeout).await {
            Err(End::Close(CloseCode::Normal, "replay finished"))
        } else {
            Stats::bump(&self.hub.stats.closed_slow);
            Err(End::Slow)
        }
    }

    /// A `replay` message: steer the replay and acknowledge with its state.
    pub(super) async fn replay_command(&mut self, cmd: ReplayCommand) -> Result<(), End> {
        let now = tokio::time::Instant::now();
        let max_speed = self.limits.replay.max_speed;
        let Some(replay) = self.replay.as_mut() else {
            return Ok(());
        };
        let done: Result<(&str, Option<Arc<Tick>>), ProtocolError> = match cmd {
            ReplayCommand::Pause => {
                replay.pause(now);
                Ok(("pause", None))
            }
            ReplayCommand::Resume => {
                replay.resume(now);
                Ok(("resume", None))
            }
            ReplayCommand::Speed(speed) => replay
                .set_speed(now, speed, max_speed)
                .map(|()| ("speed", None)),
            ReplayCommand::Seek(ms) => replay
                .seek(&self.hub, ms, &self.limits.replay)
                .await
                .map(|tick| ("seek", Some(tick))),
        };
        let mut guard = self.conn.lock();
        let link = &mut *guard;
        // What was produced before the command goes out before its answer.
        render_queue(self.faults.as_mut(), &self.conn, &self.hub, link);
        match done {
            Ok((action, restart)) => {
                if link.stream.format != Format::Array {
                    // Read the position after the action (a seek re-anchors the replay).
                    link.out
                        .text(&replay.state(action, tokio::time::Instant::now()));
                }
                if let Some(tick) = restart {
                    link.stream.restart_at(&self.hub, &tick, &mut link.out);
                }
            }
            Err(e) => link.stream.error(&self.hub, &e, &mut link.out),
        }
        self.conn
            .flush(link, &self.hub.stats)
            .map(|_| ())
            .map_err(|_| End::Gone)
    }
}

/// Renders the ticks the replay queued, through the faults if the connection has any, so that
/// what is appended next comes after them.
fn render_queue(faults: Option<&mut Layer>, conn: &Conn, hub: &Hub, link: &mut Link) {
    match faults {
        Some(layer) => {
            // A `fault_disconnect_ticks` count reached here ends the session at its next pump.
            layer.take_queued(link, hub, std::time::Instant::now());
        }
        None => conn.render_queue(hub, link),
    }
}
