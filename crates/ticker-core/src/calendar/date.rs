//! [`Date`]: a civil (proleptic Gregorian) date, stored as days since 1970-01-01, with the
//! weekday arithmetic the holiday rules need ("the third Monday of January").

use std::fmt;

use crate::time::{civil_from_days, days_from_civil, days_in_month};

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// Days since Monday (Monday is 0).
    pub fn index(self) -> i32 {
        self as i32
    }

    /// Saturday or Sunday.
    pub fn is_weekend(self) -> bool {
        matches!(self, Weekday::Saturday | Weekday::Sunday)
    }
}

/// A calendar date (no time zone): the local date of an exchange, or a UTC date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

impl Date {
    /// 1970-01-01.
    pub const UNIX_EPOCH: Date = Date(0);

    /// The date `days` days after 1970-01-01 (negative: before).
    pub const fn from_days(days: i32) -> Date {
        Date(days)
    }

    /// The date of a year, month (1–12) and day, if it exists (years 0 … 9999).
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        let valid = (0..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(i64::from(year), month);
        valid.then(|| Date(days_from_civil(i64::from(year), month, day) as i32))
    }

    /// Days since 1970-01-01.
    pub const fn days(self) -> i32 {
        self.0
    }

    /// (year, month 1–12, day 1–31).
    pub fn ymd(self) -> (i32, u32, u32) {
        let (y, m, d) = civil_from_days(i64::from(self.0));
        (y as i32, m, d)
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.ymd().0
    }

    /// The day of the week (1970-01-01 was a Thursday).
    pub fn weekday(self) -> Weekday {
        let i = (self.0 + 3).rem_euclid(7) as usize;
        Weekday::ALL.get(i).copied().unwrap_or(Weekday::Monday)
    }

    /// The date `n` days later (earlier when negative).
    pub const fn add_days(self, n: i32) -> Date {
        Date(self.0 + n)
    }

    /// 00:00 UTC of this date, in Unix milliseconds.
    pub const fn utc_midnight_ms(self) -> i64 {
        self.0 as i64 * 86_400_000
    }

    /// The UTC date of an instant.
    pub fn of_utc_ms(t_ms: i64) -> Date {
        Date(t_ms.div_euclid(86_400_000) as i32)
    }

    /// The `n`-th (1-based) `weekday` of a month, e.g. the third Monday of January.
    pub(crate) fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: i32) -> Option<Date> {
        let first = Date::from_ymd(year, month, 1)?;
        let shift = (weekday.index() - first.weekday().index()).rem_euclid(7);
        let date = first.add_days(shift + 7 * (n - 1));
        (date.ymd().1 == month).then_some(date)
    }

    /// The last `weekday` of a month, e.g. the last Monday of May.
    pub(crate) fn last_weekday(year: i32, month: u32, weekday: Weekday) -> Option<Date> {
        let last = Date::from_ymd(year, month, days_in_month(i64::from(year), month))?;
        let back = (last.weekday().index() - weekday.index()).rem_euclid(7);
        Some(last.add_days(-back))
    }

    /// Parses exactly `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = text.get(range)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        Date::from_ymd(num(0..4)? as i32, num(5..7)?, num(8..10)?)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_know_their_weekday() {
        let d = Date::from_ymd(2024, 3, 29).unwrap();
        assert_eq!(d.to_string(), "2024-03-29");
        assert_eq!(d.weekday(), Weekday::Friday);
        assert_eq!(Date::parse("2024-03-29"), Some(d));
        assert_eq!(Date::UNIX_EPOCH.weekday(), Weekday::Thursday);
        assert_eq!(Date::from_days(-1).to_string(), "1969-12-31");
        assert_eq!(Date::from_days(-1).weekday(), Weekday::Wednesday);
        assert_eq!(Date::of_utc_ms(d.utc_midnight_ms() + 86_399_999), d);
    }

    #[test]
    fn parse_is_strict() {
        for bad in [
            "2024-3-29",
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "24-03-29",
            "2024-03-29T00:00:00Z",
            "2024/03/29",
            "+024-03-29",
            "",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad:?}");
        }
        assert!(Date::parse("2024-02-29").is_some());
    }

    #[test]
    fn nth_and_last_weekdays() {
        let d = |y, m, d| Date::from_ymd(y, m, d).unwrap();
        assert_eq!(
            Date::nth_weekday(2024, 1, Weekday::Monday, 3),
            Some(d(2024, 1, 15))
        );
        assert_eq!(
            Date::nth_weekday(2024, 11, Weekday::Thursday, 4),
            Some(d(2024, 11, 28))
        );
        assert_eq!(Date::nth_weekday(2024, 2, Weekday::Friday, 5), None);
        assert_eq!(
            Date::last_weekday(2024, 5, Weekday::Monday),
            Some(d(2024, 5, 27))
        );
        assert_eq!(
            Date::last_weekday(2021, 5, Weekday::Monday),
            Some(d(2021, 5, 31))
        );
    }
}
