//! The calendar's tests: [`known_dates`] against published NYSE schedules, the exchange's
//! historical closings and the 2025–2026 daylight-saving switches; [`properties`] exhaustively
//! over 1970–2100 (weekdays only, no holiday open, phases tiling each day, additive weights
//! with a long-run mean of 1 per ms, zero while closed). Shared helpers live here.

use jiff::civil;

use super::us_equity::NEW_YORK;
use super::*;

mod known_dates;
mod properties;

const MIN: i64 = 60_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 86_400_000;

fn d(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn us() -> Calendar {
    Calendar::new(CalendarKind::UsEquity, 86_400_000, 0)
}

fn table() -> &'static UsEquity {
    UsEquity::get()
}

/// jiff's own conversion of a New York wall time, independent of the table's arithmetic.
fn ny(date: &str, h: i8, m: i8) -> i64 {
    let (y, mo, da) = d(date).ymd();
    let dt = civil::date(y as i16, mo as i8, da as i8).at(h, m, 0, 0);
    NEW_YORK
        .to_ambiguous_timestamp(dt)
        .compatible()
        .unwrap()
        .as_millisecond()
}

fn utc(text: &str) -> i64 {
    crate::time::parse_rfc3339(text).unwrap()
}

/// Deterministic pseudo-random numbers (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: i64) -> i64 {
        (self.next() % n as u64) as i64
    }
}

fn all_days() -> impl Iterator<Item = TradingDay> {
    (0..table().len()).map(|k| table().day(k).unwrap())
}
