//! Time: the injected wall [`Clock`], tick numbers ([`Seq`]) and the [`Schedule`] that maps
//! between them. Tick `n` happens at `epoch + n × interval`; sessions (a UTC day by default)
//! group ticks for open/high/low/volume.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::time::MAX_TIME_MS;

/// A source of wall-clock time in Unix milliseconds. Services take one so that tests can run
/// the market at any virtual time.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current time in milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system's real-time clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to: for tests and reproducible replays.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicI64,
}

impl ManualClock {
    /// A clock stopped at `ms`.
    pub fn new(ms: i64) -> Self {
        Self {
            now: AtomicI64::new(ms),
        }
    }

    /// Moves the clock to `ms` (backwards too).
    pub fn set(&self, ms: i64) {
        self.now.store(ms, Ordering::SeqCst);
    }

    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.now.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

/// A tick number: tick `n` happens at `epoch + n × interval`. Serialised as a plain integer.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The ticks `[first, end)` of one trading session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// Session number: `floor((time − offset) / length)`.
    pub index: i64,
    /// The first tick of the session.
    pub first: Seq,
    /// One past the last tick of the session.
    pub end: Seq,
}

/// Maps wall-clock time to ticks and sessions for one market configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    epoch_ms: i64,
    interval_ms: i64,
    session_ms: i64,
    session_offset_ms: i64,
    last: Seq,
}

impl Schedule {
    /// A schedule; the arguments must already be validated (positive interval and session).
    pub fn new(epoch_ms: i64, interval_ms: u64, session_ms: u64, session_offset_ms: i64) -> Self {
        let interval_ms = (interval_ms as i64).max(1);
        Self {
            epoch_ms,
            interval_ms,
            session_ms: (session_ms as i64).max(1),
            session_offset_ms,
            last: Seq(((MAX_TIME_MS - epoch_ms).max(0) / interval_ms) as u64),
        }
    }

    /// Milliseconds between ticks.
    pub fn interval_ms(&self) -> u64 {
        self.interval_ms as u64
    }

    /// The time of tick 0.
    pub fn epoch_ms(&self) -> i64 {
        self.epoch_ms
    }

    /// The last representable tick (the year 9999).
    pub fn last(&self) -> Seq {
        self.last
    }

    /// The latest tick at or before `t` (tick 0 before the epoch).
    pub fn tick_at(&self, t_ms: i64) -> Seq {
        if t_ms <= self.epoch_ms {
            return Seq(0);
        }
        let n = ((t_ms - self.epoch_ms) / self.interval_ms) as u64;
        Seq(n.min(self.last.0))
    }

    /// The first tick at or after `t` (0 before the epoch); may be `last + 1`.
    pub fn tick_at_or_after(&self, t_ms: i64) -> Seq {
        if t_ms <= self.epoch_ms {
            return Seq(0);
        }
        let d = t_ms - self.epoch_ms;
        let n = (d + self.interval_ms - 1) / self.interval_ms;
        Seq((n as u64).min(self.last.0 + 1))
    }

    /// The time of a tick.
    pub fn time_of(&self, seq: Seq) -> i64 {
        let n = seq.0.min(self.last.0) as i64;
        self.epoch_ms + n * self.interval_ms
    }

    /// The session containing a tick.
    pub fn session(&self, seq: Seq) -> Session {
        let t = self.time_of(seq);
        let index = (t - self.session_offset_ms).div_euclid(self.session_ms);
        let start = index * self.session_ms + self.session_offset_ms;
        Session {
            index,
            first: self.tick_at_or_after(start),
            end: self.tick_at_or_after(start.saturating_add(self.session_ms)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPOCH: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
    const DAY: u64 = 86_400_000;

    #[test]
    fn ticks_and_times_round_trip() {
        let s = Schedule::new(EPOCH, 1000, DAY, 0);
        assert_eq!(s.tick_at(EPOCH - 5), Seq(0));
        assert_eq!(s.tick_at(EPOCH + 999), Seq(0));
        assert_eq!(s.tick_at(EPOCH + 1000), Seq(1));
        assert_eq!(s.tick_at_or_after(EPOCH + 1), Seq(1));
        assert_eq!(s.tick_at_or_after(EPOCH + 1000), Seq(1));
        assert_eq!(s.time_of(Seq(86_400)), EPOCH + DAY as i64);
        assert_eq!(s.tick_at(i64::MAX), s.last());
    }

    #[test]
    fn sessions_are_utc_days_by_default() {
        let s = Schedule::new(EPOCH, 1000, DAY, 0);
        let day = s.session(Seq(100_000));
        assert_eq!(day.first, Seq(86_400));
        assert_eq!(day.end, Seq(172_800));
        assert_eq!(s.session(Seq(0)).first, Seq(0));
    }

    #[test]
    fn a_mid_day_epoch_starts_its_first_session_at_tick_zero() {
        let s = Schedule::new(EPOCH + 3_600_000, 1000, DAY, 0);
        let first = s.session(Seq(10));
        assert_eq!(first.first, Seq(0));
        assert_eq!(first.end, Seq(82_800));
    }

    #[test]
    fn session_offset_shifts_the_boundary() {
        // Sessions starting at 13:30 UTC, the NYSE open.
        let s = Schedule::new(EPOCH, 60_000, DAY, 13 * 3_600_000 + 1_800_000);
        let sess = s.session(Seq(900)); // 15:00 UTC
        assert_eq!(sess.first, Seq(810));
        assert_eq!(sess.end, Seq(810 + 1440));
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(5);
        assert_eq!(c.now_ms(), 5);
        c.advance(10);
        assert_eq!(c.now_ms(), 15);
        c.set(1);
        assert_eq!(c.now_ms(), 1);
    }
}
