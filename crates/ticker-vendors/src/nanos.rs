//! Vendor timestamps: nanoseconds since the Unix epoch, written the ways vendors write them.
//!
//! Shared by every vendor module (a small helper of the Alpaca/Polygon gateways, usable by the
//! others): [`Nanos`] is one instant; it prints as RFC 3339 with Go's `RFC3339Nano` trimming
//! (`2021-02-22T15:51:45.335689322Z`, `2021-02-22T19:15:00Z`: Alpaca's servers are written in
//! Go), serialises as that string in JSON and as a MessagePack timestamp extension (type −1)
//! in MessagePack, and parses the forms clients send in query strings ([`parse_instant`]).
//! Calendar days are US-equity days: a bare date means midnight in America/New_York, as the
//! vendors' daily bars do.

use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::ser::SerializeTuple;
use serde::{Serialize, Serializer};

/// The US equity market's time zone: daily bars start at its midnight.
pub static NEW_YORK: TimeZone = jiff::tz::get!("America/New_York");

const NANOS_PER_SEC: i64 = 1_000_000_000;
const NANOS_PER_MS: i64 = 1_000_000;

/// An instant, in nanoseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Nanos(pub i64);

impl Nanos {
    /// The instant `ms` Unix milliseconds.
    pub const fn from_ms(ms: i64) -> Self {
        Self(ms.saturating_mul(NANOS_PER_MS))
    }

    /// Unix milliseconds, rounded down.
    pub const fn as_ms(self) -> i64 {
        self.0.div_euclid(NANOS_PER_MS)
    }

    /// Whole seconds and the nanoseconds past them (`0 ≤ nanos < 10⁹`).
    pub const fn secs_nanos(self) -> (i64, u32) {
        (
            self.0.div_euclid(NANOS_PER_SEC),
            self.0.rem_euclid(NANOS_PER_SEC) as u32,
        )
    }

    fn timestamp(self) -> Timestamp {
        // Every i64 of nanoseconds (years 1677–2262) is inside jiff's range.
        Timestamp::from_nanosecond(i128::from(self.0)).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// Midnight in New York of the day that contains this instant there.
    pub fn ny_midnight(self) -> Self {
        let day = NEW_YORK.to_datetime(self.timestamp()).date();
        day_start(day).unwrap_or(self)
    }

    /// The MessagePack timestamp extension payload (type −1): the 32-, 64- or 96-bit form,
    /// whichever is the smallest that holds the instant (the MessagePack spec's rule).
    pub fn msgpack_ext(self) -> ([u8; 12], usize) {
        let (secs, nanos) = self.secs_nanos();
        let mut out = [0u8; 12];
        if secs >> 34 == 0 {
            let packed = (u64::from(nanos) << 34) | secs as u64;
            if packed >> 32 == 0 {
                out[..4].copy_from_slice(&(packed as u32).to_be_bytes());
                return (out, 4);
            }
            out[..8].copy_from_slice(&packed.to_be_bytes());
            return (out, 8);
        }
        out[..4].copy_from_slice(&nanos.to_be_bytes());
        out[4..].copy_from_slice(&secs.to_be_bytes());
        (out, 12)
    }
}

impl fmt::Display for Nanos {
    /// RFC 3339 in UTC, fraction trimmed of trailing zeros (none when whole seconds).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.timestamp(), f)
    }
}

impl Serialize for Nanos {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return s.collect_str(self);
        }
        let (bytes, len) = self.msgpack_ext();
        let payload = bytes.get(..len).unwrap_or_default();
        s.serialize_newtype_struct(rmp_serde::MSGPACK_EXT_STRUCT_NAME, &Ext(-1, Bin(payload)))
    }
}

/// A MessagePack extension as rmp-serde's `_ExtStruct` hook wants it: `(type, bytes)`.
struct Ext<'a>(i8, Bin<'a>);

impl Serialize for Ext<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&self.0)?;
        t.serialize_element(&self.1)?;
        t.end()
    }
}

struct Bin<'a>(&'a [u8]);

impl Serialize for Bin<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// Which end of a day a bare date stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayEdge {
    /// Its first nanosecond (a range's start).
    Start,
    /// Its last nanosecond (a range's inclusive end).
    End,
}

/// Midnight in New York at the start of `day`.
pub fn day_start(day: Date) -> Option<Nanos> {
    let t = NEW_YORK
        .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
        .ok()?;
    i64::try_from(t.as_nanosecond()).ok().map(Nanos)
}

/// Parses an instant from a query string: RFC 3339 with any offset and up to nanoseconds
/// (`2024-01-02T15:04:05.123456789Z`, `2024-01-02T10:04:05+00:00`), or a bare date
/// (`2024-01-02`), which is that New York day's start or last nanosecond per `edge`.
pub fn parse_instant(s: &str, edge: DayEdge) -> Option<Nanos> {
    let s = s.trim();
    if s.len() == 10 {
        let day: Date = s.parse().ok()?;
        return match edge {
            DayEdge::Start => day_start(day),
            DayEdge::End => day_start(day.tomorrow().ok()?).map(|n| Nanos(n.0 - 1)),
        };
    }
    let t: Timestamp = s.parse().ok()?;
    i64::try_from(t.as_nanosecond()).ok().map(Nanos)
}

/// The New York calendar date of an instant, as `YYYY-MM-DD`.
pub fn ny_date(t: Nanos) -> Date {
    NEW_YORK.to_datetime(t.timestamp()).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go_rfc3339nano() {
        let t = parse_instant("2021-02-22T15:51:45.335689322Z", DayEdge::Start).unwrap();
        assert_eq!(t.to_string(), "2021-02-22T15:51:45.335689322Z");
        let t = parse_instant("2021-02-22T15:51:45.3355677Z", DayEdge::Start).unwrap();
        assert_eq!(t.to_string(), "2021-02-22T15:51:45.3355677Z");
        assert_eq!(
            Nanos::from_ms(1_614_021_300_000).to_string(),
            "2021-02-22T19:15:00Z"
        );
        assert_eq!(Nanos(1).to_string(), "1970-01-01T00:00:00.000000001Z");
    }

    #[test]
    fn parses_offsets_and_new_york_dates() {
        let a = parse_instant("2024-01-02T10:00:00+00:00", DayEdge::Start).unwrap();
        let b = parse_instant("2024-01-02T05:00:00-05:00", DayEdge::Start).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_ms(), 1_704_189_600_000);
        // Winter: EST (UTC−5); summer: EDT (UTC−4).
        let winter = parse_instant("2024-01-02", DayEdge::Start).unwrap();
        assert_eq!(winter.to_string(), "2024-01-02T05:00:00Z");
        let summer = parse_instant("2024-07-02", DayEdge::Start).unwrap();
        assert_eq!(summer.to_string(), "2024-07-02T04:00:00Z");
        let end = parse_instant("2024-07-02", DayEdge::End).unwrap();
        assert_eq!(end.to_string(), "2024-07-03T03:59:59.999999999Z");
        assert_eq!(summer.ny_midnight(), summer);
        assert_eq!(end.ny_midnight(), summer);
        for bad in [
            "",
            "2024-13-01",
            "yesterday",
            "2024-01-02T25:00:00Z",
            "1700000000000",
        ] {
            assert_eq!(parse_instant(bad, DayEdge::Start), None, "{bad:?}");
        }
    }

    #[test]
    fn msgpack_timestamps_use_the_smallest_form() {
        // 32-bit: whole seconds that fit in u32.
        let (b, n) = Nanos::from_ms(1_000).msgpack_ext();
        assert_eq!(&b[..n], &[0, 0, 0, 1]);
        // 64-bit: nanoseconds in the top 30 bits, seconds in the low 34.
        let (b, n) = Nanos(1_500_000_001).msgpack_ext();
        let packed = u64::from_be_bytes(b[..8].try_into().unwrap());
        assert_eq!(
            (n, packed >> 34, packed & ((1 << 34) - 1)),
            (8, 500_000_001, 1)
        );
        // 96-bit: before the epoch.
        let (b, n) = Nanos(-1).msgpack_ext();
        assert_eq!(n, 12);
        assert_eq!(u32::from_be_bytes(b[..4].try_into().unwrap()), 999_999_999);
        assert_eq!(i64::from_be_bytes(b[4..].try_into().unwrap()), -1);
    }

    #[test]
    fn serialises_as_string_in_json_and_ext_in_msgpack() {
        let t = Nanos(1_614_008_705_335_689_322);
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2021-02-22T15:45:05.335689322Z\""
        );
        let bytes = rmp_serde::to_vec(&t).unwrap();
        // fixext 8 (0xd7), type −1 (0xff), then the 64-bit form.
        assert_eq!(&bytes[..2], &[0xd7, 0xff]);
        assert_eq!(&bytes[2..], &t.msgpack_ext().0[..8]);
    }
}
