//! A connection's own tick source: the market as it was from a past moment, replayed at any
//! speed (`?from=&to=&speed=&then=`).
//!
//! Prices are a pure function of the tick, so the past is not stored anywhere: a [`Replay`]
//! keeps its own session trackers and builds each tick with [`Tick::build_some`], as the
//! live tick loop does, which is why a replayed frame is byte for byte the frame the live
//! stream sent (or will send) for that tick, in every framing. Its memory is one tick and the
//! trackers, whatever the range.
//!
//! A replay computes only the symbols its connection streams ([`Replay::want`] adds the ones
//! a `subscribe` asks for). Positioning a tracker is the expensive step: a quote's day
//! statistics (high, low, volume) come from every tick of its trading day so far, so a replay
//! that starts (or seeks) deep into a day walks that day once per symbol. Walking the
//! subscribed symbols alone, spread over the cores, keeps a replay of one symbol of a
//! 5 000-symbol universe as quick to start as a replay of a one-symbol market. Ticks are paced on the replay's own [`Timeline`] (market
//! time against the connection's elapsed wall time, from one anchor, never accumulated), so a
//! long fast replay ends on time; `pause`, `resume`, `speed` and `seek` re-anchor it
//! (`control.rs`).
//!
//! The replay owns no socket. The session offers each tick to its connection
//! ([`Conn::offer`](crate::conn::Conn::offer)), which renders it through the connection's
//! [`QuoteStream`](crate::stream::QuoteStream) like a live one, with the same bounded queue
//! and `dropped` count for a client that cannot keep up. Any other stream rendered from ticks
//! gets replay the same way.

use std::sync::Arc;
use std::time::Duration;

use ticker_core::{Market, Seq, SessionTracker, SymbolSet, Timeline};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

use crate::protocol::ServerMessage;
use crate::ticker::{Hub, Tick};

mod control;
mod request;

pub use request::{ReplayLimits, ReplayRequest, Then};

/// Ticks produced in one go when the replay is behind its schedule (a busy machine), before
/// the session looks at its client again.
const MAX_BURST: usize = 64;

/// Why a replay ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// It reached `?to=`.
    To,
    /// It caught up with the market clock's now.
    Now,
}

impl Reason {
    /// The name in `replay_end`.
    pub fn name(self) -> &'static str {
        match self {
            Self::To => "to",
            Self::Now => "now",
        }
    }
}

/// What the replay does next.
#[derive(Debug)]
pub enum Step {
    /// Send this tick.
    Tick(Arc<Tick>),
    /// It is over.
    End(Reason),
    /// Nothing is due yet (or it is paused).
    Wait,
}

/// One connection's replay (see the module docs).
pub struct Replay {
    request: ReplayRequest,
    market: Arc<Market>,
    /// The trackers of the symbols it computes ([`Replay::want`]), in market order.
    trackers: Vec<SessionTracker>,
    /// Zero of the timeline's wall side (microseconds since then).
    base: Instant,
    /// Wall µs since `base` → market ms.
    timeline: Timeline,
    speed: f64,
    /// Where the replay's clock stopped, while paused.
    paused_at: Option<i64>,
    /// The newest tick produced.
    current: Arc<Tick>,
    /// The next tick to produce.
    next: Seq,
    /// Ticks produced since the session last looked at its client.
    burst: usize,
    /// Holds a place among `--max-replays`.
    _permit: OwnedSemaphorePermit,
}

/// Builds tick `seq` with `trackers`, off the async threads: the first tick of a replay (or
/// of a seek) walks its trading day from the start, which at short intervals is long work, so
/// the trackers are first brought there in parallel, one share of them per core.
async fn build(
    market: Arc<Market>,
    mut trackers: Vec<SessionTracker>,
    seq: Seq,
) -> Result<(Vec<SessionTracker>, Tick), tokio::task::JoinError> {
    tokio::task::spawn_blocking(move || {
        position(&market, &mut trackers, seq);
        let tick = Tick::build_some(&market, &mut trackers, seq);
        (trackers, tick)
    })
    .await
}

/// Steps every tracker to `seq` (each its own walk; symbols are independent).
fn position(market: &Market, trackers: &mut [SessionTracker], seq: Seq) {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if cores < 2 || trackers.len() < 2 {
        for t in trackers.iter_mut() {
            let _ = t.quote(market, seq);
        }
        return;
    }
    let share = trackers.len().div_ceil(cores);
    std::thread::scope(|scope| {
        for part in trackers.chunks_mut(share) {
            scope.spawn(move || {
                for t in part {
                    let _ = t.quote(market, seq);
                }
            });
        }
    });
}

impl Replay {
    /// Positions a replay of the symbols in `wanted` at `request.from_ms`: its first tick is
    /// the one in effect then.
    pub async fn start(
        hub: &Hub,
        request: ReplayRequest,
        wanted: &SymbolSet,
        permit: OwnedSemaphorePermit,
    ) -> Result<Self, tokio::task::JoinError> {
        let market = hub.market.clone();
        let first = market.schedule().tick_at(request.from_ms);
        let trackers = wanted.iter().map(SessionTracker::new).collect();
        let (trackers, tick) = build(market.clone(), trackers, first).await?;
        Ok(Self {
            request,
            market,
            trackers,
            base: Instant::now(),
            timeline: Timeline::new(0, request.from_ms, request.speed / 1000.0),
            speed: request.speed,
            paused_at: None,
            current: Arc::new(tick),
            next: Seq(first.0 + 1),
            burst: 0,
            _permit: permit,
        })
    }

    /// What the URL asked for.
    pub fn request(&self) -> &ReplayRequest {
        &self.request
    }

    /// The newest tick produced (the connection's current tick).
    pub fn current(&self) -> &Arc<Tick> {
        &self.current
    }

    fn wall_us(&self, now: Instant) -> i64 {
        now.saturating_duration_since(self.base).as_micros() as i64
    }

    /// When the next tick is due; `None` while paused.
    pub fn due(&self) -> Option<Instant> {
        if self.paused_at.is_some() {
            return None;
        }
        let at = self.market.schedule().time_of(self.next);
        let wall = self.timeline.wall_at(at).max(0) as u64;
        Some(self.base + Duration::from_micros(wall))
    }

    /// The replay's market time at `now`.
    pub fn position(&self, now: Instant) -> i64 {
        self.paused_at
            .unwrap_or_else(|| self.timeline.market_at(self.wall_us(now)))
    }

    /// The next step at `now`; the session calls it until it says [`Step::Wait`].
    pub fn step(&mut self, hub: &Hub, now: Instant) -> Step {
        let schedule = self.market.schedule();
        let at = schedule.time_of(self.next);
        if self.next > schedule.last() || self.request.to_ms.is_some_and(|to| at > to) {
            return Step::End(Reason::To);
        }
        let Some(due) = self.due() else {
            return Step::Wait;
        };
        if now < due || self.burst >= MAX_BURST {
            self.burst = 0;
            return Step::Wait;
        }
        if at > hub.clock.now_ms() {
            return Step::End(Reason::Now);
        }
        let tick = Arc::new(Tick::build_some(
            &self.market,
            &mut self.trackers,
            self.next,
        ));
        self.current = tick.clone();
        self.next = Seq(self.next.0 + 1);
        self.burst += 1;
        Step::Tick(tick)
    }

    /// Computes `ids` too from now on (a `subscribe` during the replay): their trackers are
    /// brought to the current tick, which is built again with them.
    pub async fn want(&mut self, ids: &SymbolSet) -> Result<(), tokio::task::JoinError> {
        let known: SymbolSet = self.trackers.iter().map(SessionTracker::id).collect();
        let mut added: Vec<SessionTracker> = ids
            .iter()
            .filter(|id| !known.contains(*id))
            .map(SessionTracker::new)
            .collect();
        if added.is_empty() {
            return Ok(());
        }
        let mut trackers = std::mem::take(&mut self.trackers);
        trackers.append(&mut added);
        trackers.sort_by_key(|t| t.id());
        let (trackers, tick) = build(self.market.clone(), trackers, self.current.seq).await?;
        self.trackers = trackers;
        self.current = Arc::new(tick);
        Ok(())
    }

    /// `{"type":"replay_end",…}`.
    pub fn end(&self, reason: Reason) -> String {
        ServerMessage::ReplayEnd {
            reason: reason.name(),
            seq: self.current.seq,
            timestamp: self.current.timestamp,
            then: self.request.then.name(),
        }
        .to_json()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ticker_core::{ManualClock, MarketConfig};
    use tokio::sync::Semaphore;

    use super::*;
    use crate::stats::Stats;

    /// Replay limits for the tests: 1000× at most, a day at most.
    pub(super) const LIMITS: ReplayLimits = ReplayLimits {
        max_speed: 1000.0,
        max_range_ms: 86_400_000,
    };

    pub(super) fn hub() -> Hub {
        let market = Arc::new(Market::new(MarketConfig::default()).unwrap());
        let now = market.schedule().time_of(Seq(100_000));
        let clock = Arc::new(ManualClock::new(now));
        Hub::warm_up(market, clock, 4, 10, Arc::new(Stats::default())).0
    }

    /// A replay of every symbol started on `hub`, with a permit of its own.
    pub(super) async fn started(hub: &Hub, req: ReplayRequest) -> Replay {
        let permit = Arc::new(Semaphore::new(1)).try_acquire_owned().unwrap();
        Replay::start(hub, req, &SymbolSet::all(hub.market.len()), permit)
            .await
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn ticks_come_on_an_absolute_schedule_and_stop_at_to() {
        let hub = hub();
        let s = *hub.market.schedule();
        let from = s.time_of(Seq(90_000));
        let req = ReplayRequest {
            from_ms: from,
            to_ms: Some(s.time_of(Seq(90_005))),
            speed: 100.0,
            then: Then::Close,
        };
        let mut replay = started(&hub, req).await;
        assert_eq!(replay.current().seq, Seq(90_000));
        let t0 = replay.base;
        let mut got = Vec::new();
        loop {
            match replay.step(&hub, Instant::now()) {
                Step::Tick(t) => got.push((t.seq.0, Instant::now() - t0)),
                Step::End(reason) => {
                    assert_eq!(reason, Reason::To);
                    break;
                }
                Step::Wait => {
                    if let Some(due) = replay.due() {
                        tokio::time::sleep_until(due).await;
                    }
                }
            }
        }
        // One-second ticks at 100×: one every 10 ms, exactly.
        let want: Vec<(u64, Duration)> = (1..=5)
            .map(|k| (90_000 + k, Duration::from_millis(10 * k)))
            .collect();
        assert_eq!(got, want);
        assert!(replay
            .end(Reason::To)
            .contains(r#""reason":"to","seq":90005"#));
    }

    #[tokio::test(start_paused = true)]
    async fn an_hour_at_100x_ends_36_seconds_later_to_the_tick() {
        // One symbol, so that the 3 600 ticks of the hour are cheap to build.
        let mut cfg = MarketConfig::default();
        cfg.retain_symbols(&["AAPL".into()]).unwrap();
        let market = Arc::new(Market::new(cfg).unwrap());
        let s = *market.schedule();
        let clock = Arc::new(ManualClock::new(s.time_of(Seq(200_000))));
        let hub = Hub::warm_up(market, clock, 4, 10, Arc::new(Stats::default())).0;
        let from = s.time_of(Seq(100_000));
        let req = ReplayRequest {
            from_ms: from,
            to_ms: Some(from + 3_600_000),
            speed: 100.0,
            then: Then::Close,
        };
        let mut replay = started(&hub, req).await;
        let t0 = replay.base;
        let mut ticks = 0;
        let mut last = Duration::ZERO;
        loop {
            match replay.step(&hub, Instant::now()) {
                Step::Tick(_) => {
                    ticks += 1;
                    last = Instant::now() - t0;
                }
                Step::Wait => {
                    if let Some(due) = replay.due() {
                        tokio::time::sleep_until(due).await;
                    }
                }
                Step::End(reason) => {
                    assert_eq!(reason, Reason::To);
                    break;
                }
            }
        }
        assert_eq!(ticks, 3600);
        // The last tick of the hour, 36 s on: no drift, not even the 10 ms of one tick.
        assert_eq!(last, Duration::from_secs(36));
    }
}
