//! [`TradingTicks`]: which ticks of a [`Schedule`] fall in trading sessions, counted in O(1)
//! and found by rank in O(log days), for trade ids, "the n-th trading tick" and bars.

use super::{Calendar, UsEquity};
use crate::clock::{Schedule, Seq};

/// Ticks of one schedule that fall in sessions (extended hours included) of one calendar.
/// For a 24/7 calendar that is every tick. Building one for `us-equity` costs one pass over
/// the 33 000 trading days (a prefix sum of ticks per day, 8 bytes each).
#[derive(Debug, Clone)]
pub struct TradingTicks {
    schedule: Schedule,
    table: Option<Table>,
}

#[derive(Debug, Clone)]
struct Table {
    calendar: &'static UsEquity,
    /// Trading ticks before each trading day (one more entry than days).
    before: Box<[u64]>,
}

impl TradingTicks {
    /// The trading ticks of `schedule` on `calendar`.
    pub fn new(calendar: Calendar, schedule: &Schedule) -> Self {
        let table = match calendar {
            Calendar::Always(_) => None,
            Calendar::UsEquity(c) => {
                let mut before = Vec::with_capacity(c.len() + 1);
                let mut acc = 0u64;
                before.push(0);
                for k in 0..c.len() {
                    if let Some(day) = c.day(k) {
                        acc += ticks_in(schedule, day.pre_open_ms, day.post_close_ms);
                    }
                    before.push(acc);
                }
                Some(Table {
                    calendar: c,
                    before: before.into_boxed_slice(),
                })
            }
        };
        Self {
            schedule: *schedule,
            table,
        }
    }

    /// The number of trading ticks whose time is before `t`: O(1).
    pub fn count_before(&self, t_ms: i64) -> u64 {
        let Some(table) = &self.table else {
            return self.schedule.tick_at_or_after(t_ms).0;
        };
        let k = table.calendar.days_ended_at(t_ms);
        let done = table.before.get(k).copied().unwrap_or(0);
        match table.calendar.day(k) {
            Some(day) if t_ms > day.pre_open_ms => {
                done + ticks_in(&self.schedule, day.pre_open_ms, t_ms)
            }
            _ => done,
        }
    }

    /// Whether tick `seq` falls in a session.
    pub fn is_trading(&self, seq: Seq) -> bool {
        let t = self.schedule.time_of(seq);
        self.count_before(t + 1) > self.count_before(t)
    }

    /// The `n`-th trading tick (0-based), if there is one: O(log days).
    pub fn nth(&self, n: u64) -> Option<Seq> {
        let Some(table) = &self.table else {
            return (n <= self.schedule.last().0).then_some(Seq(n));
        };
        // The day holding it: the last k with before[k] <= n, among days that have ticks.
        let k = table.before.partition_point(|&b| b <= n).checked_sub(1)?;
        let day = table.calendar.day(k)?;
        let first = self.schedule.tick_at_or_after(day.pre_open_ms);
        let offset = n - table.before.get(k)?;
        let seq = Seq(first.0 + offset);
        (self.schedule.time_of(seq) < day.post_close_ms && seq <= self.schedule.last())
            .then_some(seq)
    }
}

/// The number of ticks in `[a, b)`.
fn ticks_in(schedule: &Schedule, a_ms: i64, b_ms: i64) -> u64 {
    if b_ms <= a_ms {
        return 0;
    }
    schedule
        .tick_at_or_after(b_ms)
        .0
        .saturating_sub(schedule.tick_at_or_after(a_ms).0)
}
