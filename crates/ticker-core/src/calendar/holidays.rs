//! NYSE full-day holidays and 13:00 early closes **by rule**, for every year 1970–2100.
//!
//! The rules, with the years they apply (NYSE Rule 7.2 for the current set; the exchange's
//! historical closings record, as transcribed by the `pandas_market_calendars` and
//! `exchange_calendars` projects, for the changes over the years):
//!
//! | holiday | rule |
//! | --- | --- |
//! | New Year's Day | Jan 1; Sunday → Monday; **Saturday → not observed** (the Friday before ends a year) |
//! | Martin Luther King Jr. Day | third Monday of January, from 1998 |
//! | Washington's Birthday | Feb 22 (Saturday → Friday, Sunday → Monday) in 1970; third Monday of February from 1971 (Uniform Monday Holiday Act) |
//! | Good Friday | two days before Easter Sunday (Gregorian computus), every year |
//! | Memorial Day | May 30 (Sunday → Monday; Saturday → not observed, as in 1970) in 1970; last Monday of May from 1971 |
//! | Juneteenth | June 19, from 2022; Saturday → Friday, Sunday → Monday |
//! | Independence Day | July 4; Saturday → Friday, Sunday → Monday |
//! | Labor Day | first Monday of September |
//! | Election Day | Tuesday after the first Monday of November, in the presidential years 1972, 1976, 1980 |
//! | Thanksgiving Day | fourth Thursday of November |
//! | Christmas Day | Dec 25; Saturday → Friday, Sunday → Monday |
//!
//! 13:00 early closes (after-hours then run 13:00–17:00):
//!
//! | early close | rule |
//! | --- | --- |
//! | before Independence Day | July 3 when it is a Monday, Tuesday or Thursday, from 1995; a Wednesday July 3 from 2013; in 1995–2012 the Friday July 5 after a Thursday holiday instead |
//! | day after Thanksgiving | from 1993 (1992 closed at 14:00, not modelled) |
//! | Christmas Eve | Dec 24 when it is Monday–Thursday, from 1993 (first case 1996; earlier 14:00 closes are not modelled) |
//!
//! One-off closures are **not** modelled (no rule predicts them): 1972-12-28 (Truman),
//! 1973-01-25 (Johnson), 1977-07-14 (New York blackout), 1985-09-27 (Hurricane Gloria),
//! 1994-04-27 (Nixon), 2001-09-11 … 09-14 (September 11), 2004-06-11 (Reagan), 2007-01-02
//! (Ford), 2012-10-29 … 10-30 (Hurricane Sandy), 2018-12-05 (G. H. W. Bush), 2025-01-09
//! (Carter); nor one-off early closes (1997-12-26, 2003-12-26), weather and backlog closes,
//! late opens, or the 14:00 closes of 1974–1975 and 1990–1992. Session *hours* are today's
//! for every year (the regular session ran 10:00–15:30 before 1974 and 10:00–16:00 until
//! 1985, and extended hours are recent): the calendar is today's exchange on the historical
//! dates, which is what a simulated feed needs.

use super::date::{Date, Weekday};

/// Easter Sunday of a Gregorian year (the anonymous Gregorian computus, Meeus/Jones/Butcher).
pub(crate) fn easter(year: i32) -> Option<Date> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::from_ymd(year, month as u32, day as u32)
}

/// Saturday → Friday, Sunday → Monday.
fn nearest_weekday(date: Date) -> Date {
    match date.weekday() {
        Weekday::Saturday => date.add_days(-1),
        Weekday::Sunday => date.add_days(1),
        _ => date,
    }
}

/// Sunday → Monday; a Saturday holiday is not observed.
fn sunday_to_monday(date: Date) -> Option<Date> {
    match date.weekday() {
        Weekday::Saturday => None,
        Weekday::Sunday => Some(date.add_days(1)),
        _ => Some(date),
    }
}

fn thanksgiving(year: i32) -> Option<Date> {
    Date::nth_weekday(year, 11, Weekday::Thursday, 4)
}

/// The weekdays of `year` on which the NYSE is closed, in date order, with their names.
pub fn nyse_holidays(year: i32) -> Vec<(Date, &'static str)> {
    let ymd = |m, d| Date::from_ymd(year, m, d);
    let after = |first: i32, date: Option<Date>| if year >= first { date } else { None };
    let candidates: [(Option<Date>, &'static str); 11] = [
        (ymd(1, 1).and_then(sunday_to_monday), "New Year's Day"),
        (
            after(1998, Date::nth_weekday(year, 1, Weekday::Monday, 3)),
            "Martin Luther King Jr. Day",
        ),
        (
            if year >= 1971 {
                Date::nth_weekday(year, 2, Weekday::Monday, 3)
            } else {
                ymd(2, 22).map(nearest_weekday)
            },
            "Washington's Birthday",
        ),
        (easter(year).map(|e| e.add_days(-2)), "Good Friday"),
        (
            if year >= 1971 {
                Date::last_weekday(year, 5, Weekday::Monday)
            } else {
                ymd(5, 30).and_then(sunday_to_monday)
            },
            "Memorial Day",
        ),
        (after(2022, ymd(6, 19).map(nearest_weekday)), "Juneteenth"),
        (ymd(7, 4).map(nearest_weekday), "Independence Day"),
        (Date::nth_weekday(year, 9, Weekday::Monday, 1), "Labor Day"),
        (
            if year <= 1980 && year % 4 == 0 {
                Date::nth_weekday(year, 11, Weekday::Monday, 1).map(|m| m.add_days(1))
            } else {
                None
            },
            "Election Day",
        ),
        (thanksgiving(year), "Thanksgiving Day"),
        (ymd(12, 25).map(nearest_weekday), "Christmas Day"),
    ];
    let mut out: Vec<(Date, &'static str)> = candidates
        .into_iter()
        .filter_map(|(date, name)| date.map(|d| (d, name)))
        .collect();
    out.sort_unstable_by_key(|(d, _)| *d);
    out
}

/// Why the NYSE closes at 13:00 on `date`, if it does (`date` is assumed to be a trading day).
pub fn nyse_early_close(date: Date) -> Option<&'static str> {
    let (year, month, day) = date.ymd();
    let weekday = date.weekday();
    let early = match (month, day) {
        (7, 3) if year >= 1995 => match weekday {
            Weekday::Monday | Weekday::Tuesday | Weekday::Thursday => true,
            Weekday::Wednesday => year >= 2013,
            _ => false,
        },
        (7, 5) => (1995..=2012).contains(&year) && weekday == Weekday::Friday,
        (11, _) => year >= 1993 && thanksgiving(year).map(|t| t.add_days(1)) == Some(date),
        (12, 24) => year >= 1993 && weekday.index() <= Weekday::Thursday.index(),
        _ => false,
    };
    early.then_some(match month {
        7 => "Independence Day",
        11 => "day after Thanksgiving",
        _ => "Christmas Eve",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn dates(year: i32) -> Vec<String> {
        nyse_holidays(year)
            .into_iter()
            .map(|(d, _)| d.to_string())
            .collect()
    }

    #[test]
    fn easter_matches_known_dates() {
        for (y, date) in [
            (1970, "1970-03-29"),
            (1981, "1981-04-19"),
            (2000, "2000-04-23"),
            (2008, "2008-03-23"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2038, "2038-04-25"),
            (2100, "2100-03-28"),
        ] {
            assert_eq!(easter(y), Some(d(date)), "{y}");
        }
    }

    #[test]
    fn holidays_2024_2026_and_2027_are_the_published_ones() {
        assert_eq!(
            dates(2024),
            [
                "2024-01-01",
                "2024-01-15",
                "2024-02-19",
                "2024-03-29",
                "2024-05-27",
                "2024-06-19",
                "2024-07-04",
                "2024-09-02",
                "2024-11-28",
                "2024-12-25"
            ]
        );
        assert_eq!(
            dates(2026),
            [
                "2026-01-01",
                "2026-01-19",
                "2026-02-16",
                "2026-04-03",
                "2026-05-25",
                "2026-06-19",
                "2026-07-03",
                "2026-09-07",
                "2026-11-26",
                "2026-12-25"
            ]
        );
        // Juneteenth on a Saturday, Independence Day on a Sunday, Christmas on a Saturday.
        assert_eq!(
            dates(2027),
            [
                "2027-01-01",
                "2027-01-18",
                "2027-02-15",
                "2027-03-26",
                "2027-05-31",
                "2027-06-18",
                "2027-07-05",
                "2027-09-06",
                "2027-11-25",
                "2027-12-24"
            ]
        );
    }

    #[test]
    fn early_closes_follow_their_rules_and_year_ranges() {
        for yes in [
            "2024-07-03",
            "2024-11-29",
            "2024-12-24",
            "2025-07-03",
            "2019-07-03",
            "2013-07-03",
            "2008-07-03",
            "2007-07-03",
            "2002-07-05",
            "1996-07-05",
            "1995-07-03",
            "1993-11-26",
            "1996-12-24",
        ] {
            assert!(nyse_early_close(d(yes)).is_some(), "{yes}");
        }
        for no in [
            "2024-07-02",
            "2002-07-03", // a Wednesday before 2013: the Friday after closed early instead
            "2019-07-05", // a Friday after a Thursday holiday since 2013: a full day
            "1992-11-27", // 14:00 close, not modelled
            "1992-12-24", // 14:00 close, not modelled
            "2021-12-24", // a Friday: the observed Christmas holiday
            "2026-07-02", // Thursday before the Friday holiday: a full day
            "1994-07-01",
        ] {
            assert_eq!(nyse_early_close(d(no)), None, "{no}");
        }
    }
}
