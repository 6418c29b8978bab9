//! The `us-equity` calendar: NYSE trading days from 1970 to 2100 with pre-market 04:00–09:30,
//! regular 09:30–16:00 (13:00 on early-close days) and after-hours until 20:00 (17:00),
//! America/New_York time.
//!
//! Everything is precomputed once per process into tables indexed by day, so that every query
//! is O(1) (a few lookups), never a loop over days:
//!
//! * exchange days: day `u` is the 24 hours from 04:00 UTC of UTC date `u` (00:00 EDT, 23:00
//!   EST), so a session (08:00–01:00 UTC at the widest) always lies inside its own exchange
//!   day and the exchange day of an instant is one division;
//! * `first_from_day[u]`: the index of the first trading day on or after exchange day `u`;
//! * `sessions[k]`: the k-th trading day (its date, its open in UTC, whether it closes early);
//! * per kind of activity, the units of all trading days before `k` (prefix sums).
//!
//! Wall-clock times become UTC instants through the IANA rules for America/New_York compiled
//! into the binary (jiff's `tz::get!`), so every machine and every image computes the same
//! sessions, whatever its own time-zone database says.

use std::sync::OnceLock;

use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::date::Date;
use super::holidays::{nyse_early_close, nyse_holidays};
use super::profile::{
    self, Profile, EARLY_REGULAR_MS, POST_MS, PRE_MS, REGULAR_MS, VARIANCE, VOLUME,
};
use super::{Phase, TradingDay};
use crate::activity::{Activity, SplitWeights};

pub(crate) static NEW_YORK: TimeZone = jiff::tz::get!("America/New_York");

/// The first year the calendar covers.
pub const FIRST_YEAR: i32 = 1970;
/// The last year the calendar covers: after 2100-12-31 the market stays closed.
pub const LAST_YEAR: i32 = 2100;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;
/// Exchange days start at 04:00 UTC: never inside a 04:00–20:00 New York session.
const DAY_START_MS: i64 = 4 * HOUR_MS;
/// 09:30, local.
const OPEN_LOCAL_MS: i64 = 9 * HOUR_MS + 30 * 60_000;

/// The UTC offset of New York at an instant, in milliseconds.
pub(crate) fn new_york_offset_ms(t_ms: i64) -> i64 {
    // Every instant this calendar asks about is a valid timestamp; EST is the harmless answer
    // for one that is not.
    Timestamp::from_millisecond(t_ms).map_or(-5 * HOUR_MS, |ts| {
        i64::from(NEW_YORK.to_offset(ts).seconds()) * 1000
    })
}

/// The UTC instant of a New York wall-clock time on `date`. Exact for times that exist once
/// (every session boundary: DST switches happen at 02:00).
pub(crate) fn new_york_to_utc(date: Date, local_ms: i64) -> i64 {
    let wall = date.utc_midnight_ms() + local_ms;
    let guess = wall - new_york_offset_ms(wall);
    wall - new_york_offset_ms(guess)
}

/// The New York date of an instant.
pub(crate) fn new_york_date(t_ms: i64) -> Date {
    Date::of_utc_ms(t_ms + new_york_offset_ms(t_ms))
}

/// One trading day.
#[derive(Debug, Clone, Copy)]
struct Session {
    date: Date,
    open: i64,
    early: bool,
}

impl Session {
    fn pre_open(self) -> i64 {
        self.open - PRE_MS
    }

    fn close(self) -> i64 {
        self.open
            + if self.early {
                EARLY_REGULAR_MS
            } else {
                REGULAR_MS
            }
    }

    fn post_close(self) -> i64 {
        self.close() + POST_MS
    }

    fn day(self) -> TradingDay {
        TradingDay {
            date: self.date,
            pre_open_ms: self.pre_open(),
            open_ms: self.open,
            close_ms: self.close(),
            post_close_ms: self.post_close(),
            early_close: self.early,
        }
    }
}

/// Cumulative units of every kind up to an instant.
#[derive(Debug, Clone, Copy)]
struct Units {
    variance: u64,
    volume: u64,
    trading: u64,
    auctions: u64,
}

/// One kind of activity over the whole calendar.
#[derive(Debug)]
struct Cumulative {
    profile: Profile,
    /// Units of all trading days before each one (one more entry than sessions).
    before: Box<[u64]>,
    /// Converts units to milliseconds of average activity.
    scale: f64,
}

impl Cumulative {
    fn new(profile: Profile, sessions: &[Session], span_ms: i64) -> Self {
        let mut before = Vec::with_capacity(sessions.len() + 1);
        let mut acc = 0u64;
        before.push(0);
        for s in sessions {
            acc += profile.day_total(s.early);
            before.push(acc);
        }
        Self {
            profile,
            before: before.into_boxed_slice(),
            scale: span_ms as f64 / acc.max(1) as f64,
        }
    }

    /// The same units converted with another kind's scale (a part of that kind).
    fn with_scale(self, scale: f64) -> Self {
        Self { scale, ..self }
    }
}

/// The precomputed `us-equity` calendar (one per process: see [`UsEquity::get`]).
#[derive(Debug)]
pub struct UsEquity {
    sessions: Box<[Session]>,
    first_from_day: Box<[u32]>,
    variance: Cumulative,
    volume: Cumulative,
    /// Continuous trading: the volume profile without the auctions, in the volume's units.
    trading: Cumulative,
}

impl UsEquity {
    /// The calendar, built on first use (about 50 000 days; milliseconds) and shared.
    pub fn get() -> &'static UsEquity {
        static TABLE: OnceLock<UsEquity> = OnceLock::new();
        TABLE.get_or_init(UsEquity::build)
    }

    fn build() -> Self {
        let mut sessions = Vec::with_capacity(33_000);
        let mut first_from_day = Vec::with_capacity(48_000);
        let first = Date::from_ymd(FIRST_YEAR, 1, 1).unwrap_or(Date::UNIX_EPOCH);
        let mut date = first;
        for year in FIRST_YEAR..=LAST_YEAR {
            let holidays = nyse_holidays(year);
            while date.year() == year {
                first_from_day.push(sessions.len() as u32);
                let closed =
                    date.weekday().is_weekend() || holidays.iter().any(|(h, _)| *h == date);
                if !closed {
                    sessions.push(Session {
                        date,
                        open: new_york_to_utc(date, OPEN_LOCAL_MS),
                        early: nyse_early_close(date).is_some(),
                    });
                }
                date = date.add_days(1);
            }
        }
        first_from_day.push(sessions.len() as u32);
        // The span the weights average to 1 over: from 1970-01-01T00:00Z to the end of the
        // last exchange day.
        let span_ms = date.utc_midnight_ms() + DAY_START_MS;
        Self {
            variance: Cumulative::new(Profile::new(&VARIANCE), &sessions, span_ms),
            trading: {
                let volume = Cumulative::new(Profile::new(&VOLUME), &sessions, span_ms);
                Cumulative::new(Profile::new(&VOLUME).continuous(), &sessions, span_ms)
                    .with_scale(volume.scale)
            },
            volume: Cumulative::new(Profile::new(&VOLUME), &sessions, span_ms),
            sessions: sessions.into_boxed_slice(),
            first_from_day: first_from_day.into_boxed_slice(),
        }
    }

    /// The number of trading days in 1970–2100.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Always false (the table has tens of thousands of days).
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// The `k`-th trading day (0 is 1970-01-02).
    pub fn day(&self, k: usize) -> Option<TradingDay> {
        self.sessions.get(k).map(|s| s.day())
    }

    /// The index of the first trading day on or after exchange day `u` (days since 1970).
    fn first_from_day(&self, u: i64) -> usize {
        if u < 0 {
            return 0;
        }
        usize::try_from(u)
            .ok()
            .and_then(|u| self.first_from_day.get(u))
            .map_or(self.sessions.len(), |&k| k as usize)
    }

    /// The index of the first trading day on or after `date`.
    pub fn first_on_or_after(&self, date: Date) -> usize {
        self.first_from_day(i64::from(date.days()))
    }

    /// The number of trading days whose extended session has ended at `t` (equivalently,
    /// the index of the first one still to end).
    pub fn days_ended_at(&self, t_ms: i64) -> usize {
        let k = self.first_from_day((t_ms - DAY_START_MS).div_euclid(DAY_MS));
        // Only the session of `t`'s own exchange day can already be over.
        match self.sessions.get(k) {
            Some(s) if t_ms >= s.post_close() => k + 1,
            _ => k,
        }
    }

    fn session_at(&self, t_ms: i64) -> Option<Session> {
        self.sessions
            .get(self.days_ended_at(t_ms))
            .copied()
            .filter(|s| t_ms >= s.pre_open())
    }

    /// The phase of the market at an instant.
    pub fn phase_at(&self, t_ms: i64) -> Phase {
        match self.session_at(t_ms) {
            None => Phase::Closed,
            Some(s) if t_ms < s.open => Phase::Pre,
            Some(s) if t_ms < s.close() => Phase::Regular,
            Some(_) => Phase::Post,
        }
    }

    /// The trading day whose extended session `[pre_open, post_close)` contains `t`.
    pub fn trading_day_at(&self, t_ms: i64) -> Option<TradingDay> {
        self.session_at(t_ms).map(Session::day)
    }

    /// The first regular open after `t` (strictly), if the calendar has one.
    pub fn next_open(&self, t_ms: i64) -> Option<i64> {
        let k = self.days_ended_at(t_ms);
        let s = self.sessions.get(k)?;
        if s.open > t_ms {
            Some(s.open)
        } else {
            self.sessions.get(k + 1).map(|s| s.open)
        }
    }

    /// The first regular close after `t` (strictly), if the calendar has one.
    pub fn next_close(&self, t_ms: i64) -> Option<i64> {
        let k = self.days_ended_at(t_ms);
        let s = self.sessions.get(k)?;
        if s.close() > t_ms {
            Some(s.close())
        } else {
            self.sessions.get(k + 1).map(|s| s.close())
        }
    }

    /// The session of `date`, if it is a trading day.
    pub fn trading_day(&self, date: Date) -> Option<TradingDay> {
        self.sessions
            .get(self.first_on_or_after(date))
            .filter(|s| s.date == date)
            .map(|s| s.day())
    }

    /// The average volume weight of one trading day (milliseconds of average activity): what
    /// an average volume *per trading day* divides by to become a volume per unit of weight.
    pub fn mean_day_volume_weight(&self) -> f64 {
        let total = self.volume.before.last().copied().unwrap_or(0) as f64;
        total * self.volume.scale / self.sessions.len().max(1) as f64
    }

    /// Units of `kind` in `[1970, t)`: O(1).
    fn units_before(&self, kind: &Cumulative, t_ms: i64) -> u64 {
        let k = self.days_ended_at(t_ms);
        let done = kind.before.get(k).copied().unwrap_or(0);
        match self.sessions.get(k) {
            Some(s) if t_ms > s.pre_open() => {
                done + kind.profile.cumulative(s.early, t_ms - s.pre_open())
            }
            _ => done,
        }
    }

    fn weight(&self, kind: &Cumulative, t0_ms: i64, t1_ms: i64) -> f64 {
        if t1_ms <= t0_ms {
            return 0.0;
        }
        let units = self.units_before(kind, t1_ms) - self.units_before(kind, t0_ms);
        units as f64 * kind.scale
    }

    /// Units of variance, volume and continuous trading, and auctions, in `[1970, t)`, with one
    /// day lookup.
    fn everything_before(&self, t_ms: i64) -> Units {
        let k = self.days_ended_at(t_ms);
        let done = |kind: &Cumulative| kind.before.get(k).copied().unwrap_or(0);
        let mut out = Units {
            variance: done(&self.variance),
            volume: done(&self.volume),
            trading: done(&self.trading),
            auctions: 2 * k as u64,
        };
        if let Some(s) = self.sessions.get(k).filter(|s| t_ms > s.pre_open()) {
            let since = t_ms - s.pre_open();
            out.variance += self.variance.profile.cumulative(s.early, since);
            out.volume += self.volume.profile.cumulative(s.early, since);
            out.trading += self.trading.profile.cumulative(s.early, since);
            out.auctions += u64::from(t_ms > s.open) + u64::from(t_ms >= s.close());
        }
        out
    }

    /// The auctions (opening and closing crosses) before `t`: O(1). The opening cross is at
    /// the open, the closing cross in the regular session's last millisecond, as the volume
    /// profile places their point masses.
    fn auctions_before(&self, t_ms: i64) -> u64 {
        let k = self.days_ended_at(t_ms);
        let done = 2 * k as u64;
        match self.sessions.get(k) {
            Some(s) => done + u64::from(t_ms > s.open) + u64::from(t_ms >= s.close()),
            None => done,
        }
    }

    /// Raw integer units of variance in `[t0, t1)`, for exact additivity checks.
    #[cfg(test)]
    pub(crate) fn variance_units(&self, t0_ms: i64, t1_ms: i64) -> u64 {
        self.units_before(&self.variance, t1_ms)
            .saturating_sub(self.units_before(&self.variance, t0_ms))
    }

    /// Raw integer units of volume in `[t0, t1)`, for exact additivity checks.
    #[cfg(test)]
    pub(crate) fn volume_units(&self, t0_ms: i64, t1_ms: i64) -> u64 {
        self.units_before(&self.volume, t1_ms)
            .saturating_sub(self.units_before(&self.volume, t0_ms))
    }

    /// Spread multiplier (≥ 1) at an instant: 1 at midday, 3 at the open decaying over ~10
    /// minutes, 4 in the pre-market and while closed, 3 after hours.
    pub fn spread_factor(&self, t_ms: i64) -> f64 {
        match self.session_at(t_ms) {
            Some(s) if t_ms >= s.close() => profile::POST_SPREAD_FACTOR,
            Some(s) if t_ms >= s.open => profile::regular_spread_factor(t_ms - s.open),
            _ => profile::PRE_SPREAD_FACTOR,
        }
    }
}

impl Activity for UsEquity {
    #[inline]
    fn variance_weight(&self, t0_ms: i64, t1_ms: i64) -> f64 {
        self.weight(&self.variance, t0_ms, t1_ms)
    }

    #[inline]
    fn volume_weight(&self, t0_ms: i64, t1_ms: i64) -> f64 {
        self.weight(&self.volume, t0_ms, t1_ms)
    }

    #[inline]
    fn trade_weight(&self, t0_ms: i64, t1_ms: i64) -> f64 {
        self.weight(&self.trading, t0_ms, t1_ms)
    }

    fn auctions(&self, t0_ms: i64, t1_ms: i64) -> u64 {
        if t1_ms <= t0_ms {
            return 0;
        }
        self.auctions_before(t1_ms) - self.auctions_before(t0_ms)
    }

    fn variance_split(&self, t0_ms: i64, t1_ms: i64, t2_ms: i64) -> [f64; 2] {
        let kind = &self.variance;
        let (a, b, c) = (
            self.units_before(kind, t0_ms),
            self.units_before(kind, t1_ms.max(t0_ms)),
            self.units_before(kind, t2_ms.max(t1_ms).max(t0_ms)),
        );
        [(b - a) as f64 * kind.scale, (c - b) as f64 * kind.scale]
    }

    fn split_weights(&self, t0_ms: i64, t1_ms: i64, t2_ms: i64) -> SplitWeights {
        let (a, b, c) = (
            self.everything_before(t0_ms),
            self.everything_before(t1_ms.max(t0_ms)),
            self.everything_before(t2_ms.max(t1_ms).max(t0_ms)),
        );
        let w = |kind: &Cumulative, of: fn(&Units) -> u64| {
            [
                (of(&b) - of(&a)) as f64 * kind.scale,
                (of(&c) - of(&b)) as f64 * kind.scale,
            ]
        };
        SplitWeights {
            variance: w(&self.variance, |u| u.variance),
            volume: w(&self.volume, |u| u.volume),
            trades: w(&self.trading, |u| u.trading),
            auctions: [b.auctions - a.auctions, c.auctions - b.auctions],
        }
    }
}
