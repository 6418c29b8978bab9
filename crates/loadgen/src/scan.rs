//! Reading the few fields the load generator needs out of a frame without a full JSON parse:
//! at a million frames a second, parsing every frame would measure the client, not the server.

/// The fields of one stream frame that matter for accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct FrameInfo<'a> {
    /// The `type` value (`quote`, `quotes`, `welcome`, …); empty for bare arrays.
    pub(crate) kind: &'a str,
    /// The symbol of a `quote` frame.
    pub(crate) symbol: &'a str,
    /// The tick number.
    pub(crate) seq: Option<u64>,
    /// The tick time, Unix ms.
    pub(crate) timestamp: Option<i64>,
    /// Ticks the server skipped before this frame.
    pub(crate) dropped: u64,
}

fn find(hay: &str, needle: &str) -> Option<usize> {
    hay.find(needle).map(|i| i + needle.len())
}

fn string_after<'a>(text: &'a str, key: &str) -> &'a str {
    let Some(start) = find(text, key) else {
        return "";
    };
    let rest = text.get(start..).unwrap_or_default();
    rest.split('"').next().unwrap_or_default()
}

fn number_after(text: &str, key: &str) -> Option<i64> {
    let start = find(text, key)?;
    let rest = text.get(start..)?;
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
        .unwrap_or(rest.len());
    rest.get(..end)?.parse().ok()
}

/// Extracts the accounting fields. In a batch frame the first `seq`/`timestamp` are the
/// batch's own (they precede the quotes), which is what this returns.
pub(crate) fn scan(text: &str) -> FrameInfo<'_> {
    let head = text.get(..text.len().min(48)).unwrap_or(text);
    let kind = if head.starts_with('[') {
        ""
    } else {
        string_after(head, "\"type\":\"")
    };
    FrameInfo {
        kind,
        symbol: string_after(text, "\"symbol\":\""),
        seq: number_after(text, "\"seq\":").and_then(|s| u64::try_from(s).ok()),
        timestamp: number_after(text, "\"timestamp\":"),
        dropped: number_after(text, "\"dropped\":")
            .and_then(|d| u64::try_from(d).ok())
            .unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            ("quote", "AAPL", Some(42), Some(1700), 3)
        );
        let b = r#"{"type":"quotes","seq":7,"timestamp":99,"quotes":[{"symbol":"X","seq":7}]}"#;
        let info = scan(b);
        assert_eq!(
            (info.kind, info.seq, info.timestamp),
            ("quotes", Some(7), Some(99))
        );
        assert_eq!(scan("[{\"stock\":\"A\",\"seq\":5}]").kind, "");
        assert_eq!(scan("garbage").seq, None);
    }
}
