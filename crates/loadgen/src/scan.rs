//! Reading the few fields the load generator needs out of a frame without a full JSON parse:
//! at a million frames a second, parsing every frame would measure the client, not the server.

/// What a frame is, by its `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Kind<'a> {
    /// `{"type":"quote",…}`: one symbol's tick.
    Quote,
    /// `{"type":"quotes",…}`: one tick of every symbol.
    Quotes,
    /// A bare array (`[{"stock",…}]`, the legacy `/ws` framing).
    Array,
    /// No `type` found.
    #[default]
    Unknown,
    /// Any other `type` (`welcome`, `status`, …).
    Other(&'a str),
}

/// The fields of one stream frame that matter for accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct FrameInfo<'a> {
    /// What the frame is.
    pub(crate) kind: Kind<'a>,
    /// The symbol of a `quote` frame.
    pub(crate) symbol: &'a str,
    /// The tick number.
    pub(crate) seq: Option<u64>,
    /// The tick time, Unix ms.
    pub(crate) timestamp: Option<i64>,
    /// Ticks the server skipped before this frame.
    pub(crate) dropped: u64,
}

/// Whether `needle` starts at `at` in `hay`. Checked only where `hay[at]` already equals the
/// needle's first byte (a quote mark for every key), which skips nearly every position: a
/// comparison at every position was the load generator's top cost at 10 000 clients.
fn at_needle(hay: &[u8], needle: &[u8], at: usize) -> bool {
    hay.get(at..at + needle.len()) == Some(needle)
}

/// The first occurrence of `needle` in `hay`, as the index just after it.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, _) = needle.split_first()?;
    let last = hay.len().checked_sub(needle.len())?;
    (0..=last)
        .find(|&i| hay.get(i) == Some(&first) && at_needle(hay, needle, i))
        .map(|i| i + needle.len())
}

fn number_at(bytes: &[u8], at: usize) -> Option<i64> {
    let rest = bytes.get(at..)?;
    let (neg, digits) = match rest.first() {
        Some(b'-') => (true, rest.get(1..)?),
        _ => (false, rest),
    };
    let mut v: i64 = 0;
    let mut any = false;
    for &b in digits.iter().take_while(|b| b.is_ascii_digit()) {
        v = v.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
        any = true;
    }
    any.then_some(if neg { -v } else { v })
}

fn string_at(text: &str, at: usize) -> &str {
    let rest = text.get(at..).unwrap_or_default();
    rest.split('"').next().unwrap_or_default()
}

/// The integer value of `"key":` in a frame, if present (for rare frames such as the welcome).
pub(crate) fn integer_field(text: &str, key: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let needle = format!("\"{key}\":");
    find(bytes, needle.as_bytes()).and_then(|i| number_at(bytes, i))
}

const QUOTE: &[u8] = b"{\"type\":\"quote\",\"symbol\":\"";
const QUOTES: &[u8] = b"{\"type\":\"quotes\",";
/// How far from a quote's end its `timestamp` and `seq` lie, at most: they are followed by
/// `bid_size`, `ask_size`, `bid_exchange`, `ask_exchange`, `trades`, `vwap` (about 120 bytes)
/// and maybe `dropped`.
const QUOTE_TAIL: usize = 256;

/// A quote's `seq`, `timestamp` and `dropped`, from its last [`QUOTE_TAIL`] bytes: one walk
/// backwards over the colons, comparing only the key before each (constant-length compares,
/// no search per key). It stops at `timestamp`, the first of the three in the server's order.
fn quote_tail(bytes: &[u8]) -> (Option<i64>, Option<i64>, Option<i64>) {
    let (mut seq, mut timestamp, mut dropped) = (None, None, None);
    let from = bytes.len().saturating_sub(QUOTE_TAIL);
    for at in (from..bytes.len()).rev() {
        if bytes.get(at) != Some(&b':') {
            continue;
        }
        let key = bytes.get(..at).unwrap_or_default();
        let value = || number_at(bytes, at + 1);
        if seq.is_none() && key.ends_with(b"\"seq\"") {
            seq = value();
        } else if dropped.is_none() && key.ends_with(b"\"dropped\"") {
            dropped = value();
        } else if key.ends_with(b"\"timestamp\"") {
            timestamp = value();
            break;
        }
    }
    (seq, timestamp, dropped)
}

/// Extracts the accounting fields. The server's field order is fixed (a quote's
/// `"timestamp":…,"seq":…` come in its last [`QUOTE_TAIL`] bytes, before the NBBO and trade
/// fields appended after them, and maybe `"dropped":…`; a batch starts with its `seq` and
/// `timestamp`), so the search looks only where the fields are; anything else falls back to
/// a search of the whole frame.
pub(crate) fn scan(text: &str) -> FrameInfo<'_> {
    let bytes = text.as_bytes();
    if bytes.starts_with(QUOTE) {
        let (seq, timestamp, dropped) = quote_tail(bytes);
        return FrameInfo {
            kind: Kind::Quote,
            symbol: string_at(text, QUOTE.len()),
            seq: seq.and_then(|s| u64::try_from(s).ok()),
            timestamp,
            dropped: dropped.and_then(|d| u64::try_from(d).ok()).unwrap_or(0),
        };
    }
    let head = bytes.get(..bytes.len().min(96)).unwrap_or(bytes);
    let (kind, area) = if bytes.starts_with(QUOTES) {
        (Kind::Quotes, head)
    } else if bytes.starts_with(b"[") {
        (Kind::Array, bytes)
    } else {
        let kind =
            find(head, b"\"type\":\"").map_or(Kind::Unknown, |i| Kind::Other(string_at(text, i)));
        (kind, bytes)
    };
    FrameInfo {
        kind,
        symbol: find(bytes, b"\"symbol\":\"").map_or("", |i| string_at(text, i)),
        seq: find(area, b"\"seq\":")
            .and_then(|i| number_at(bytes, i))
            .and_then(|s| u64::try_from(s).ok()),
        timestamp: find(area, b"\"timestamp\":").and_then(|i| number_at(bytes, i)),
        dropped: find(bytes, b"\"dropped\":")
            .and_then(|i| number_at(bytes, i))
            .and_then(|d| u64::try_from(d).ok())
            .unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_with_the_nbbo_and_trade_fields_is_counted() {
        let q = r#"{"type":"quote","symbol":"AAPL","price":146.37,"change":3.73,"change_percent":2.61,"open":144.4,"high":147.26,"low":143.43,"prev_close":142.64,"bid":146.34,"ask":146.45,"volume":120910972,"timestamp":1795981343000,"seq":91914143,"bid_size":100,"ask_size":1500,"bid_exchange":"N","ask_exchange":"Q","trades":1162717,"vwap":145.6191,"dropped":2}"#;
        let info = scan(q);
        assert_eq!(info.kind, Kind::Quote);
        assert_eq!(info.seq, Some(91_914_143));
        assert_eq!(info.timestamp, Some(1_795_981_343_000));
        assert_eq!(info.dropped, 2);
    }

    #[test]
    fn a_quote_takes_the_last_of_each_field_and_tolerates_missing_ones() {
        let q = r#"{"type":"quote","symbol":"MSFT","seq":1,"timestamp":5,"seq":9,"x":"a:b"}"#;
        let info = scan(q);
        assert_eq!(
            (info.seq, info.timestamp, info.dropped),
            (Some(9), Some(5), 0)
        );
        let q = r#"{"type":"quote","symbol":"MSFT","price":1.5}"#;
        assert_eq!((scan(q).seq, scan(q).timestamp), (None, None));
    }

    #[test]
    fn reads_quote_and_batch_frames() {
        let q =
            r#"{"type":"quote","symbol":"AAPL","price":1.0,"timestamp":1700,"seq":42,"dropped":3}"#;
        let info = scan(q);
        assert_eq!(
            (
                info.kind,
                info.symbol,
                info.seq,
                info.timestamp,
                info.dropped
            ),
            (Kind::Quote, "AAPL", Some(42), Some(1700), 3)
        );
        let b = r#"{"type":"quotes","seq":7,"timestamp":99,"quotes":[{"symbol":"X","seq":7}]}"#;
        let info = scan(b);
        assert_eq!(
            (info.kind, info.seq, info.timestamp),
            (Kind::Quotes, Some(7), Some(99))
        );
        assert_eq!(scan("[{\"stock\":\"A\",\"seq\":5}]").kind, Kind::Array);
        assert_eq!(
            scan(r#"{"type":"welcome","seq":1}"#).kind,
            Kind::Other("welcome")
        );
        assert_eq!(scan(r#"{"seq":1}"#).kind, Kind::Unknown);
        assert_eq!(scan("garbage").seq, None);
    }

    #[test]
    fn finds_the_first_occurrence() {
        let hay = br#"{"seq":1,"x":{"seq":22}}"#;
        assert_eq!(find(hay, b"\"seq\":"), Some(7));
        assert_eq!(find(hay, b"\"nope\":"), None);
        assert_eq!(
            find(b"\"se", b"\"seq\":"),
            None,
            "a needle longer than the hay"
        );
        assert_eq!(find(b"", b""), None);
    }

    #[test]
    fn reads_an_integer_field() {
        let w = r#"{"type":"welcome","symbols":["A"],"interval_ms":100,"seq":7}"#;
        assert_eq!(integer_field(w, "interval_ms"), Some(100));
        assert_eq!(integer_field(w, "seq"), Some(7));
        assert_eq!(integer_field(w, "nope"), None);
    }
}
