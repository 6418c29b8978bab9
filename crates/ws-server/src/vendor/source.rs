//! Where a vendor connection's ticks come from and what happens to their frames on the way
//! out: the live ticks or a replay of the past (`?from=&to=&speed=&then=`, the native
//! [`Replay`]: its request, pacing and clock), and the connection's faults (`fault_*`, the
//! native [`Layer`]). Every vendor connection ([`super::session`]) keeps one.
//!
//! A vendor client subscribes after it connects (Alpaca and Polygon after authenticating), so
//! a replay's clock waits for the first subscription: the replay starts at `from` with the
//! first symbol the client asks for, and its frames are the ones the live stream sent for the
//! ticks after `from`, byte for byte (a replayed tick is built as the live one is). At `to`
//! (or on reaching the market clock's now) the connection closes with 1000 `replay finished`,
//! or goes on with the live ticks with `then=live`; vendors' protocols have no message for
//! the end of a replay.
//!
//! Faults apply to each tick's frames (one unit per tick, as on the native stream); the
//! protocol's own answers and its opening frames never go through them.

use std::sync::Arc;
use std::time::Instant;

use ticker_core::{Seq, SymbolSet};
use tokio::sync::OwnedSemaphorePermit;

use crate::conn::{Conn, End, Link};
use crate::faults::Layer;
use crate::replay::{Reason, Replay, ReplayRequest, Step, Then};
use crate::stats::Stats;
use crate::tick::Tick;
use crate::ticker::Hub;

/// A vendor connection's replay, while it lasts.
struct Past {
    replay: Replay,
    /// The symbols it computes.
    wanted: SymbolSet,
    /// Its clock has not started (no subscription yet).
    waiting: bool,
}

/// What follows the end of a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Close the connection (1000).
    Close,
    /// Stream the live ticks after this one.
    Live(Seq),
}

/// A vendor connection's tick source and faults (see the module docs).
#[derive(Default)]
pub struct Source {
    past: Option<Past>,
    layer: Option<Layer>,
}

impl Source {
    /// The live ticks, through `layer` if the connection has faults.
    pub fn live(layer: Option<Layer>) -> Self {
        Self { past: None, layer }
    }

    /// A replay of `request`, positioned and waiting for its first subscription.
    pub async fn replay(
        hub: &Hub,
        request: ReplayRequest,
        permit: OwnedSemaphorePermit,
        layer: Option<Layer>,
    ) -> Result<Self, tokio::task::JoinError> {
        Stats::bump(&hub.stats.replays_total);
        let mut replay = Replay::start(hub, request, &SymbolSet::new(), permit).await?;
        replay.pause(tokio::time::Instant::now());
        Ok(Self {
            past: Some(Past {
                replay,
                wanted: SymbolSet::new(),
                waiting: true,
            }),
            layer,
        })
    }

    /// Whether the connection streams the live ticks.
    pub fn is_live(&self) -> bool {
        self.past.is_none()
    }

    /// The newest tick the replay produced, if it replays.
    pub fn replayed(&self) -> Option<Seq> {
        self.past.as_ref().map(|p| p.replay.current().seq)
    }

    /// When the replay's next tick is due (`None`: live, or its clock waits).
    pub fn replay_due(&self) -> Option<tokio::time::Instant> {
        self.past.as_ref().and_then(|p| p.replay.due())
    }

    /// When the faults need the task next.
    pub fn faults_due(&self) -> Option<tokio::time::Instant> {
        self.layer
            .as_ref()
            .and_then(Layer::deadline)
            .map(tokio::time::Instant::from_std)
    }

    /// The replay computes `ids` too from now on; the first symbols start its clock.
    pub async fn want(&mut self, ids: &SymbolSet) -> Result<(), tokio::task::JoinError> {
        let Some(past) = self.past.as_mut() else {
            return Ok(());
        };
        if ids.iter().all(|id| past.wanted.contains(id)) {
            return Ok(());
        }
        past.replay.want(ids).await?;
        for id in ids.iter() {
            past.wanted.insert(id);
        }
        if past.waiting {
            past.waiting = false;
            past.replay.resume(tokio::time::Instant::now());
        }
        Ok(())
    }

    /// The replay's ticks that are due, and its end if it came.
    pub fn due_ticks(&mut self, hub: &Hub) -> (Vec<Arc<Tick>>, Option<Reason>) {
        let mut ticks = Vec::new();
        let Some(past) = self.past.as_mut() else {
            return (ticks, None);
        };
        loop {
            match past.replay.step(hub, tokio::time::Instant::now()) {
                Step::Tick(tick) => ticks.push(tick),
                Step::Wait => return (ticks, None),
                Step::End(reason) => return (ticks, Some(reason)),
            }
        }
    }

    /// Ends the replay (freeing its place among `--max-replays`); what comes next. Held
    /// faulted frames go out first, so nothing that follows overtakes them.
    pub fn end(&mut self, reason: Reason, hub: &Hub, link: &mut Link) -> Ending {
        let Some(past) = self.past.take() else {
            return Ending::Live(hub.latest().seq);
        };
        if let Some(layer) = self.layer.as_mut() {
            layer.let_out(link);
        }
        match past.replay.request().then {
            Then::Close => {
                // The session ends: a faulted stall must not hold back its last frames.
                link.hold = false;
                Ending::Close
            }
            // Caught up with now: the live ticks follow on. Stopped at `to`: the live stream
            // goes on from the newest tick, as the native stream does. Never from before the
            // replay's last tick, though: the tick loop may not have published it yet.
            Then::Live => {
                let replayed = past.replay.current().seq;
                match reason {
                    Reason::Now => Ending::Live(replayed),
                    Reason::To => Ending::Live(hub.latest().seq.max(replayed)),
                }
            }
        }
    }

    /// Queues one tick's frames (`frames` whole frames back to back), through the faults.
    pub fn send(&mut self, seq: Seq, bytes: Vec<u8>, frames: u64, link: &mut Link, hub: &Hub) {
        match self.layer.as_mut() {
            Some(layer) => layer.offer(seq, bytes, frames, Instant::now(), link, hub),
            None if frames > 0 => link.out.frames(&bytes, frames),
            None => {}
        }
    }

    /// Writes what is due: the faults' clock (stall, delay, disconnect), then the outbox.
    pub fn pump(&mut self, conn: &Conn, hub: &Hub) -> Result<(), End> {
        match self.layer.as_mut() {
            Some(layer) => layer.pump(conn, hub, Instant::now()),
            None => {
                let mut link = conn.lock();
                conn.flush(&mut link, &hub.stats)
                    .map(|_| ())
                    .map_err(|_| End::Gone)
            }
        }
    }
}
