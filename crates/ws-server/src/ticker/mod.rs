//! The tick loop. One thread, driven by the market clock: at each tick boundary it computes
//! every symbol's quote once, serialises each once, appends the resulting [`Tick`] to the
//! replay ring and wakes the writer shards ([`crate::shard`]), which fan it out. Each frame is
//! stored as a complete WebSocket frame ([`crate::wire`]): connections never serialise or
//! frame quotes, their writers hand shared bytes to the kernel.
//!
//! Ticks are aligned to `epoch + n × interval`, so two servers with the same configuration
//! publish the same `seq` with the same bytes at the same moment. The last `--replay-ticks`
//! ticks are kept for `since` resume; at start-up they are computed from the model, so a
//! client can resume across a server restart.
//!
//! The loop follows the market clock, whatever its kind: it sleeps the *wall* time until the
//! next tick ([`Clock::wall_us_until`]; a virtual clock at 60× publishes 60 one-second ticks per
//! wall second), and polls a manual clock. When the market's configured manual clock
//! (`--clock manual`, stepped by `/control/clock`) is moved by at most `--queue-ticks` ticks,
//! every tick in between is published, so clients see the sequence they would have seen live;
//! a longer jump publishes the new tick alone, marked as a jump, and clients get a `gap` and a
//! snapshot instead (as a `since` resume beyond the window does). Any other clock that moves,
//! such as a manual clock a test hands to [`crate::run`] for a market configured otherwise, is
//! followed as time is: every tick in between, up to the catch-up limit.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use ticker_core::{Clock, ClockKind, Market, Seq, SessionTracker};
use tokio::sync::{oneshot, watch};

use crate::stats::Stats;
pub use crate::tick::{with_dropped, Tick};

/// Most missed ticks the loop publishes after a stall before it skips ahead.
const MAX_CATCH_UP: u64 = 1000;
/// Longest sleep of the loop, so a clock that jumps (or a test clock) and shutdown are noticed
/// quickly.
const MAX_NAP: Duration = Duration::from_millis(50);
/// Shortest sleep of a pass that published nothing, in µs.
const MIN_NAP_US: i64 = 50;
/// The name of the tick loop's thread (in `top -H`, `perf`, core dumps).
pub const TICK_THREAD: &str = "tick-loop";

/// The newest ticks a writer has not delivered yet ([`Hub::after`]).
#[derive(Debug, Default)]
pub struct Batch {
    /// The tick they follow.
    pub after: Seq,
    /// At most `--queue-ticks` of them, oldest first.
    pub ticks: Vec<Arc<Tick>>,
    /// Published ticks between `after` and the first of `ticks` that are left out.
    pub lost: u64,
}

/// The running tick loop ([`Hub::start`]). Dropping it stops the loop within one nap
/// (`MAX_NAP`), so no thread outlives its server.
#[derive(Debug)]
pub struct Ticking {
    stop: Arc<AtomicBool>,
    finished: oneshot::Receiver<()>,
}

impl Ticking {
    /// Waits until the loop has ended (after shutdown, or its sender is gone).
    pub async fn finished(mut self) {
        let _ = (&mut self.finished).await;
    }
}

impl Drop for Ticking {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The shared side of the stream: the latest ticks, and the signal that a new one is out.
pub struct Hub {
    /// The market model.
    pub market: Arc<Market>,
    /// The wall clock.
    pub clock: Arc<dyn Clock>,
    /// The newest published seq; writers wait on it.
    published: watch::Sender<Seq>,
    ring: RwLock<VecDeque<Arc<Tick>>>,
    replay_ticks: usize,
    queue_ticks: usize,
    started: Instant,
    /// Counters for `/metrics`.
    pub stats: Arc<Stats>,
}

impl Hub {
    /// Computes the replay window up to the current tick (blocking work: run it off the
    /// async threads) and returns the hub plus the trackers the loop continues with.
    pub fn warm_up(
        market: Arc<Market>,
        clock: Arc<dyn Clock>,
        queue_ticks: usize,
        replay_ticks: usize,
        stats: Arc<Stats>,
    ) -> (Self, Vec<SessionTracker>) {
        let started = Instant::now();
        let now = market.schedule().tick_at(clock.now_ms());
        // The ring also feeds writers that fell behind, so it holds at least their queue.
        let kept = replay_ticks.max(queue_ticks + 1);
        let mut trackers: Vec<SessionTracker> = market.ids().map(SessionTracker::new).collect();
        let first = now.0.saturating_sub(kept as u64 - 1);
        // The expensive part (the session's history) runs on every core.
        ticker_core::warm_up(&market, &mut trackers, Seq(first));
        let mut ring = VecDeque::with_capacity(kept + 1);
        for seq in first..=now.0 {
            ring.push_back(Arc::new(Tick::build(&market, &mut trackers, Seq(seq))));
        }
        // Ticks that fell due during the warm-up (many, at millisecond intervals) are cheap now
        // that the trackers are warm: add them, so the loop starts current instead of skipping.
        let mut last = now;
        loop {
            let due = market.schedule().tick_at(clock.now_ms());
            if due <= last {
                break;
            }
            for seq in last.0 + 1..=due.0 {
                ring.push_back(Arc::new(Tick::build(&market, &mut trackers, Seq(seq))));
            }
            while ring.len() > kept {
                ring.pop_front();
            }
            last = due;
        }
        let (published, _) = watch::channel(last);
        let hub = Self {
            market,
            clock,
            published,
            ring: RwLock::new(ring),
            replay_ticks,
            queue_ticks,
            started,
            stats,
        };
        (hub, trackers)
    }

    /// The newest published tick.
    pub fn latest(&self) -> Arc<Tick> {
        let ring = self.ring.read().unwrap_or_else(PoisonError::into_inner);
        match ring.back() {
            Some(t) => t.clone(),
            // The ring is never empty after warm-up; this only keeps the type total.
            None => Arc::new(Tick::build(&self.market, &mut [], Seq(0))),
        }
    }

    /// Wakes on every published tick (the value is its seq).
    pub fn watch(&self) -> watch::Receiver<Seq> {
        self.published.subscribe()
    }

    /// Milliseconds since the hub was built (the heartbeat clock).
    pub fn uptime_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The ticks of the replay window, oldest first.
    fn window<'r>(
        &self,
        ring: &'r VecDeque<Arc<Tick>>,
    ) -> impl DoubleEndedIterator<Item = &'r Arc<Tick>> {
        ring.iter()
            .skip(ring.len().saturating_sub(self.replay_ticks))
    }

    /// The kept tick `seq`, if it is still in the replay window.
    pub fn tick(&self, seq: Seq) -> Option<Arc<Tick>> {
        let ring = self.ring.read().unwrap_or_else(PoisonError::into_inner);
        // Searched, not indexed: after the loop skips ahead the window has a hole in it.
        let at = ring.binary_search_by_key(&seq, |t| t.seq).ok()?;
        let oldest = ring.len().saturating_sub(self.replay_ticks);
        ring.get(at).filter(|_| at >= oldest).cloned()
    }

    /// Ticks `after+1 ..= through`, or, when the window does not hold all of them (too old, or
    /// skipped by the loop), the oldest seq from which it is complete up to `through`.
    pub fn replay(&self, after: Seq, through: Seq) -> Result<Vec<Arc<Tick>>, Seq> {
        let ring = self.ring.read().unwrap_or_else(PoisonError::into_inner);
        let ticks: Vec<Arc<Tick>> = self
            .window(&ring)
            .filter(|t| t.seq > after && t.seq <= through)
            .cloned()
            .collect();
        if ticks.len() as u64 == through.0.saturating_sub(after.0) {
            return Ok(ticks);
        }
        // Walk back from `through` to the first hole: everything after it is contiguous.
        let mut oldest = through;
        for t in self.window(&ring).rev().skip_while(|t| t.seq > through) {
            if t.seq.0 + 1 < oldest.0 {
                break;
            }
            oldest = t.seq;
        }
        Err(oldest)
    }

    /// The published ticks after `after`: the newest `--queue-ticks` of them, and how many
    /// older ones are left out (a writer that fell that far behind skips them, counted).
    pub fn after(&self, after: Seq) -> Batch {
        let ring = self.ring.read().unwrap_or_else(PoisonError::into_inner);
        let newer = ring.iter().rev().take_while(|t| t.seq > after).count();
        let skip = newer.saturating_sub(self.queue_ticks);
        let start = ring.len() - newer;
        let ticks: Vec<Arc<Tick>> = ring.iter().skip(start + skip).cloned().collect();
        // Ticks older than the whole ring were published too (the loop only skips ahead
        // right after a stall, and then far more than any queue).
        let evicted = match ring.get(start) {
            Some(first) if start == 0 => first.seq.0.saturating_sub(after.0 + 1),
            _ => 0,
        };
        Batch {
            after,
            ticks,
            lost: skip as u64 + evicted,
        }
    }

    pub(crate) fn publish(&self, tick: Tick) {
        let tick = Arc::new(tick);
        {
            let mut ring = self.ring.write().unwrap_or_else(PoisonError::into_inner);
            ring.push_back(tick.clone());
            while ring.len() > self.replay_ticks.max(self.queue_ticks + 1) {
                ring.pop_front();
            }
            // Past the newest `--queue-ticks` a tick is only replayed (uncached); free its frames.
            if let Some(old) = ring
                .len()
                .checked_sub(self.queue_ticks + 2)
                .and_then(|i| ring.get(i))
            {
                old.drop_caches();
            }
        }
        let lag = self.clock.now_ms() - tick.timestamp;
        self.stats
            .publish_lag_ms
            .store(lag.max(0) as u64, Ordering::Relaxed);
        self.stats.ticks_published.fetch_add(1, Ordering::Relaxed);
        self.published.send_replace(tick.seq);
    }

    /// Starts the tick loop: it publishes every tick as its time comes, until `shutdown` says
    /// so, its sender is gone, or the returned [`Ticking`] is dropped. The loop runs on a thread
    /// of its own ([`TICK_THREAD`]): a thread sleeps to within tens of microseconds of the
    /// tick, where the runtime's timer rounds every wait up to its next millisecond (so ticks
    /// went out up to two milliseconds late, one more for a clock read in whole milliseconds),
    /// and no busy task of the runtime can delay it. Fails only if the thread cannot be made.
    pub fn start(
        self: &Arc<Self>,
        trackers: Vec<SessionTracker>,
        shutdown: watch::Receiver<bool>,
    ) -> std::io::Result<Ticking> {
        let (done, finished) = oneshot::channel::<()>();
        let stop = Arc::new(AtomicBool::new(false));
        let (hub, stopped) = (self.clone(), stop.clone());
        std::thread::Builder::new()
            .name(TICK_THREAD.to_owned())
            .spawn(move || {
                let stopping = || {
                    stopped.load(Ordering::Relaxed)
                        || *shutdown.borrow()
                        || shutdown.has_changed().is_err()
                };
                hub.tick_loop(trackers, stopping);
                let _ = done.send(());
            })?;
        Ok(Ticking { stop, finished })
    }

    /// The loop itself (see [`Hub::start`]), until `stopping` says so.
    fn tick_loop(&self, mut trackers: Vec<SessionTracker>, stopping: impl Fn() -> bool) {
        let schedule = *self.market.schedule();
        // Only the configured manual kind jumps: the clock's own kind alone cannot tell a
        // command's step from a test clock standing in for time that runs.
        let manual = self.market.config().clock.kind() == ClockKind::Manual
            && self.clock.info().kind == ClockKind::Manual;
        let mut last = self.latest().seq;
        while !stopping() {
            let before = last;
            let due = schedule.tick_at(self.clock.now_ms());
            if manual && due.0 > last.0 + self.queue_ticks as u64 {
                // Moved further than a connection can take at once: the new tick alone.
                self.stats.clock_jumps.fetch_add(1, Ordering::Relaxed);
                self.stats
                    .ticks_skipped
                    .fetch_add(due.0 - last.0 - 1, Ordering::Relaxed);
                tracing::info!(from = %last, to = %due, "the market clock jumped");
                let tick = Tick::build(&self.market, &mut trackers, due).after_jump();
                self.publish(tick);
                last = due;
            } else if due > last {
                let mut from = last.0 + 1;
                if due.0 - last.0 > MAX_CATCH_UP {
                    // Far behind (a suspended process, a clock jump): skip; clients see the gap
                    // in `seq` and can fetch it from history.
                    from = due.0 + 1 - MAX_CATCH_UP;
                    self.stats
                        .ticks_skipped
                        .fetch_add(from - last.0 - 1, Ordering::Relaxed);
                    tracing::warn!(
                        skipped = from - last.0 - 1,
                        "tick loop fell behind; skipping ahead"
                    );
                }
                for seq in from..=due.0 {
                    let tick = Tick::build(&self.market, &mut trackers, Seq(seq));
                    self.publish(tick);
                }
                last = due;
            }
            let next = schedule.time_of(Seq(last.0 + 1));
            let nap = MAX_NAP.as_micros() as i64;
            let mut wait = self.clock.wall_us_until(next).unwrap_or(nap).clamp(0, nap);
            if last == before {
                // Nothing was due: never spin on a clock whose rounding says "now" early.
                wait = wait.max(MIN_NAP_US);
            }
            std::thread::sleep(Duration::from_micros(wait as u64));
        }
    }
}

#[cfg(test)]
mod tests;
