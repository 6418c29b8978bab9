//! Trading calendars: when each symbol's market is open, and how busy it is at each instant.
//!
//! A symbol's `calendar` (in its [`SymbolConfig`](crate::SymbolConfig)) is one of two classes:
//!
//! * [`CalendarKind::Always`] (the default): 24/7, one session per [`Schedule`] session (a UTC
//!   day by default), equally active at every instant. This is the model as it always was,
//!   so nothing changes for a configuration that does not opt in; crypto pairs use it.
//! * [`CalendarKind::UsEquity`]: the NYSE calendar of 1970–2100 ([`UsEquity`]): pre-market
//!   04:00–09:30, regular 09:30–16:00, after-hours 16:00–20:00 America/New_York, weekends and
//!   NYSE holidays closed (by rule, see `holidays.rs`), 13:00 early closes with after-hours
//!   13:00–17:00.
//!
//! A [`Calendar`] answers, in O(1) each: the [`Phase`] at an instant, the [`TradingDay`]
//! containing it, the next open and close, and the trading days of a date range (O(1) to
//! start, then one per day). Its [`Activity`] (business time: variance and volume weights,
//! see `profile.rs`) is what the price model runs on, and [`Calendar::spread_factor`] widens
//! quotes in thin periods. [`TradingTicks`] counts the ticks that fall in sessions and finds
//! the n-th one.
//!
//! Everything here is pure: the only inputs are the configuration and the rules compiled into
//! the binary (including the America/New_York time-zone rules), so every process computes the
//! same calendar.
//!
//! [`Schedule`]: crate::Schedule

mod date;
mod day_ticks;
mod holidays;
mod profile;
#[cfg(test)]
mod tests;
mod ticks;
mod us_equity;

use serde::{Deserialize, Serialize};

use crate::activity::{Activity, Uniform};
use crate::market::Market;
use crate::symbol::SymbolId;

pub use date::{Date, Weekday};
pub use day_ticks::{DayTicks, Located, TickPlace, TickWindow};
pub use holidays::{nyse_early_close, nyse_holidays};
pub use ticks::TradingTicks;
pub use us_equity::{UsEquity, FIRST_YEAR, LAST_YEAR};

/// A symbol's calendar class, as written in the configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CalendarKind {
    /// 24/7, uniformly active: the default.
    #[default]
    Always,
    /// NYSE hours and holidays, America/New_York.
    UsEquity,
}

impl CalendarKind {
    /// The configuration name: `always` or `us-equity`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::UsEquity => "us-equity",
        }
    }

    /// The IANA time zone its dates are in.
    pub fn timezone(self) -> &'static str {
        match self {
            Self::Always => "UTC",
            Self::UsEquity => "America/New_York",
        }
    }
}

/// What a market is doing at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// No trading: night, weekend, holiday.
    Closed,
    /// Pre-market (extended hours before the open).
    Pre,
    /// The regular session.
    Regular,
    /// After-hours (extended hours after the close).
    Post,
}

impl Phase {
    /// Whether trades happen (any session, extended hours included).
    pub fn is_trading(self) -> bool {
        self != Phase::Closed
    }

    /// The status word of the REST API: `closed`, `pre`, `open` (the regular session), `post`.
    pub fn status(self) -> &'static str {
        match self {
            Phase::Closed => "closed",
            Phase::Pre => "pre",
            Phase::Regular => "open",
            Phase::Post => "post",
        }
    }
}

/// One trading day and its session times (Unix ms). For a 24/7 calendar the extended
/// session is the regular one: `pre_open_ms == open_ms`, `close_ms == post_close_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TradingDay {
    /// The exchange-local date.
    pub date: Date,
    /// Start of the extended session (pre-market).
    pub pre_open_ms: i64,
    /// The regular open.
    pub open_ms: i64,
    /// The regular close.
    pub close_ms: i64,
    /// End of the extended session (after-hours).
    pub post_close_ms: i64,
    /// A 13:00 close.
    pub early_close: bool,
}

/// The 24/7 calendar: sessions of `session_ms` from `session_offset_ms`, as the
/// [`Schedule`](crate::Schedule) defines them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Always {
    session_ms: i64,
    offset_ms: i64,
}

impl Always {
    /// Sessions of `session_ms` (≥ 1) starting at `offset_ms` past UTC midnight.
    pub fn new(session_ms: u64, offset_ms: i64) -> Self {
        Self {
            session_ms: (session_ms as i64).max(1),
            offset_ms,
        }
    }

    fn session_from(self, start: i64) -> TradingDay {
        let end = start.saturating_add(self.session_ms);
        TradingDay {
            date: Date::of_utc_ms(start),
            pre_open_ms: start,
            open_ms: start,
            close_ms: end,
            post_close_ms: end,
            early_close: false,
        }
    }

    /// The session containing `t`.
    pub fn session_at(self, t_ms: i64) -> TradingDay {
        let index = (t_ms - self.offset_ms).div_euclid(self.session_ms);
        self.session_from(index * self.session_ms + self.offset_ms)
    }

    /// The first session starting at or after `t`.
    fn first_starting_from(self, t_ms: i64) -> i64 {
        let s = self.session_at(t_ms).open_ms;
        if s < t_ms {
            s + self.session_ms
        } else {
            s
        }
    }
}

/// A symbol's trading calendar. Cheap to copy; every query is O(1).
#[derive(Debug, Clone, Copy)]
pub enum Calendar {
    /// 24/7.
    Always(Always),
    /// NYSE hours and holidays.
    UsEquity(&'static UsEquity),
}

impl Calendar {
    /// The calendar of a class; `session_ms`/`session_offset_ms` shape the 24/7 sessions.
    pub fn new(kind: CalendarKind, session_ms: u64, session_offset_ms: i64) -> Self {
        match kind {
            CalendarKind::Always => Self::Always(Always::new(session_ms, session_offset_ms)),
            CalendarKind::UsEquity => Self::UsEquity(UsEquity::get()),
        }
    }

    /// Its class.
    pub fn kind(&self) -> CalendarKind {
        match self {
            Self::Always(_) => CalendarKind::Always,
            Self::UsEquity(_) => CalendarKind::UsEquity,
        }
    }

    /// The phase at an instant.
    pub fn phase_at(&self, t_ms: i64) -> Phase {
        match self {
            Self::Always(_) => Phase::Regular,
            Self::UsEquity(c) => c.phase_at(t_ms),
        }
    }

    /// The trading day whose (extended) session contains `t`; `None` while closed.
    pub fn trading_day_at(&self, t_ms: i64) -> Option<TradingDay> {
        match self {
            Self::Always(c) => Some(c.session_at(t_ms)),
            Self::UsEquity(c) => c.trading_day_at(t_ms),
        }
    }

    /// The first regular open strictly after `t` (`None` for 24/7: it never opens).
    pub fn next_open(&self, t_ms: i64) -> Option<i64> {
        match self {
            Self::Always(_) => None,
            Self::UsEquity(c) => c.next_open(t_ms),
        }
    }

    /// The first regular close strictly after `t` (`None` for 24/7: it never closes).
    pub fn next_close(&self, t_ms: i64) -> Option<i64> {
        match self {
            Self::Always(_) => None,
            Self::UsEquity(c) => c.next_close(t_ms),
        }
    }

    /// The exchange-local date of an instant.
    pub fn local_date(&self, t_ms: i64) -> Date {
        match self {
            Self::Always(_) => Date::of_utc_ms(t_ms),
            Self::UsEquity(_) => us_equity::new_york_date(t_ms),
        }
    }

    /// The trading days whose date lies in `[from, to]`, in order: O(1) to start, then one
    /// step per day. A 24/7 calendar yields each session starting on those (UTC) dates.
    pub fn days(&self, from: Date, to: Date) -> Days {
        let inner = match *self {
            Self::Always(c) => DaysInner::Always {
                calendar: c,
                next: c.first_starting_from(from.utc_midnight_ms()),
                end: to.add_days(1).utc_midnight_ms(),
            },
            Self::UsEquity(c) => DaysInner::UsEquity {
                calendar: c,
                next: c.first_on_or_after(from),
                end: c.first_on_or_after(to.add_days(1)),
            },
        };
        Days { inner }
    }

    /// The named holidays (weekdays closed) in `[from, to]`.
    pub fn holidays(&self, from: Date, to: Date) -> Vec<(Date, &'static str)> {
        match self {
            Self::Always(_) => Vec::new(),
            Self::UsEquity(_) => (from.year()..=to.year())
                .flat_map(nyse_holidays)
                .filter(|(d, _)| (from..=to).contains(d))
                .collect(),
        }
    }

    /// Business time: how much variance and volume fall in any span (see [`Activity`]).
    pub fn activity(&self) -> &'static dyn Activity {
        match self {
            Self::Always(_) => &Uniform,
            Self::UsEquity(c) => *c,
        }
    }

    /// The average volume weight of one session: what a configured average volume per
    /// session divides by to become a volume per unit of [`Activity`] weight.
    pub fn mean_session_volume_weight(&self) -> f64 {
        match self {
            Self::Always(c) => c.session_ms as f64,
            Self::UsEquity(c) => c.mean_day_volume_weight(),
        }
    }

    /// Spread multiplier (≥ 1): 1 for 24/7 markets; wider in extended hours and right after
    /// the open of an exchange (see `profile.rs`).
    pub fn spread_factor(&self, t_ms: i64) -> f64 {
        match self {
            Self::Always(_) => 1.0,
            Self::UsEquity(c) => c.spread_factor(t_ms),
        }
    }
}

/// Iterator returned by [`Calendar::days`].
#[derive(Debug, Clone)]
pub struct Days {
    inner: DaysInner,
}

#[derive(Debug, Clone)]
enum DaysInner {
    Always {
        calendar: Always,
        next: i64,
        end: i64,
    },
    UsEquity {
        calendar: &'static UsEquity,
        next: usize,
        end: usize,
    },
}

impl Iterator for Days {
    type Item = TradingDay;

    fn next(&mut self) -> Option<TradingDay> {
        match &mut self.inner {
            DaysInner::Always {
                calendar,
                next,
                end,
            } => {
                if *next >= *end {
                    return None;
                }
                let day = calendar.session_from(*next);
                *next = day.close_ms;
                Some(day)
            }
            DaysInner::UsEquity {
                calendar,
                next,
                end,
            } => {
                if *next >= *end {
                    return None;
                }
                let day = calendar.day(*next);
                *next += 1;
                day
            }
        }
    }
}

impl Market {
    /// The trading calendar of a symbol (O(1); the `us-equity` tables are built once per
    /// process, on first use).
    pub fn calendar(&self, id: SymbolId) -> Calendar {
        self.class_of(id).calendar
    }
}
