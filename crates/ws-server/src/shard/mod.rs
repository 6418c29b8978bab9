//! Writer shards: the fan-out. One task per core owns the write side of many connections.
//!
//! When the tick loop publishes, each shard wakes once (not once per connection), fetches the
//! ticks it has not delivered ([`Hub::after`]) and offers them to each of its connections
//! ([`Conn::deliver`]). For a connection that keeps up, that is one non-blocking `send` of the
//! shared, pre-encoded frames (gathered into one reused buffer when there are several): no task
//! wake-up, no timer and no allocation per client. A connection whose socket is full is handed to its own session task for
//! as long as it lags (see [`crate::conn`]), so one slow client never holds up the shard.
//!
//! Shards also run the heartbeat: one timer per shard, not per connection, pings every
//! connection once each `--ping-interval-ms` and ends the ones not heard from for two
//! intervals. The pings are spread over the interval (`shard/sweep.rs`): a slice of the connections
//! at a time, so that ten thousand pongs never arrive within one tick.
//! A shard holds its connections weakly: a session that ends frees its socket at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::conn::{Conn, Delivery};
use crate::session::stopping;
use crate::stream::Memo;
use crate::ticker::Hub;

mod sweep;

use sweep::Sweep;

/// Connections whose memory a shard reaches ahead of writing to them.
const PREFETCH: usize = 16;

/// Where new connections wait for their shard.
#[derive(Default)]
struct Inbox {
    new: Mutex<Vec<Weak<Conn>>>,
    ready: Notify,
}

/// The writer shards of one server.
pub struct Writers {
    inboxes: Vec<Arc<Inbox>>,
    next: AtomicUsize,
}

impl Writers {
    /// Starts `count` shards (at least one) that run until `shutdown`.
    pub fn start(
        hub: &Arc<Hub>,
        count: usize,
        ping_interval: Duration,
        shutdown: &watch::Receiver<bool>,
    ) -> (Self, Vec<JoinHandle<()>>) {
        let mut inboxes = Vec::new();
        let mut tasks = Vec::new();
        let interval_ms = u64::try_from(ping_interval.as_millis()).unwrap_or(u64::MAX);
        for _ in 0..count.max(1) {
            // As before the pings were spread: none in the server's first interval.
            let (sweep, slice_ms) = Sweep::new(interval_ms, hub.uptime_ms() + interval_ms);
            let inbox = Arc::new(Inbox::default());
            let shard = Shard {
                hub: hub.clone(),
                inbox: inbox.clone(),
                conns: Vec::new(),
                memo: Memo::default(),
                gather: Vec::new(),
                seen: hub.latest().seq,
                sweep,
            };
            let heartbeat = Heartbeat {
                first: ping_interval,
                slice: Duration::from_millis(slice_ms),
                silence_ms: interval_ms.saturating_mul(2),
            };
            tasks.push(tokio::spawn(shard.run(heartbeat, shutdown.clone())));
            inboxes.push(inbox);
        }
        let writers = Self {
            inboxes,
            next: AtomicUsize::new(0),
        };
        (writers, tasks)
    }

    /// The number of shards for this machine: one per core.
    pub fn per_core() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    /// Hands a connection to a shard (round robin).
    pub fn add(&self, conn: &Arc<Conn>) {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.inboxes.len().max(1);
        if let Some(inbox) = self.inboxes.get(i) {
            inbox
                .new
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(Arc::downgrade(conn));
            inbox.ready.notify_one();
        }
    }
}

struct Shard {
    hub: Arc<Hub>,
    inbox: Arc<Inbox>,
    conns: Vec<Weak<Conn>>,
    memo: Memo,
    /// Where one client's frames are gathered for its single `send`.
    gather: Vec<u8>,
    /// The newest tick this shard has fanned out.
    seen: ticker_core::Seq,
    /// The heartbeat's cursor.
    sweep: Sweep,
}

/// A shard's heartbeat timing.
struct Heartbeat {
    /// When the first slice is pinged: one interval after the start.
    first: Duration,
    /// How often the next slice of connections is pinged.
    slice: Duration,
    /// Silence that ends a connection: two ping intervals.
    silence_ms: u64,
}

impl Shard {
    async fn run(mut self, heartbeat: Heartbeat, mut shutdown: watch::Receiver<bool>) {
        let mut published = self.hub.watch();
        let slice = heartbeat.slice;
        let first = tokio::time::Instant::now() + heartbeat.first;
        let mut ping = tokio::time::interval_at(first, slice);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                () = stopping(&mut shutdown) => return,
                changed = published.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    self.fan_out().await;
                }
                () = self.inbox.ready.notified() => self.adopt(),
                _ = ping.tick() => self.heartbeat(heartbeat.silence_ms),
            }
        }
    }

    /// Takes the new connections. Each catches up on its own first delivery if it started
    /// before a tick this shard has already fanned out.
    fn adopt(&mut self) {
        let new = std::mem::take(
            &mut *self
                .inbox
                .new
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        self.conns.extend(new);
    }

    async fn fan_out(&mut self) {
        self.adopt();
        let batch = self.hub.after(self.seen);
        let Some(newest) = batch.ticks.last().map(|t| t.seq) else {
            return;
        };
        self.memo.clear();
        let mut sent = 0;
        // Live connections are compacted to the front as the pass goes (`kept`), in order; the
        // heartbeat's cursor follows the ones it points at.
        let cursor = self.sweep.at();
        let mut gone_before_cursor = 0;
        let (mut kept, mut at) = (0, 0);
        let mut next: Vec<Option<Arc<Conn>>> = Vec::with_capacity(PREFETCH);
        while at < self.conns.len() {
            // Reach the next few connections before writing to any: their memory is fetched
            // in parallel rather than one cache miss per client between two syscalls.
            let end = (at + PREFETCH).min(self.conns.len());
            next.clear();
            let chunk = self.conns.get(at..end).unwrap_or_default();
            next.extend(chunk.iter().map(Weak::upgrade));
            for (offset, conn) in next.drain(..).enumerate() {
                let delivered = match conn {
                    Some(conn) => conn.deliver(&self.hub, &batch, &mut self.memo, &mut self.gather),
                    None => Delivery::Finished,
                };
                if let Delivery::Sent(frames) = delivered {
                    sent += frames;
                    self.conns.swap(kept, at + offset);
                    kept += 1;
                } else if at + offset < cursor {
                    gone_before_cursor += 1;
                }
                // Give the rest of the runtime (reads, accepts, health checks) a turn now and
                // then; a no-op until this task's budget is spent.
                tokio::task::coop::consume_budget().await;
            }
            at = end;
        }
        self.conns.truncate(kept);
        self.sweep.removed_before(gone_before_cursor);
        self.seen = newest;
        self.hub
            .stats
            .frames_sent
            .fetch_add(sent, Ordering::Relaxed);
    }

    /// One slice of the heartbeat: pings the next connections the sweep says are due, and
    /// ends those silent for `silence_ms`.
    fn heartbeat(&mut self, silence_ms: u64) {
        self.adopt();
        let sweep = &mut self.sweep;
        let now = self.hub.uptime_ms();
        for _ in 0..sweep.due(self.conns.len(), now) {
            let Some(i) = sweep.next(self.conns.len()) else {
                break;
            };
            let alive = self
                .conns
                .get(i)
                .and_then(Weak::upgrade)
                .is_some_and(|conn| {
                    conn.heartbeat(now, silence_ms, &self.hub.stats) != Delivery::Finished
                });
            if !alive {
                // In order: the cursor's place among the others stays meaningful.
                self.conns.remove(i);
                sweep.removed_before(1);
            }
        }
    }
}
