//! One connection's faults, applied between what it streams and its outbox.
//!
//! The connection's task ([`crate::session`]) calls [`Layer::pump`] whenever it wakes: the
//! layer takes the ticks its writer shard queued, has the connection's stream turn each into
//! that tick's frames (a *unit*: everything the client would have received for that `seq`),
//! and then drops, duplicates, prefixes with a malformed frame, holds back (reorder) or delays
//! the unit before it reaches the outbox. It also runs the connection's fault clock: the stall
//! (nothing written while it lasts) and the disconnect. [`Layer::deadline`] tells the task when
//! to wake next.
//!
//! The layer does not care what produced a tick's frames: another tick source (a replay at
//! the client's pace, another protocol's framing) hands each tick's frames to [`Layer::offer`]
//! from the connection's task, then calls [`Layer::pump`] to send what is due, and gets the
//! same faults with the same plan. A replay ([`crate::session`]) queues its ticks on the
//! connection as the shard does, and the pump takes them from there, so a stall or a full
//! socket bounds them the same way.
//!
//! Start-up frames (welcome, the first quotes, a `since` replay) and answers to the client
//! never pass through here: a client can always recover what faults took with `since`.
//! Everything held back is bounded by `--fault-max-held-bytes`; beyond, the oldest held units
//! are dropped and reported like a slow consumer's (`dropped`).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ticker_core::Seq;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::{CloseStyle, Faults, Kind, Spec};
use crate::conn::{Conn, End, Link};
use crate::outbox::Outbox;
use crate::ticker::Hub;
use crate::wire::{frame_end_after, payload, text_frame};

/// One tick's frames, back to back, as the connection's stream produced them.
#[derive(Debug)]
struct Unit {
    seq: Seq,
    bytes: Vec<u8>,
    frames: u64,
}

/// Where the connection's stall is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stall {
    /// Not started: it runs from `at` to `until`.
    Pending { at: Instant, until: Instant },
    /// Nothing is written until `until`.
    Active { until: Instant },
    /// Done (or never asked for).
    Over,
}

/// One connection's faults (see the module docs).
#[derive(Debug)]
pub struct Layer {
    spec: Spec,
    faults: Arc<Faults>,
    max_held: usize,
    /// Live ticks taken from the source so far.
    ticks: u64,
    disconnect_at: Option<Instant>,
    disconnect_after: Option<u64>,
    stall: Stall,
    /// Units held back by the reorder fault, with the seq after which each goes out.
    reordered: Vec<(u64, Unit)>,
    /// Units waiting for their time (delay), in the order they go out.
    delayed: VecDeque<(Instant, Unit)>,
    /// Bytes in `reordered` and `delayed`.
    held: usize,
    /// Whether the held-bytes limit was hit (logged once).
    overflowed: bool,
    /// The socket had not taken everything at the last pump: ticks wait in the connection's
    /// bounded queue, and the task waits for the socket rather than for delayed units.
    blocked: bool,
}

impl Layer {
    /// The faults of a connection opened at `opened`; `max_held` bounds what it holds back.
    pub fn new(spec: Spec, faults: Arc<Faults>, max_held: usize, opened: Instant) -> Self {
        let ms = Duration::from_millis;
        let stall = match spec.stall_ms() {
            Some((at, length)) => Stall::Pending {
                at: opened + ms(at),
                until: opened + ms(at) + ms(length),
            },
            None => Stall::Over,
        };
        Self {
            disconnect_at: spec.disconnect_after_ms().map(|at| opened + ms(at)),
            disconnect_after: spec.disconnect_after_ticks(),
            stall,
            spec,
            faults,
            max_held,
            ticks: 0,
            reordered: Vec::new(),
            delayed: VecDeque::new(),
            held: 0,
            overflowed: false,
            blocked: false,
        }
    }

    /// When the task must wake next for the layer's sake (a delayed unit, the stall, the
    /// disconnect), if ever.
    pub fn deadline(&self) -> Option<Instant> {
        let (stall, delayed) = match self.stall {
            // Nothing goes out while the stall lasts: only its end (or a disconnect) matters.
            Stall::Active { until } => (Some(until), None),
            Stall::Pending { at, .. } => (Some(at), self.delayed.front().map(|(due, _)| *due)),
            Stall::Over => (None, self.delayed.front().map(|(due, _)| *due)),
        };
        // A socket that is behind wakes the task itself when it can take more.
        let delayed = delayed.filter(|_| !self.blocked);
        [self.disconnect_at, stall, delayed]
            .into_iter()
            .flatten()
            .min()
    }

    /// Moves the connection on: the fault clock, then the queued ticks, then whatever is due.
    /// `Err` ends the session (a faulted disconnect, or a broken socket).
    pub fn pump(&mut self, conn: &Conn, hub: &Hub, now: Instant) -> Result<(), End> {
        if self.disconnect_at.is_some_and(|at| now >= at)
            || self.disconnect_after.is_some_and(|n| self.ticks >= n)
        {
            return Err(self.disconnect(conn));
        }
        self.stall_step(conn, hub, now);
        if matches!(self.stall, Stall::Active { .. }) {
            // Ticks wait in the connection's queue meanwhile (at most --queue-ticks; older
            // ones are dropped and reported with `dropped`, as for a slow consumer).
            return Ok(());
        }
        let mut guard = conn.lock();
        let link = &mut *guard;
        if conn.flush(link, &hub.stats).is_err() {
            return Err(End::Gone);
        }
        self.blocked = !link.out.is_empty();
        if self.blocked {
            // The socket is behind: new ticks wait in the connection's queue (bounded by
            // --queue-ticks, the rest reported as `dropped`) rather than in the outbox.
            return Ok(());
        }
        let end = self.take_queued(link, hub, now);
        self.release(now, &mut link.out);
        let flushed = conn.flush(link, &hub.stats);
        self.blocked = !link.out.is_empty();
        drop(guard);
        if flushed.is_err() {
            return Err(End::Gone);
        }
        if end {
            Err(self.disconnect(conn))
        } else {
            Ok(())
        }
    }

    /// Offers every tick queued on `link` (by the shard, or by the connection's own source),
    /// each turned into its frames by the connection's stream. Stops at a
    /// `fault_disconnect_ticks` count, and returns whether it was reached.
    pub fn take_queued(&mut self, link: &mut Link, hub: &Hub, now: Instant) -> bool {
        while let Some(tick) = link.next_queued() {
            let mut scratch = Outbox::default();
            link.stream.live(hub, &tick, &mut scratch);
            let (bytes, frames) = scratch.take();
            self.offer(tick.seq, bytes, frames, now, link, hub);
            if self.disconnect_after.is_some_and(|n| self.ticks >= n) {
                return true;
            }
        }
        false
    }

    /// Lets out everything held back (delayed units, then reordered ones oldest first) into
    /// `link`'s outbox: the stream's source ended (a replay's `to=`), and what comes next (its
    /// `replay_end`) must not overtake the ticks before it.
    pub fn let_out(&mut self, link: &mut Link) {
        while let Some((_, unit)) = self.delayed.pop_front() {
            link.out.frames(&unit.bytes, unit.frames);
        }
        self.reordered.sort_by_key(|(_, u)| u.seq);
        for (_, unit) in self.reordered.drain(..) {
            link.out.frames(&unit.bytes, unit.frames);
        }
        self.held = 0;
    }

    fn stall_step(&mut self, conn: &Conn, hub: &Hub, now: Instant) {
        if let Stall::Pending { at, until } = self.stall {
            if now >= at {
                self.note(Kind::Stall, None);
                conn.lock().hold = true;
                self.stall = Stall::Active { until };
            }
        }
        if let Stall::Active { until } = self.stall {
            if now >= until {
                conn.lock().hold = false;
                // The client could not answer pings it never got: its silence starts now.
                conn.heard(hub.uptime_ms());
                self.stall = Stall::Over;
            }
        }
    }

    /// Takes one tick's frames (`frames` whole frames back to back in `bytes`; none when the
    /// tick has nothing for this connection), applies the tick's faults, and lets out the
    /// units held back behind it. What is not held goes to `link`'s outbox, unwritten: call
    /// [`Layer::pump`] to write (and to release delayed units when they fall due).
    pub fn offer(
        &mut self,
        seq: Seq,
        bytes: Vec<u8>,
        frames: u64,
        now: Instant,
        link: &mut Link,
        hub: &Hub,
    ) {
        self.ticks += 1;
        let unit = (!bytes.is_empty()).then_some(Unit { seq, bytes, frames });
        let plan = self.spec.plan(seq);
        let seq = seq.0;
        match unit {
            Some(_) if plan.drop => self.note(Kind::Drop, Some(seq)),
            Some(mut unit) => {
                if plan.duplicate {
                    self.note(Kind::Duplicate, Some(seq));
                    unit.bytes.extend_from_within(..);
                    unit.frames *= 2;
                }
                if plan.malformed {
                    self.note(Kind::Malformed, Some(seq));
                    let bad = malformed(&unit.bytes);
                    unit.bytes.splice(0..0, bad.iter().copied());
                    unit.frames += 1;
                }
                match plan.reorder_after {
                    Some(after) => {
                        self.note(Kind::Reorder, Some(seq));
                        self.held += unit.bytes.len();
                        self.reordered.push((after.0, unit));
                    }
                    None => self.pass(unit, plan.delay_ms, now, &mut link.out),
                }
            }
            None => {}
        }
        // Units held back go out once the ticks they wait for have gone, oldest first.
        while let Some(i) = self
            .reordered
            .iter()
            .enumerate()
            .filter(|(_, (after, _))| *after <= seq)
            .min_by_key(|(_, (_, u))| u.seq)
            .map(|(i, _)| i)
        {
            let (_, unit) = self.reordered.swap_remove(i);
            self.held -= unit.bytes.len();
            let delay = self.spec.plan(unit.seq).delay_ms;
            self.pass(unit, delay, now, &mut link.out);
        }
        self.bound(link, hub);
    }

    /// Sends a unit now, or queues it behind the delayed ones.
    fn pass(&mut self, unit: Unit, ms: u64, now: Instant, out: &mut Outbox) {
        if self.spec.delay_ms.is_none() {
            out.frames(&unit.bytes, unit.frames);
            return;
        }
        if ms > 0 {
            self.note(Kind::Delay, Some(unit.seq.0));
        }
        // Frames never overtake each other: a short delay waits behind a longer one.
        let due = self
            .delayed
            .back()
            .map_or(now, |(last, _)| *last)
            .max(now + Duration::from_millis(ms));
        self.held += unit.bytes.len();
        self.delayed.push_back((due, unit));
    }

    /// Moves the delayed units that are due into the outbox.
    fn release(&mut self, now: Instant, out: &mut Outbox) {
        while self.delayed.front().is_some_and(|(due, _)| *due <= now) {
            if let Some((_, unit)) = self.delayed.pop_front() {
                self.held -= unit.bytes.len();
                out.frames(&unit.bytes, unit.frames);
            }
        }
    }

    /// Drops the oldest held units while more than `--fault-max-held-bytes` are held.
    fn bound(&mut self, link: &mut Link, hub: &Hub) {
        while self.held > self.max_held {
            let delayed = self.delayed.front().map(|(_, u)| u.seq);
            let reordered = self
                .reordered
                .iter()
                .enumerate()
                .min_by_key(|(_, (_, u))| u.seq)
                .map(|(i, (_, u))| (i, u.seq));
            let unit = match (delayed, reordered) {
                (Some(d), Some((i, r))) if r < d => self.reordered.swap_remove(i).1,
                (None, Some((i, _))) => self.reordered.swap_remove(i).1,
                (Some(_), _) => match self.delayed.pop_front() {
                    Some((_, unit)) => unit,
                    None => return,
                },
                (None, None) => return,
            };
            self.held -= unit.bytes.len();
            link.stream.lagged(1, &hub.stats);
            if !self.overflowed {
                self.overflowed = true;
                tracing::warn!(
                    target: "ticker::faults",
                    limit = self.max_held,
                    seq = %unit.seq,
                    "faults hold more than --fault-max-held-bytes; dropping the oldest held ticks"
                );
            }
        }
    }

    /// Counts and logs the disconnect; how the session ends.
    fn disconnect(&self, conn: &Conn) -> End {
        self.note(Kind::Disconnect, None);
        match self.spec.close {
            CloseStyle::Code(_) => End::Close(
                self.spec.close.code().unwrap_or(CloseCode::Error),
                "fault injected",
            ),
            CloseStyle::Drop => {
                // FIN now, without a close frame: the client sees the connection die (1006).
                let _ = conn.shutdown_write();
                End::Gone
            }
            CloseStyle::Reset => {
                conn.reset_on_close();
                End::Gone
            }
        }
    }

    fn note(&self, kind: Kind, seq: Option<u64>) {
        self.faults.count(kind, 1);
        tracing::info!(
            target: "ticker::faults",
            kind = kind.name(),
            seq,
            seed = self.spec.seed,
            client = self.spec.client.as_deref().unwrap_or(""),
            "fault injected"
        );
    }
}

/// A text frame holding the first half of the unit's first frame: valid UTF-8, never valid
/// JSON (every frame of the stream is one JSON object or array).
fn malformed(unit: &[u8]) -> Bytes {
    let first = unit.get(..frame_end_after(unit, 0)).unwrap_or_default();
    let body = payload(first);
    let text = std::str::from_utf8(body).unwrap_or("{");
    let mut cut = (text.len() / 2).max(1).min(text.len());
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    match text.get(..cut).filter(|t| !t.is_empty()) {
        Some(half) => text_frame(half.as_bytes()),
        None => text_frame(b"{"),
    }
}

#[cfg(test)]
mod tests {
    use ticker_net::Query;

    use super::*;
    use crate::cli::FaultConfig;

    fn layer(query: &str, opened: Instant) -> Layer {
        let faults = Arc::new(Faults::new(&FaultConfig::allow()).unwrap());
        let spec = faults
            .parse(&Query::parse(Some(query)).unwrap())
            .unwrap()
            .unwrap();
        Layer::new(spec, faults, 1 << 20, opened)
    }

    #[test]
    fn the_task_wakes_for_what_it_can_do_and_nothing_else() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut l = layer(
            "fault_delay_ms=50&fault_stall_after_ms=100&fault_stall_ms=400&fault_disconnect_ms=1000",
            t0,
        );
        assert_eq!(l.deadline(), Some(t0 + ms(100)), "the stall's start");
        let unit = |seq| Unit {
            seq: Seq(seq),
            bytes: b"x".to_vec(),
            frames: 1,
        };
        l.delayed.push_back((t0 + ms(50), unit(1)));
        assert_eq!(l.deadline(), Some(t0 + ms(50)), "a delayed tick falls due");
        // While the socket is behind, only the socket (or the clock) wakes the task.
        l.blocked = true;
        assert_eq!(l.deadline(), Some(t0 + ms(100)));
        l.blocked = false;
        // During the stall, due ticks cannot go out: only its end counts.
        l.stall = Stall::Active {
            until: t0 + ms(500),
        };
        assert_eq!(l.deadline(), Some(t0 + ms(500)));
        l.stall = Stall::Over;
        l.delayed.clear();
        assert_eq!(l.deadline(), Some(t0 + ms(1000)), "the disconnect");
    }

    #[test]
    fn a_malformed_frame_is_half_of_the_first_frame_and_not_json() {
        let mut unit = text_frame(br#"{"type":"quote","symbol":"AAPL","price":1.5}"#).to_vec();
        unit.extend_from_slice(&text_frame(b"{\"x\":1}"));
        let bad = malformed(&unit);
        let text = std::str::from_utf8(payload(&bad)).unwrap();
        assert_eq!(text, r#"{"type":"quote","symbo"#);
        assert!(serde_json::from_str::<serde_json::Value>(text).is_err());
        assert_eq!(payload(&malformed(&text_frame(b"[]"))), b"[");
    }
}
