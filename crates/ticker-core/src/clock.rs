//! Time: the injected market [`Clock`], tick numbers ([`Seq`]) and the [`Schedule`] that maps
//! between them. Tick `n` happens at `epoch + n × interval`; sessions (a UTC day by default)
//! group ticks for open/high/low/volume.
//!
//! Three clocks drive a market: the [`SystemClock`] (real time, the default), a
//! [`VirtualClock`](crate::VirtualClock) (real time shifted and sped up, the same in every
//! process given the same settings) and the [`ManualClock`] (stands still until told).

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::time::MAX_TIME_MS;
use crate::virtual_clock::{ClockError, ClockInfo, ClockKind};

/// A source of market time in Unix milliseconds. Services take one so that tests, replays and
/// demos can run the market at any time and speed.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current market time in milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;

    /// What kind of clock this is and how it maps wall time, for `/health` and welcomes.
    fn info(&self) -> ClockInfo {
        ClockInfo::real()
    }

    /// Wall-clock milliseconds until market time reaches `at_ms` (negative once it has), or
    /// `None` when only an outside command moves the clock (a manual clock).
    fn wall_ms_until(&self, at_ms: i64) -> Option<i64> {
        Some(at_ms - self.now_ms())
    }

    /// The current time in microseconds since the Unix epoch, as precisely as the clock
    /// knows it (a clock that only knows milliseconds gives whole ones).
    fn now_us(&self) -> i64 {
        self.now_ms().saturating_mul(1000)
    }

    /// [`Clock::wall_ms_until`] in microseconds, for a loop that wakes at the tick rather than
    /// up to a millisecond after it (a clock read in whole milliseconds is up to one late).
    fn wall_us_until(&self, at_ms: i64) -> Option<i64> {
        self.wall_ms_until(at_ms).map(|ms| ms.saturating_mul(1000))
    }

    /// Moves the clock forward to `at_ms` and returns the new time. Only a manual clock can
    /// be moved, and only forward: a market never runs backwards.
    fn move_to(&self, at_ms: i64) -> Result<i64, ClockError> {
        let _ = at_ms;
        Err(ClockError::NotSettable(self.info().kind))
    }
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

    fn now_us(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0)
    }

    fn wall_us_until(&self, at_ms: i64) -> Option<i64> {
        Some(at_ms.saturating_mul(1000) - self.now_us())
    }
}

/// A clock that only moves when told to (`--clock manual`, and every test): the market stands
/// still until a test or the `/control/clock` endpoint moves it.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicI64,
    /// Where it started, for [`Clock::info`].
    start: i64,
}

impl ManualClock {
    /// A clock stopped at `ms`.
    pub fn new(ms: i64) -> Self {
        Self {
            now: AtomicI64::new(ms),
            start: ms,
        }
    }

    /// Moves the clock to `ms` (backwards too: tests only; services go through
    /// [`Clock::move_to`], which refuses to go back).
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

    fn info(&self) -> ClockInfo {
        ClockInfo {
            kind: ClockKind::Manual,
            speed: 0.0,
            start_ms: Some(self.start),
            anchor_ms: None,
        }
    }

    fn wall_ms_until(&self, _at_ms: i64) -> Option<i64> {
        None
    }

    fn move_to(&self, at_ms: i64) -> Result<i64, ClockError> {
        // `fetch_max` so that two commands racing each other still only move it forward.
        let before = self.now.fetch_max(at_ms, Ordering::SeqCst);
        if at_ms < before {
            return Err(ClockError::Backwards {
                now_ms: before,
                asked_ms: at_ms,
            });
        }
        Ok(at_ms)
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
        assert_eq!(c.wall_ms_until(100), None, "only a command moves it");
        assert_eq!(c.wall_us_until(100), None);
        assert_eq!(c.now_us(), 1000, "whole milliseconds");
        assert_eq!(c.info().kind, ClockKind::Manual);
        assert_eq!(c.info().start_ms, Some(5));
    }

    #[test]
    fn a_manual_clock_moves_forward_only_and_the_others_not_at_all() {
        let c = ManualClock::new(1000);
        assert_eq!(c.move_to(1000), Ok(1000), "standing still is allowed");
        assert_eq!(c.move_to(5000), Ok(5000));
        assert_eq!(
            c.move_to(4000),
            Err(ClockError::Backwards {
                now_ms: 5000,
                asked_ms: 4000
            })
        );
        assert_eq!(c.now_ms(), 5000, "a refused move changes nothing");
        assert_eq!(
            SystemClock.move_to(0),
            Err(ClockError::NotSettable(ClockKind::Real))
        );
        let real = SystemClock.now_ms();
        let until = SystemClock.wall_ms_until(real + 10_000).unwrap();
        assert!((9_000..=10_000).contains(&until), "{until}");
    }

    #[test]
    fn the_system_clock_counts_down_to_a_tick_in_microseconds() {
        // Bracketed by two readings, so the exact figure is known to within their distance.
        let at_ms = SystemClock.now_ms() + 250;
        let before = SystemClock.now_us();
        let until = SystemClock.wall_us_until(at_ms).unwrap();
        let after = SystemClock.now_us();
        assert!(
            at_ms * 1000 - after <= until && until <= at_ms * 1000 - before,
            "{until} µs to {at_ms} ms, read between {before} and {after} µs"
        );
        assert!(before / 1000 <= SystemClock.now_ms() && before > 0);
    }
}
