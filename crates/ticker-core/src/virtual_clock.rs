//! The virtual clock and the [`Timeline`] behind it: market time that runs from a chosen
//! start at a chosen speed, `market = start + (wall − anchor) × speed`.
//!
//! Two processes given the same start, speed and anchor compute the same market time from
//! their own wall clocks, so they agree on every tick without talking to each other (as far
//! as their wall clocks agree). The same timeline, with the wall side in a connection's own
//! elapsed time, paces a WebSocket replay.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::time::{format_rfc3339, MAX_TIME_MS, MIN_TIME_MS};

/// The three market clocks (`clock.kind`, `--clock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockKind {
    /// Real time: the market's now is the wall clock's now (the default).
    Real,
    /// Real time shifted to a start and sped up: `start + (wall − anchor) × speed`.
    Virtual,
    /// Stands still until told to move (`POST /control/clock`).
    Manual,
}

impl ClockKind {
    /// The name used in settings and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Real => "real",
            Self::Virtual => "virtual",
            Self::Manual => "manual",
        }
    }

    /// Parses a name (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Real, Self::Virtual, Self::Manual]
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for ClockKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a clock maps wall time to market time (see [`Clock::info`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockInfo {
    /// Which clock.
    pub kind: ClockKind,
    /// Market milliseconds per wall millisecond (0 for a manual clock).
    pub speed: f64,
    /// Market time at the anchor (virtual), or where a manual clock started.
    pub start_ms: Option<i64>,
    /// The wall time at which market time was `start` (virtual, or a manual clock's start).
    pub anchor_ms: Option<i64>,
}

impl ClockInfo {
    /// The real-time clock.
    pub fn real() -> Self {
        Self {
            kind: ClockKind::Real,
            speed: 1.0,
            start_ms: None,
            anchor_ms: None,
        }
    }

    /// The JSON `/health`, `/` and the welcome report: the settings and the current market
    /// time, times as RFC 3339.
    pub fn report(&self, now_ms: i64) -> ClockReport {
        ClockReport {
            kind: self.kind,
            speed: self.speed,
            start: self.start_ms.map(format_rfc3339),
            anchor: self.anchor_ms.map(format_rfc3339),
            now: format_rfc3339(now_ms),
            now_ms,
        }
    }
}

/// A clock as services report it (`"clock": {…}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClockReport {
    /// `real`, `virtual` or `manual`.
    pub kind: ClockKind,
    /// Market milliseconds per wall millisecond (0: manual).
    pub speed: f64,
    /// Market time at the anchor, or a manual clock's start (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// Wall time at which market time was `start` (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
    /// The current market time (RFC 3339).
    pub now: String,
    /// The current market time, Unix ms.
    pub now_ms: i64,
}

/// The report of a clock now.
pub fn clock_report(clock: &dyn Clock) -> ClockReport {
    clock.info().report(clock.now_ms())
}

/// Why a clock could not be moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockError {
    /// Only a manual clock can be set or advanced.
    NotSettable(ClockKind),
    /// A market clock never goes back.
    Backwards {
        /// Where the clock is.
        now_ms: i64,
        /// Where it was asked to go.
        asked_ms: i64,
    },
}

impl fmt::Display for ClockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotSettable(kind) => write!(
                f,
                "the market clock is {kind}: only a manual clock (--clock manual) can be set or \
                 advanced"
            ),
            Self::Backwards { now_ms, asked_ms } => write!(
                f,
                "the market clock only moves forward: it is at {}, {} is earlier (restart the \
                 services to go back, or replay the past with ?from= on the stream)",
                format_rfc3339(*now_ms),
                format_rfc3339(*asked_ms)
            ),
        }
    }
}

impl std::error::Error for ClockError {}

/// A linear map between wall time and market time: `market0` at `wall0`, then `speed` market
/// milliseconds per wall millisecond. Both directions are computed from the anchor point
/// alone, never accumulated, so a long run does not drift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeline {
    wall0: i64,
    market0: i64,
    speed: f64,
}

impl Timeline {
    /// A timeline through (`wall0`, `market0`); `speed` must be positive and finite.
    pub fn new(wall0: i64, market0: i64, speed: f64) -> Self {
        Self {
            wall0,
            market0,
            speed,
        }
    }

    /// Market milliseconds per wall millisecond.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The market time at the anchor.
    pub fn market0(&self) -> i64 {
        self.market0
    }

    /// The wall time of the anchor.
    pub fn wall0(&self) -> i64 {
        self.wall0
    }

    /// Market time at wall time `wall` (floored to the millisecond, within 1970 ..= 9999).
    pub fn market_at(&self, wall: i64) -> i64 {
        let elapsed = (wall - self.wall0) as f64 * self.speed;
        let market = self.market0 as f64 + elapsed.floor();
        market.clamp(MIN_TIME_MS as f64, MAX_TIME_MS as f64) as i64
    }

    /// The first wall millisecond at which market time has reached `market`.
    pub fn wall_at(&self, market: i64) -> i64 {
        let wall = ((market - self.market0) as f64 / self.speed).ceil();
        self.wall0.saturating_add(wall as i64)
    }

    /// The same market position from wall time `wall` on, at another speed.
    pub fn with_speed(&self, wall: i64, speed: f64) -> Self {
        Self::new(wall, self.market_at(wall), speed)
    }
}

/// Market time that runs from `start` at `speed`, anchored at a wall time (`--clock virtual`).
#[derive(Debug)]
pub struct VirtualClock {
    wall: Arc<dyn Clock>,
    timeline: Timeline,
}

impl VirtualClock {
    /// Market time `start_ms` at wall time `anchor_ms` (read from `wall`), then `speed` times
    /// as fast.
    pub fn new(wall: Arc<dyn Clock>, start_ms: i64, speed: f64, anchor_ms: i64) -> Self {
        Self {
            wall,
            timeline: Timeline::new(anchor_ms, start_ms, speed),
        }
    }
}

impl Clock for VirtualClock {
    fn now_ms(&self) -> i64 {
        self.timeline.market_at(self.wall.now_ms())
    }

    fn info(&self) -> ClockInfo {
        ClockInfo {
            kind: ClockKind::Virtual,
            speed: self.timeline.speed(),
            start_ms: Some(self.timeline.market0()),
            anchor_ms: Some(self.timeline.wall0()),
        }
    }

    fn wall_ms_until(&self, at_ms: i64) -> Option<i64> {
        Some(self.timeline.wall_at(at_ms) - self.wall.now_ms())
    }

    fn wall_us_until(&self, at_ms: i64) -> Option<i64> {
        Some(self.timeline.wall_at(at_ms).saturating_mul(1000) - self.wall.now_us())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    const T0: i64 = 1_795_000_000_000;

    #[test]
    fn market_time_runs_at_speed_from_the_start() {
        let wall = Arc::new(ManualClock::new(T0));
        let start = 1_704_067_200_000;
        let clock = VirtualClock::new(wall.clone(), start, 60.0, T0);
        assert_eq!(clock.now_ms(), start);
        wall.advance(1000);
        assert_eq!(
            clock.now_ms(),
            start + 60_000,
            "a wall second is a market minute"
        );
        assert_eq!(clock.wall_ms_until(start + 120_000), Some(1000));
        assert_eq!(clock.wall_us_until(start + 120_000), Some(1_000_000));
        wall.set(T0 - 10);
        assert_eq!(
            clock.now_ms(),
            start - 600,
            "before the anchor, before the start"
        );
        let info = clock.info();
        assert_eq!(
            (info.kind, info.speed, info.start_ms, info.anchor_ms),
            (ClockKind::Virtual, 60.0, Some(start), Some(T0))
        );
    }

    #[test]
    fn two_clocks_with_the_same_settings_agree_at_every_instant() {
        let wall = Arc::new(ManualClock::new(T0));
        let a = VirtualClock::new(wall.clone(), T0 - 86_400_000, 7.5, T0 - 3_000);
        let b = VirtualClock::new(wall.clone(), T0 - 86_400_000, 7.5, T0 - 3_000);
        for step in [0, 1, 3, 7, 1000, 86_400_000] {
            wall.advance(step);
            assert_eq!(a.now_ms(), b.now_ms());
        }
    }

    #[test]
    fn the_timeline_does_not_drift_over_an_hour_at_100x() {
        // Ticks of one second at 100×: tick k is due k × 10 wall ms after the anchor, exactly,
        // at the end of an hour of market time as at its start.
        let t = Timeline::new(0, T0, 100.0);
        for k in [1i64, 2, 3, 359_999, 360_000] {
            assert_eq!(t.wall_at(T0 + k * 1000), k * 10, "tick {k}");
        }
        // A speed that is not a whole number: each due time is within a millisecond of exact.
        let t = Timeline::new(0, T0, 600.0 / 7.0);
        for k in (0..=3_600_i64 * 100).step_by(997) {
            let exact = (k * 1000) as f64 * 7.0 / 600.0;
            let due = t.wall_at(T0 + k * 1000) as f64;
            assert!(
                due >= exact - 1e-6 && due <= exact + 1.0,
                "tick {k}: {due} vs {exact}"
            );
            assert!(t.market_at(due as i64) >= T0 + k * 1000 - 1, "tick {k}");
        }
    }

    #[test]
    fn a_speed_change_keeps_the_market_position() {
        let t = Timeline::new(1000, T0, 10.0);
        let faster = t.with_speed(1500, 100.0);
        assert_eq!(faster.market_at(1500), t.market_at(1500));
        assert_eq!(faster.market_at(1600), T0 + 5000 + 10_000);
    }

    #[test]
    fn kinds_parse_and_print() {
        assert_eq!(ClockKind::parse(" Manual "), Some(ClockKind::Manual));
        assert_eq!(ClockKind::parse("fast"), None);
        assert_eq!(ClockKind::Virtual.to_string(), "virtual");
        let report = ClockInfo::real().report(1_704_067_200_000);
        assert_eq!(
            serde_json::to_string(&report).unwrap(),
            r#"{"kind":"real","speed":1.0,"now":"2024-01-01T00:00:00Z","now_ms":1704067200000}"#
        );
    }
}
