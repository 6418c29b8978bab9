//! The calendar against published schedules and the exchange's record.

use super::*;

#[test]
fn good_friday_2024_is_closed_and_the_next_open_is_monday() {
    let cal = us();
    let t = ny("2024-03-29", 11, 0);
    assert_eq!(cal.phase_at(t), Phase::Closed);
    assert_eq!(cal.trading_day_at(t), None);
    assert_eq!(cal.next_open(t), Some(utc("2024-04-01T13:30:00Z")));
    assert_eq!(cal.next_close(t), Some(utc("2024-04-01T20:00:00Z")));
    let thursday = ny("2024-03-28", 15, 0);
    assert_eq!(cal.phase_at(thursday), Phase::Regular);
    assert_eq!(cal.next_close(thursday), Some(utc("2024-03-28T20:00:00Z")));
    assert_eq!(cal.next_open(thursday), Some(utc("2024-04-01T13:30:00Z")));
    assert_eq!(
        cal.holidays(d("2024-03-25"), d("2024-04-05")),
        [(d("2024-03-29"), "Good Friday")]
    );
}

#[test]
fn early_closes_of_2024_end_at_13_00_with_after_hours_to_17_00() {
    for (date, close_utc, post_utc) in [
        ("2024-07-03", "2024-07-03T17:00:00Z", "2024-07-03T21:00:00Z"),
        ("2024-11-29", "2024-11-29T18:00:00Z", "2024-11-29T22:00:00Z"),
        ("2024-12-24", "2024-12-24T18:00:00Z", "2024-12-24T22:00:00Z"),
    ] {
        let day = table().trading_day(d(date)).unwrap();
        assert!(day.early_close, "{date}");
        assert_eq!(day.close_ms, utc(close_utc), "{date}");
        assert_eq!(day.post_close_ms, utc(post_utc), "{date}");
        assert_eq!(us().phase_at(day.close_ms - 1), Phase::Regular);
        assert_eq!(us().phase_at(day.close_ms), Phase::Post);
        assert_eq!(us().phase_at(day.post_close_ms), Phase::Closed);
    }
    assert!(!table().trading_day(d("2024-07-02")).unwrap().early_close);
}

#[test]
fn dst_switch_days_of_2025_and_2026_move_the_sessions_by_an_hour_in_utc() {
    // (the Friday before the switch, the Monday after), in UTC.
    for (friday, monday, friday_open, monday_open) in [
        (
            "2025-03-07",
            "2025-03-10",
            "2025-03-07T14:30:00Z",
            "2025-03-10T13:30:00Z",
        ),
        (
            "2025-10-31",
            "2025-11-03",
            "2025-10-31T13:30:00Z",
            "2025-11-03T14:30:00Z",
        ),
        (
            "2026-03-06",
            "2026-03-09",
            "2026-03-06T14:30:00Z",
            "2026-03-09T13:30:00Z",
        ),
        (
            "2026-10-30",
            "2026-11-02",
            "2026-10-30T13:30:00Z",
            "2026-11-02T14:30:00Z",
        ),
    ] {
        let f = table().trading_day(d(friday)).unwrap();
        let m = table().trading_day(d(monday)).unwrap();
        assert_eq!(f.open_ms, utc(friday_open), "{friday}");
        assert_eq!(m.open_ms, utc(monday_open), "{monday}");
        for day in [f, m] {
            assert_eq!(day.pre_open_ms, day.open_ms - 5 * HOUR - 30 * MIN);
            assert_eq!(day.close_ms, day.open_ms + 6 * HOUR + 30 * MIN);
            assert_eq!(day.post_close_ms, day.close_ms + 4 * HOUR);
        }
    }
    // The switch Sundays themselves are closed; the weekend carries no activity.
    for sunday in ["2025-03-09", "2025-11-02", "2026-03-08", "2026-11-01"] {
        assert_eq!(table().trading_day(d(sunday)), None);
        let friday = table().trading_day(d(sunday).add_days(-2)).unwrap();
        let monday = table().trading_day(d(sunday).add_days(1)).unwrap();
        let weekend = (friday.post_close_ms, monday.pre_open_ms);
        assert_eq!(us().activity().variance_weight(weekend.0, weekend.1), 0.0);
        assert!(us().activity().variance_weight(weekend.0 - 1, weekend.1) > 0.0);
    }
}

#[test]
fn historical_holidays_match_the_exchange_record_except_one_off_closures() {
    // Weekday closures per year from the NYSE's closings record; `*` marks one-off closures
    // the rules do not predict (documented in holidays.rs).
    let record: [(i32, &[&str]); 12] = [
        (
            1970,
            &[
                "01-01", "02-23", "03-27", "07-03", "09-07", "11-26", "12-25",
            ],
        ),
        (
            1972,
            &[
                "02-21", "03-31", "05-29", "07-04", "09-04", "11-07", "11-23", "12-25", "*12-28",
            ],
        ),
        (
            1976,
            &[
                "01-01", "02-16", "04-16", "05-31", "07-05", "09-06", "11-02", "11-25", "12-24",
            ],
        ),
        (
            1977,
            &[
                "02-21", "04-08", "05-30", "07-04", "*07-14", "09-05", "11-24", "12-26",
            ],
        ),
        (
            1980,
            &[
                "01-01", "02-18", "04-04", "05-26", "07-04", "09-01", "11-04", "11-27", "12-25",
            ],
        ),
        (
            1985,
            &[
                "01-01", "02-18", "04-05", "05-27", "07-04", "09-02", "*09-27", "11-28", "12-25",
            ],
        ),
        (
            1998,
            &[
                "01-01", "01-19", "02-16", "04-10", "05-25", "07-03", "09-07", "11-26", "12-25",
            ],
        ),
        (
            2001,
            &[
                "01-01", "01-15", "02-19", "04-13", "05-28", "07-04", "09-03", "*09-11", "*09-12",
                "*09-13", "*09-14", "11-22", "12-25",
            ],
        ),
        (
            2004,
            &[
                "01-01", "01-19", "02-16", "04-09", "05-31", "*06-11", "07-05", "09-06", "11-25",
                "12-24",
            ],
        ),
        (
            2012,
            &[
                "01-02", "01-16", "02-20", "04-06", "05-28", "07-04", "09-03", "*10-29", "*10-30",
                "11-22", "12-25",
            ],
        ),
        (
            2021,
            &[
                "01-01", "01-18", "02-15", "04-02", "05-31", "07-05", "09-06", "11-25", "12-24",
            ],
        ),
        (
            2022,
            &[
                "01-17", "02-21", "04-15", "05-30", "06-20", "07-04", "09-05", "11-24", "12-26",
            ],
        ),
    ];
    for (year, closed) in record {
        let expected: Vec<String> = closed
            .iter()
            .filter(|c| !c.starts_with('*'))
            .map(|c| format!("{year}-{c}"))
            .collect();
        let got: Vec<String> = nyse_holidays(year)
            .into_iter()
            .filter(|(d, _)| !d.weekday().is_weekend())
            .map(|(d, _)| d.to_string())
            .collect();
        assert_eq!(got, expected, "{year}");
        for c in closed.iter().filter(|c| c.starts_with('*')) {
            let date = d(&format!("{year}-{}", &c[1..]));
            assert!(
                table().trading_day(date).is_some(),
                "{date} is a documented one-off"
            );
        }
    }
}

#[test]
fn trading_day_counts_of_recent_years_are_the_published_ones() {
    for (year, count) in [(2022, 251), (2023, 250), (2024, 252)] {
        let n = us()
            .days(
                Date::from_ymd(year, 1, 1).unwrap(),
                Date::from_ymd(year, 12, 31).unwrap(),
            )
            .count();
        assert_eq!(n, count, "{year}");
    }
}

#[test]
fn days_in_a_range_are_the_trading_days_with_those_dates() {
    let got: Vec<String> = us()
        .days(d("2024-03-27"), d("2024-04-02"))
        .map(|day| day.date.to_string())
        .collect();
    assert_eq!(
        got,
        ["2024-03-27", "2024-03-28", "2024-04-01", "2024-04-02"]
    );
    assert_eq!(us().days(d("2024-03-29"), d("2024-03-31")).count(), 0);
    assert_eq!(us().days(d("2024-04-02"), d("2024-04-01")).count(), 0);
    assert_eq!(us().days(d("2100-12-31"), d("2101-01-05")).count(), 1);
    assert_eq!(us().days(d("1960-01-01"), d("1970-01-02")).count(), 1);
}

#[test]
fn the_always_calendar_is_one_uniform_session_per_schedule_session() {
    let cal = Calendar::new(CalendarKind::Always, DAY as u64, 0);
    let t = utc("2024-03-29T15:00:00Z");
    assert_eq!(cal.phase_at(t), Phase::Regular);
    let day = cal.trading_day_at(t).unwrap();
    assert_eq!(day.date, d("2024-03-29"));
    assert_eq!(
        (day.open_ms, day.close_ms),
        (utc("2024-03-29T00:00:00Z"), utc("2024-03-30T00:00:00Z"))
    );
    assert_eq!((cal.next_open(t), cal.next_close(t)), (None, None));
    assert_eq!(cal.days(d("2024-03-29"), d("2024-03-31")).count(), 3);
    assert_eq!(cal.activity().variance_weight(10, 1010), 1000.0);
    assert!(cal.holidays(d("2024-01-01"), d("2024-12-31")).is_empty());
    // A 13:30 UTC session offset: a session belongs to the date it starts on.
    let offset = Calendar::new(CalendarKind::Always, DAY as u64, 13 * HOUR + 30 * MIN);
    let day = offset.trading_day_at(t).unwrap();
    assert_eq!(day.open_ms, utc("2024-03-29T13:30:00Z"));
    let dates: Vec<String> = offset
        .days(d("2024-03-29"), d("2024-03-30"))
        .map(|day| day.date.to_string())
        .collect();
    assert_eq!(dates, ["2024-03-29", "2024-03-30"]);
}

#[test]
fn markets_expose_each_symbols_calendar() {
    let mut config = crate::MarketConfig::default();
    config.symbols[1].calendar = CalendarKind::UsEquity;
    let market = Market::new(config).unwrap();
    assert_eq!(market.calendar(SymbolId(0)).kind(), CalendarKind::Always);
    assert_eq!(market.calendar(SymbolId(1)).kind(), CalendarKind::UsEquity);
}
