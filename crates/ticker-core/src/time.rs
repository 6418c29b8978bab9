//! Wall-clock timestamps: Unix milliseconds, parsed from and formatted as RFC 3339 in UTC.
//!
//! The civil-date arithmetic is Howard Hinnant's `days_from_civil` / `civil_from_days`, exact
//! for the proleptic Gregorian calendar; it is small enough that a date crate would not pay
//! for itself.

use std::fmt::Write as _;

/// The earliest timestamp accepted anywhere: 1970-01-01T00:00:00Z.
pub const MIN_TIME_MS: i64 = 0;
/// The latest timestamp accepted anywhere: 9999-12-31T23:59:59.999Z.
pub const MAX_TIME_MS: i64 = 253_402_300_799_999;

const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

pub(crate) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats Unix milliseconds as RFC 3339 UTC, with milliseconds only when they are non-zero.
pub fn format_rfc3339(ms: i64) -> String {
    let mut out = String::with_capacity(24);
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    // Writing to a String cannot fail.
    let _ = write!(out, "{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}");
    if milli != 0 {
        let _ = write!(out, ".{milli:03}");
    }
    out.push('Z');
    out
}

/// A small cursor over ASCII input for the parser below.
struct Scan<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Scan<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let part = self.bytes.get(self.pos..self.pos + n)?;
        let mut v = 0u32;
        for &b in part {
            if !b.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(b - b'0');
        }
        self.pos += n;
        Some(v)
    }

    fn eat(&mut self, accept: &[u8]) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        if accept.contains(&b) {
            self.pos += 1;
            Some(b)
        } else {
            None
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn done(&self) -> bool {
        self.pos == self.bytes.len()
    }
}

/// Parses an RFC 3339 timestamp (`2024-01-02T03:04:05.678Z`, `…+02:00`, a space instead of
/// `T`) or a bare date (`2024-01-02`, midnight UTC) into Unix milliseconds. Fractions finer
/// than a millisecond are truncated. Returns `None` for anything else.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let mut sc = Scan {
        bytes: s.as_bytes(),
        pos: 0,
    };
    let y = i64::from(sc.digits(4)?);
    sc.eat(b"-")?;
    let m = sc.digits(2)?;
    sc.eat(b"-")?;
    let d = sc.digits(2)?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let day_ms = days_from_civil(y, m, d) * MS_PER_DAY;
    if sc.done() {
        return Some(day_ms);
    }
    sc.eat(b"Tt ")?;
    let h = sc.digits(2)?;
    sc.eat(b":")?;
    let min = sc.digits(2)?;
    sc.eat(b":")?;
    let sec = sc.digits(2)?;
    // 60 is a leap second; it is folded into the next minute's first second.
    if h > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut frac_ms = 0i64;
    if sc.eat(b".").is_some() {
        let mut count = 0;
        while let Some(b) = sc.peek().filter(u8::is_ascii_digit) {
            if count < 3 {
                frac_ms = frac_ms * 10 + i64::from(b - b'0');
            }
            count += 1;
            sc.pos += 1;
        }
        if count == 0 {
            return None;
        }
        for _ in count..3 {
            frac_ms *= 10;
        }
    }
    let offset_ms = match sc.eat(b"Zz+-")? {
        b'Z' | b'z' => 0,
        sign => {
            let oh = sc.digits(2)?;
            sc.eat(b":")?;
            let om = sc.digits(2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let off = i64::from(oh * 60 + om) * 60_000;
            if sign == b'-' {
                -off
            } else {
                off
            }
        }
    };
    if !sc.done() {
        return None;
    }
    let time_ms = i64::from(h) * 3_600_000 + i64::from(min) * 60_000 + i64::from(sec) * 1000;
    Some(day_ms + time_ms + frac_ms - offset_ms)
}

/// Parses a timestamp given either as Unix milliseconds (`1704067200000`) or as RFC 3339, and
/// checks that it lies between 1970 and the year 9999.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let ms = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse::<i64>().ok()?
    } else {
        parse_rfc3339(s)?
    };
    (MIN_TIME_MS..=MAX_TIME_MS).contains(&ms).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_variants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2024-01-01T00:00:00Z"),
            Some(1_704_067_200_000)
        );
        assert_eq!(parse_rfc3339("2024-01-01"), Some(1_704_067_200_000));
        assert_eq!(
            parse_rfc3339("2024-01-01T01:00:00.5+01:00"),
            Some(1_704_067_200_500)
        );
        assert_eq!(
            parse_rfc3339("2024-02-29 12:34:56.789123z"),
            Some(1_709_210_096_789)
        );
        assert_eq!(
            parse_rfc3339("2023-12-31T19:00:00-05:00"),
            Some(1_704_067_200_000)
        );
    }

    #[test]
    fn rejects_malformed_timestamps() {
        for bad in [
            "",
            "2024",
            "2024-13-01",
            "2023-02-29",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00Zjunk",
            "２０２４-01-01",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_and_round_trips() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_rfc3339(1_704_067_200_123),
            "2024-01-01T00:00:00.123Z"
        );
        for ms in [0, 951_782_400_000, 1_709_210_096_789, MAX_TIME_MS] {
            assert_eq!(parse_rfc3339(&format_rfc3339(ms)), Some(ms));
        }
    }

    #[test]
    fn parse_time_accepts_millis_and_bounds_the_range() {
        assert_eq!(parse_time("1704067200000"), Some(1_704_067_200_000));
        assert_eq!(parse_time("2024-01-01T00:00:00Z"), Some(1_704_067_200_000));
        assert_eq!(parse_time("99999999999999999999"), None);
        assert_eq!(parse_time("-5"), None);
        assert_eq!(parse_time("1969-12-31T23:59:59Z"), None);
    }

    #[test]
    fn civil_conversion_is_exact_over_centuries() {
        for days in (-800_000..3_000_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
