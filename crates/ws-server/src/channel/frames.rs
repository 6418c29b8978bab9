//! The channels' frames, encoded as the quote frames are: `{"type":…,"symbol":…,…}` with the
//! tick's `timestamp` and `seq`, built straight into bytes (no serde on the hot path) and
//! framed once ([`crate::wire`]).
//!
//! * `trade`: the core's trade (the same fields, in the same order, as
//!   `/api/v1/trades/{symbol}`), its `timestamp` the trade's own time and `seq` the tick that
//!   reports it.
//! * `bar`: `{"type":"bar","symbol":…,"interval":"1m"|"1d","bar":{…},"timestamp":…,"seq":…}`,
//!   where `bar` is byte for byte the candle `/api/v1/bars/{symbol}` returns.
//! * `status`: `{"type":"status","symbol":…,"status":…,["reason":…,]"previous":…,
//!   "calendar":…,"timestamp":…,"seq":…}`.

use ticker_core::{Candle, Seq, Trade};

use super::status::SymbolStatus;
use crate::wire::encode_text;

/// Appends the `trade` frame of one trade.
pub fn trade(trade: &Trade, scratch: &mut Vec<u8>, out: &mut Vec<u8>) {
    scratch.clear();
    scratch.extend_from_slice(b"{\"type\":\"trade\",");
    trade.write_fields(scratch);
    scratch.push(b'}');
    encode_text(scratch, out);
}

/// Where a frame happens: the symbol, and the tick's time and number.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    /// The symbol.
    pub symbol: &'a str,
    /// The tick's time, Unix ms.
    pub timestamp: i64,
    /// The tick.
    pub seq: Seq,
}

fn open(kind: &str, at: &At<'_>, scratch: &mut Vec<u8>) {
    scratch.clear();
    scratch.extend_from_slice(b"{\"type\":\"");
    scratch.extend_from_slice(kind.as_bytes());
    scratch.extend_from_slice(b"\",\"symbol\":\"");
    scratch.extend_from_slice(at.symbol.as_bytes());
    scratch.push(b'"');
}

fn close(at: &At<'_>, scratch: &mut Vec<u8>, out: &mut Vec<u8>) {
    scratch.extend_from_slice(b",\"timestamp\":");
    scratch.extend_from_slice(itoa::Buffer::new().format(at.timestamp).as_bytes());
    scratch.extend_from_slice(b",\"seq\":");
    scratch.extend_from_slice(itoa::Buffer::new().format(at.seq.0).as_bytes());
    scratch.push(b'}');
    encode_text(scratch, out);
}

/// Appends the `bar` frame of a bar that closed at the tick (`interval`: `1m` or `1d`).
pub fn bar(at: &At<'_>, interval: &str, candle: &Candle, scratch: &mut Vec<u8>, out: &mut Vec<u8>) {
    open("bar", at, scratch);
    scratch.extend_from_slice(b",\"interval\":\"");
    scratch.extend_from_slice(interval.as_bytes());
    scratch.extend_from_slice(b"\",\"bar\":");
    candle.write_json(scratch);
    close(at, scratch, out);
}

/// Appends the `status` frame of a change from `previous` to `now`.
pub fn status(
    at: &At<'_>,
    now: &SymbolStatus,
    previous: &SymbolStatus,
    calendar: &str,
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
) {
    open("status", at, scratch);
    scratch.extend_from_slice(b",\"status\":\"");
    scratch.extend_from_slice(now.status.as_bytes());
    scratch.push(b'"');
    if let Some(reason) = &now.reason {
        scratch.extend_from_slice(b",\"reason\":");
        // A reason is free text from the core: escape it as JSON.
        scratch.extend_from_slice(
            serde_json::to_string(reason)
                .unwrap_or_else(|_| "\"\"".into())
                .as_bytes(),
        );
    }
    scratch.extend_from_slice(b",\"previous\":\"");
    scratch.extend_from_slice(previous.status.as_bytes());
    scratch.extend_from_slice(b"\",\"calendar\":\"");
    scratch.extend_from_slice(calendar.as_bytes());
    scratch.push(b'"');
    close(at, scratch, out);
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::wire::payload;

    #[test]
    fn status_frames_are_json_with_an_escaped_reason() {
        let at = At {
            symbol: "AAPL",
            timestamp: 5,
            seq: Seq(7),
        };
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        let halted = SymbolStatus {
            status: "halted",
            reason: Some("LULD \"pause\"".into()),
        };
        let open = SymbolStatus {
            status: "open",
            reason: None,
        };
        status(&at, &halted, &open, "us-equity", &mut scratch, &mut out);
        let v: Value = serde_json::from_slice(payload(&out)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type":"status","symbol":"AAPL","status":"halted",
                "reason":"LULD \"pause\"","previous":"open","calendar":"us-equity",
                "timestamp":5,"seq":7})
        );
    }
}
