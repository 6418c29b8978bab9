//! Exhaustive properties of the `us-equity` calendar over 1970–2100, and of its activity.

use super::*;

#[test]
fn every_session_matches_jiffs_conversion_and_lies_on_a_weekday_that_is_no_holiday() {
    let mut previous_post = i64::MIN;
    let mut previous_date = Date::from_days(-1);
    for day in all_days() {
        let date = day.date.to_string();
        assert!(!day.date.weekday().is_weekend(), "{date}");
        assert!(
            !nyse_holidays(day.date.year())
                .iter()
                .any(|(h, _)| *h == day.date),
            "{date} is a holiday"
        );
        assert_eq!(
            day.early_close,
            nyse_early_close(day.date).is_some(),
            "{date}"
        );
        let close_hour = if day.early_close { 13 } else { 16 };
        assert_eq!(day.pre_open_ms, ny(&date, 4, 0), "{date}");
        assert_eq!(day.open_ms, ny(&date, 9, 30), "{date}");
        assert_eq!(day.close_ms, ny(&date, close_hour, 0), "{date}");
        assert_eq!(day.post_close_ms, ny(&date, close_hour + 4, 0), "{date}");
        assert!(
            day.date > previous_date && day.pre_open_ms > previous_post,
            "{date}"
        );
        (previous_date, previous_post) = (day.date, day.post_close_ms);
    }
    let first = table().day(0).unwrap();
    assert_eq!(first.date, d("1970-01-02"));
    let last = table().day(table().len() - 1).unwrap();
    assert_eq!(last.date, d("2100-12-31"));
    // Every weekday that is not a holiday is a trading day.
    let weekdays = (0..=d("2100-12-31").days())
        .map(Date::from_days)
        .filter(|d| !d.weekday().is_weekend())
        .count();
    let holidays = (FIRST_YEAR..=LAST_YEAR)
        .flat_map(nyse_holidays)
        .filter(|(d, _)| !d.weekday().is_weekend())
        .count();
    assert_eq!(table().len(), weekdays - holidays);
}

#[test]
fn phases_tile_each_day_and_queries_agree_at_every_boundary() {
    let cal = us();
    let mut previous_post = 0;
    for day in all_days() {
        let expect = [
            (day.pre_open_ms - 1, Phase::Closed),
            (day.pre_open_ms, Phase::Pre),
            (day.open_ms - 1, Phase::Pre),
            (day.open_ms, Phase::Regular),
            (day.close_ms - 1, Phase::Regular),
            (day.close_ms, Phase::Post),
            (day.post_close_ms - 1, Phase::Post),
            (day.post_close_ms, Phase::Closed),
            ((previous_post + day.pre_open_ms) / 2, Phase::Closed),
        ];
        for (t, phase) in expect {
            assert_eq!(cal.phase_at(t), phase, "{} at {t}", day.date);
            let inside = phase != Phase::Closed;
            assert_eq!(
                cal.trading_day_at(t).is_some(),
                inside,
                "{} at {t}",
                day.date
            );
            if inside {
                assert_eq!(cal.trading_day_at(t), Some(day));
            }
        }
        assert_eq!(cal.next_open(day.pre_open_ms), Some(day.open_ms));
        assert_eq!(cal.next_close(day.open_ms), Some(day.close_ms));
        assert_eq!(cal.next_close(day.pre_open_ms - 1), Some(day.close_ms));
        assert_eq!(cal.next_open(previous_post), Some(day.open_ms));
        assert_eq!(cal.local_date(day.open_ms), day.date);
        previous_post = day.post_close_ms;
    }
    let end = previous_post;
    assert_eq!(cal.phase_at(end + 365 * DAY), Phase::Closed);
    assert_eq!(cal.next_open(end), None);
    assert_eq!(cal.phase_at(0), Phase::Closed);
}

#[test]
fn variance_and_volume_weights_are_exactly_additive_across_every_kind_of_boundary() {
    let t = table();
    let mut rng = Rng(7);
    let day_count = t.len() as i64;
    for i in 0..200_000 {
        // Points near session boundaries of random days (or anywhere), in any order.
        let point = |rng: &mut Rng| {
            let day = t.day(rng.below(day_count) as usize).unwrap();
            let anchors = [
                day.pre_open_ms,
                day.open_ms,
                day.close_ms,
                day.close_ms - 1,
                day.post_close_ms,
                day.date.utc_midnight_ms(),
            ];
            let anchor = anchors[rng.below(anchors.len() as i64) as usize];
            match rng.below(3) {
                0 => anchor + rng.below(5) - 2,
                1 => anchor + rng.below(4 * HOUR) - 2 * HOUR,
                _ => anchor + rng.below(40 * DAY) - 20 * DAY,
            }
        };
        let mut p = [point(&mut rng), point(&mut rng), point(&mut rng)];
        p.sort_unstable();
        let [a, b, c] = p;
        assert_eq!(
            t.variance_units(a, c),
            t.variance_units(a, b) + t.variance_units(b, c),
            "case {i}: {a} {b} {c}"
        );
        assert_eq!(
            t.volume_units(a, c),
            t.volume_units(a, b) + t.volume_units(b, c)
        );
        let act = us().activity();
        let (ab, bc, ac) = (
            act.variance_weight(a, b),
            act.variance_weight(b, c),
            act.variance_weight(a, c),
        );
        assert!((ab + bc - ac).abs() <= 1e-9 * ac.max(1.0), "case {i}");
        assert!(ab >= 0.0 && bc >= 0.0);
    }
}

#[test]
fn weights_average_one_per_ms_over_the_calendar_and_about_one_per_year() {
    let act = us().activity();
    let end = d("2101-01-01").utc_midnight_ms() + 4 * HOUR;
    for w in [act.variance_weight(0, end), act.volume_weight(0, end)] {
        assert!((w / end as f64 - 1.0).abs() < 1e-12, "{w} vs {end}");
    }
    for year in FIRST_YEAR..LAST_YEAR {
        let from = Date::from_ymd(year, 1, 1).unwrap().utc_midnight_ms();
        let to = Date::from_ymd(year + 1, 1, 1).unwrap().utc_midnight_ms();
        let mean = act.variance_weight(from, to) / (to - from) as f64;
        assert!((mean - 1.0).abs() < 0.025, "{year}: {mean}");
    }
    // Nothing outside the table.
    assert_eq!(act.variance_weight(end, end + 400 * DAY), 0.0);
    assert_eq!(act.volume_weight(-DAY, utc("1970-01-02T09:00:00Z")), 0.0);
}

#[test]
fn weights_are_zero_while_closed_and_the_open_gap_counts_once() {
    let act = us().activity();
    let mut previous_post = 0;
    for day in all_days() {
        assert_eq!(
            act.variance_weight(previous_post, day.pre_open_ms),
            0.0,
            "{}",
            day.date
        );
        assert_eq!(
            act.volume_weight(previous_post, day.pre_open_ms),
            0.0,
            "{}",
            day.date
        );
        // The gap is in the span that starts at the open, not the one that ends there.
        let before = act.variance_weight(day.open_ms - 1, day.open_ms);
        let at = act.variance_weight(day.open_ms, day.open_ms + 1);
        assert!(at > 1e5 * before, "{}: {at} vs {before}", day.date);
        let whole = act.variance_weight(day.pre_open_ms, day.post_close_ms);
        let parts = act.variance_weight(day.pre_open_ms, day.open_ms)
            + act.variance_weight(day.open_ms, day.close_ms)
            + act.variance_weight(day.close_ms, day.post_close_ms);
        assert!((whole - parts).abs() < 1e-6 * whole);
        if !day.early_close {
            assert!(
                (at / whole - 0.14).abs() < 0.001,
                "{}: gap share {}",
                day.date,
                at / whole
            );
        }
        previous_post = day.post_close_ms;
    }
    // A holiday and a weekend: nothing.
    let good_friday = d("2024-03-29").utc_midnight_ms();
    assert_eq!(act.variance_weight(good_friday, good_friday + 3 * DAY), 0.0);
}

#[test]
fn spread_is_widest_in_thin_periods() {
    let cal = us();
    let day = table().trading_day(d("2024-06-12")).unwrap();
    let at = |t| cal.spread_factor(t);
    assert_eq!(at(day.pre_open_ms + HOUR), 4.0);
    assert!((at(day.open_ms) - 3.0).abs() < 1e-12);
    assert!(at(day.open_ms + 3 * HOUR) < 1.001);
    assert_eq!(at(day.close_ms), 3.0);
    assert_eq!(at(day.post_close_ms + HOUR), 4.0);
    for t in (day.pre_open_ms - HOUR..day.post_close_ms + HOUR).step_by(61_000) {
        assert!(at(t) >= 1.0);
    }
    assert_eq!(
        Calendar::new(CalendarKind::Always, DAY as u64, 0).spread_factor(5),
        1.0
    );
}

#[test]
fn trading_ticks_count_and_rank_the_ticks_inside_sessions() {
    // A 7-second interval from an epoch that is not minute-aligned: ticks straddle every
    // boundary at odd offsets.
    let schedule = crate::Schedule::new(utc("2024-03-20T10:00:03.5Z"), 7_000, DAY as u64, 0);
    let ticks = TradingTicks::new(us(), &schedule);
    let cal = us();
    let from = schedule.tick_at(utc("2024-03-26T00:00:00Z")).0;
    let to = schedule.tick_at(utc("2024-04-03T00:00:00Z")).0;
    let mut count = ticks.count_before(schedule.time_of(crate::Seq(from)));
    for n in from..to {
        let seq = crate::Seq(n);
        let trading = cal.phase_at(schedule.time_of(seq)).is_trading();
        assert_eq!(ticks.is_trading(seq), trading, "tick {n}");
        if trading {
            assert_eq!(ticks.nth(count), Some(seq), "tick {n}");
            count += 1;
        }
        assert_eq!(
            ticks.count_before(schedule.time_of(seq) + 1),
            count,
            "tick {n}"
        );
    }
    // Before the epoch nothing counts; the first trading tick is the epoch's pre-market one.
    assert_eq!(ticks.count_before(utc("2024-03-01T00:00:00Z")), 0);
    assert_eq!(ticks.nth(0), Some(crate::Seq(0)));
    assert_eq!(ticks.nth(u64::MAX), None);
    // 24/7: every tick trades.
    let always = TradingTicks::new(
        Calendar::new(CalendarKind::Always, DAY as u64, 0),
        &schedule,
    );
    assert_eq!(always.nth(12_345), Some(crate::Seq(12_345)));
    assert_eq!(
        always.count_before(schedule.time_of(crate::Seq(99)) + 1),
        100
    );
}
