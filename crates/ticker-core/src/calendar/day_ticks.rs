//! [`DayTicks`]: which ticks of a [`Schedule`] make up one trading day, and what each of them
//! is, so that trades, quotes and bars follow the calendar.
//!
//! Tick `n` reports what happened in its interval `[t(n−1), t(n))`: the activity (price move,
//! volume, trades) since the tick before, up to just before its own time. So a tick belongs to
//! a day when its interval meets the day's extended session `[pre_open, post_close)` (a 24/7
//! session: when the interval *starts* in it), and to the regular session when its interval
//! meets `[open, close)`; a tick whose interval meets the regular session and extended hours
//! (only with tick intervals that do not divide the half hour) counts as regular and places
//! its trades in the regular part. At the default one-second ticks this means the tick at
//! 09:30:01 carries the open (its interval starts at 09:30:00.000, where the opening print
//! is) and the tick at 16:00:00 the close.
//!
//! Days never share a tick (sessions are hours apart, ticks at most an hour long); ticks
//! between days are closed: no trades, no price move.

use super::profile::{regular_spread_factor, POST_SPREAD_FACTOR, PRE_SPREAD_FACTOR};
use super::us_equity::new_york_to_utc;
use super::{Calendar, Phase, TradingDay};
use crate::clock::{Schedule, Seq};

/// The ticks of one trading day (or 24/7 session), by phase: pre-market `[first, open)`,
/// regular `[open, close)`, after-hours `[close, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayTicks {
    /// The day and its session times.
    pub day: TradingDay,
    /// The day's position in its calendar: the session number (24/7) or the trading day's
    /// rank since 1970-01-01 (an exchange), so `index − 1` is the day before.
    pub index: i64,
    /// The first tick of the day.
    pub first: Seq,
    /// The first tick of the regular session (`first` for 24/7).
    pub open: Seq,
    /// One past the last tick of the regular session (`end` for 24/7).
    pub close: Seq,
    /// One past the last tick of the day.
    pub end: Seq,
    /// The start of the day's bars: local midnight of an exchange's trading date, the start
    /// of a 24/7 session.
    pub bar_time_ms: i64,
    /// An exchange day (crosses at the open and close, extended hours); false for 24/7.
    exchange: bool,
}

/// Where one tick's trades happen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TickWindow {
    /// The session its trades belong to; `Closed` for a tick without trades by calendar.
    pub phase: Phase,
    /// Its trades happen in `[lo_ms, hi_ms)`.
    pub lo_ms: i64,
    /// End of the window (exclusive).
    pub hi_ms: i64,
    /// The window starts at the regular open: the first trade is the opening print.
    pub opening: bool,
    /// The window ends at the regular close: the last trade is the closing print.
    pub closing: bool,
    /// How much wider than usual the quoted spread is (≥ 1, see [`Calendar::spread_factor`]).
    pub spread_factor: f64,
}

impl TickWindow {
    /// The window of a tick outside every session (no trades; quotes stand).
    pub(crate) fn closed(spread_factor: f64) -> Self {
        Self {
            phase: Phase::Closed,
            lo_ms: 0,
            hi_ms: 0,
            opening: false,
            closing: false,
            spread_factor,
        }
    }
}

impl TickWindow {
    /// A tick's whole interval, regular: the fallback for a tick that trades outside every
    /// session (which a calendar's zero weights rule out).
    pub(crate) fn whole(schedule: &Schedule, n: Seq) -> Self {
        let hi = schedule.time_of(n);
        Self {
            phase: Phase::Regular,
            lo_ms: hi.saturating_sub(schedule.interval_ms() as i64),
            hi_ms: hi,
            opening: false,
            closing: false,
            spread_factor: 1.0,
        }
    }
}

/// Where a tick stands: its own trading window, and the tick whose quote it shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TickPlace {
    /// Where the tick's trades happen (`Closed`: none).
    pub window: TickWindow,
    /// The tick whose quote stands at it: itself in a session, else the last tick of the
    /// last session.
    pub quote_tick: Seq,
    /// The spread factor of that quote.
    pub quote_factor: f64,
}

/// The day a tick's quote describes: the latest day that has started by the tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// That day; `None` before the first day with a tick after the epoch.
    pub day: Option<DayTicks>,
    /// Whether the tick is one of the day's (else it is a closed tick after it).
    pub inside: bool,
}

impl DayTicks {
    fn new(schedule: &Schedule, day: TradingDay, index: i64, exchange: bool) -> Self {
        // Ticks whose interval [t(n−1), t(n)) meets [a, b): n from tick_at(a) + 1 to
        // tick_at_or_after(b) (inclusive), never tick 0 (it has no interval).
        let from = |a: i64| Seq(schedule.tick_at(a).0.saturating_add(1));
        let to = |b: i64| Seq(schedule.tick_at_or_after(b).0.saturating_add(1));
        let bar_time_ms = if exchange {
            new_york_to_utc(day.date, 0)
        } else {
            day.open_ms
        };
        if !exchange {
            // 24/7: the ticks whose interval starts in the session.
            let (first, end) = (
                Seq(schedule.tick_at_or_after(day.open_ms).0.saturating_add(1)),
                to(day.close_ms),
            );
            return Self {
                day,
                index,
                first,
                open: first,
                close: end,
                end,
                bar_time_ms,
                exchange,
            };
        }
        let end = to(day.post_close_ms).max(Seq(1));
        let close = to(day.close_ms).clamp(Seq(1), end);
        let open = from(day.open_ms).min(close);
        let first = from(day.pre_open_ms).min(open);
        Self {
            day,
            index,
            first,
            open,
            close,
            end,
            bar_time_ms,
            exchange,
        }
    }

    /// Whether tick `n` is one of the day's.
    pub fn contains(&self, n: Seq) -> bool {
        self.first <= n && n < self.end
    }

    /// Whether the day has any tick (days before the epoch have none).
    pub fn is_empty(&self) -> bool {
        self.first >= self.end
    }

    /// The phase of tick `n` (`Closed` outside the day).
    pub fn phase(&self, n: Seq) -> Phase {
        if !self.contains(n) {
            Phase::Closed
        } else if n < self.open {
            Phase::Pre
        } else if n < self.close {
            Phase::Regular
        } else {
            Phase::Post
        }
    }

    /// Where tick `n`'s trades happen, and the spread factor of its quote.
    pub fn window(&self, schedule: &Schedule, n: Seq) -> TickWindow {
        let phase = self.phase(n);
        let t1 = schedule.time_of(n);
        let t0 = t1.saturating_sub(schedule.interval_ms() as i64);
        let d = &self.day;
        if !self.exchange {
            return match phase {
                Phase::Closed => TickWindow::closed(1.0),
                _ => TickWindow {
                    phase: Phase::Regular,
                    lo_ms: t0,
                    hi_ms: t1,
                    opening: false,
                    closing: false,
                    spread_factor: 1.0,
                },
            };
        }
        let (span_lo, span_hi, factor) = match phase {
            Phase::Closed => return TickWindow::closed(PRE_SPREAD_FACTOR),
            Phase::Pre => (d.pre_open_ms, d.open_ms, PRE_SPREAD_FACTOR),
            Phase::Regular => (d.open_ms, d.close_ms, 0.0),
            Phase::Post => (d.close_ms, d.post_close_ms, POST_SPREAD_FACTOR),
        };
        let (lo, hi) = (t0.max(span_lo), t1.min(span_hi));
        let regular = phase == Phase::Regular;
        TickWindow {
            phase,
            lo_ms: lo,
            hi_ms: hi,
            opening: regular && lo == d.open_ms,
            closing: regular && hi == d.close_ms,
            spread_factor: if regular {
                regular_spread_factor(lo - d.open_ms)
            } else {
                factor
            },
        }
    }

    /// The window that sets the quote of tick `n`: its own inside the day, else (a closed
    /// tick after the day) the day's last tick's, whose quote stands.
    pub fn quote_tick(&self, n: Seq) -> Seq {
        if self.contains(n) || self.is_empty() {
            n
        } else {
            Seq(self.end.0 - 1)
        }
    }
}

impl Calendar {
    /// Day `index` of this calendar on `schedule`: a 24/7 session number, or the rank of an
    /// exchange's trading day; `None` past an exchange calendar's last day.
    pub fn day_ticks(&self, schedule: &Schedule, index: i64) -> Option<DayTicks> {
        match self {
            Self::Always(c) => {
                let start = index.checked_mul(c.session_ms)?.checked_add(c.offset_ms)?;
                Some(DayTicks::new(schedule, c.session_from(start), index, false))
            }
            Self::UsEquity(c) => {
                let day = c.day(usize::try_from(index).ok()?)?;
                Some(DayTicks::new(schedule, day, index, true))
            }
        }
    }

    /// The index of the day holding a trading day (see [`Calendar::day_ticks`]).
    pub fn day_index(&self, day: &TradingDay) -> i64 {
        match self {
            Self::Always(c) => (day.open_ms - c.offset_ms).div_euclid(c.session_ms),
            Self::UsEquity(c) => c.first_on_or_after(day.date) as i64,
        }
    }

    /// The spread factor of a quote outside every session.
    fn idle_factor(&self) -> f64 {
        match self {
            Self::Always(_) => 1.0,
            Self::UsEquity(_) => PRE_SPREAD_FACTOR,
        }
    }

    /// Tick `n`'s trading window and the quote it shows: O(1).
    pub fn place(&self, schedule: &Schedule, n: Seq) -> TickPlace {
        match self.locate(schedule, n).day {
            Some(day) => {
                let window = day.window(schedule, n);
                let quote_tick = day.quote_tick(n);
                let quote_factor = if quote_tick == n {
                    window.spread_factor
                } else {
                    day.window(schedule, quote_tick).spread_factor
                };
                TickPlace {
                    window,
                    quote_tick,
                    quote_factor,
                }
            }
            None => TickPlace {
                window: TickWindow::closed(self.idle_factor()),
                quote_tick: n,
                quote_factor: self.idle_factor(),
            },
        }
    }

    /// The day whose quote tick `n` shows: O(1).
    pub fn locate(&self, schedule: &Schedule, n: Seq) -> Located {
        let none = Located {
            day: None,
            inside: false,
        };
        if n.0 == 0 {
            return none;
        }
        let start = schedule.time_of(Seq(n.0 - 1));
        let index = match self {
            Self::Always(c) => (start - c.offset_ms).div_euclid(c.session_ms),
            Self::UsEquity(c) => c.days_ended_at(start) as i64,
        };
        if let Some(day) = self.day_ticks(schedule, index).filter(|d| d.first <= n) {
            return Located {
                day: Some(day),
                inside: day.contains(n),
            };
        }
        match self.day_ticks(schedule, index - 1) {
            Some(day) if !day.is_empty() => Located {
                day: Some(day),
                inside: false,
            },
            _ => none,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarKind;
    use crate::time::parse_time;

    fn at(text: &str) -> i64 {
        parse_time(text).unwrap()
    }

    #[test]
    fn a_us_equity_day_at_one_second_ticks() {
        let s = Schedule::new(at("2024-01-01T00:00:00Z"), 1000, 86_400_000, 0);
        let c = Calendar::new(CalendarKind::UsEquity, 86_400_000, 0);
        // 2024-03-15, a Friday in EDT: 08:00–24:00 UTC, regular 13:30–20:00.
        let n = s.tick_at(at("2024-03-15T13:30:00.500Z"));
        let located = c.locate(&s, n);
        let d = located.day.unwrap();
        assert!(located.inside);
        let tick = |text: &str| s.tick_at(at(text));
        assert_eq!(d.first, Seq(tick("2024-03-15T08:00:00Z").0 + 1));
        assert_eq!(d.open, Seq(tick("2024-03-15T13:30:00Z").0 + 1));
        assert_eq!(d.close, Seq(tick("2024-03-15T20:00:00Z").0 + 1));
        assert_eq!(d.end, Seq(tick("2024-03-16T00:00:00Z").0 + 1));
        assert_eq!(d.bar_time_ms, at("2024-03-15T04:00:00Z"));
        let w = d.window(&s, d.open);
        assert!(w.opening && !w.closing && w.phase == Phase::Regular);
        assert_eq!(w.lo_ms, d.day.open_ms);
        assert!((w.spread_factor - 3.0).abs() < 1e-9);
        let w = d.window(&s, Seq(d.close.0 - 1));
        assert!(w.closing && w.hi_ms == d.day.close_ms);
        assert_eq!(d.window(&s, Seq(d.open.0 - 1)).phase, Phase::Pre);
        assert_eq!(d.window(&s, d.close).phase, Phase::Post);
        // Saturday: closed ticks show Friday.
        let sat = c.locate(&s, tick("2024-03-16T15:00:00Z"));
        assert_eq!(sat.day, Some(d));
        assert!(!sat.inside);
        assert_eq!(d.quote_tick(tick("2024-03-16T15:00:00Z")), Seq(d.end.0 - 1));
        // Monday's first tick starts Monday.
        let monday = c.locate(&s, tick("2024-03-18T08:00:00Z"));
        assert!(!monday.inside && monday.day == Some(d));
        let monday = c.locate(&s, Seq(tick("2024-03-18T08:00:00Z").0 + 1));
        assert!(monday.inside && monday.day.unwrap().index == d.index + 1);
    }

    #[test]
    fn coarse_ticks_count_as_regular_when_they_meet_the_session() {
        // Hourly ticks from a UTC midnight; in EST the open is 14:30 UTC, mid-tick.
        let s = Schedule::new(at("2024-01-01T00:00:00Z"), 3_600_000, 86_400_000, 0);
        let c = Calendar::new(CalendarKind::UsEquity, 86_400_000, 0);
        let d = c
            .locate(&s, s.tick_at(at("2024-01-03T15:00:00Z")))
            .day
            .unwrap();
        // The 14:00–15:00 UTC tick (reported at 15:00) holds the open.
        let w = d.window(&s, d.open);
        assert_eq!(s.time_of(d.open), at("2024-01-03T15:00:00Z"));
        assert_eq!(
            (w.lo_ms, w.hi_ms),
            (d.day.open_ms, at("2024-01-03T15:00:00Z"))
        );
        assert!(w.opening);
    }

    #[test]
    fn always_days_are_sessions_by_the_start_of_each_interval() {
        let s = Schedule::new(at("2024-01-01T00:00:00Z"), 1000, 86_400_000, 0);
        let c = Calendar::new(CalendarKind::Always, 86_400_000, 0);
        assert_eq!(c.locate(&s, Seq(0)).day, None);
        let first = c.locate(&s, Seq(1)).day.unwrap();
        assert_eq!((first.first, first.end), (Seq(1), Seq(86_401)));
        // The tick at midnight closes the previous day.
        let d = c.locate(&s, Seq(86_400)).day.unwrap();
        assert_eq!(d.index, first.index);
        let next = c.locate(&s, Seq(86_401)).day.unwrap();
        assert_eq!((next.first, next.end), (Seq(86_401), Seq(172_801)));
        assert_eq!(next.bar_time_ms, at("2024-01-02T00:00:00Z"));
        assert_eq!(c.day_ticks(&s, next.index - 1), Some(first));
        let w = next.window(&s, Seq(86_401));
        assert_eq!(
            (w.lo_ms, w.hi_ms),
            (at("2024-01-02T00:00:00Z"), at("2024-01-02T00:00:01Z"))
        );
    }
}
