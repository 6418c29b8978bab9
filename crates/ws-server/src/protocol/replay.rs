//! The replay's part of the protocol: the `replay` message a client steers a replay with, and
//! how a welcome describes a replay. The server's replay messages are [`super::ServerMessage`]s.

use serde::Serialize;
use serde_json::Value;
use ticker_core::time::parse_time;

use super::{shorten, ProtocolError};

/// What a `replay` message asks of a replaying connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReplayCommand {
    /// Stop the replay's clock (nothing is sent until `resume`).
    Pause,
    /// Start it again where it stopped.
    Resume,
    /// Play at another speed from here.
    Speed(f64),
    /// Jump to a market time (Unix ms) and play on from there.
    Seek(i64),
}

fn invalid_replay(message: impl Into<String>) -> ProtocolError {
    ProtocolError::new("invalid_replay", message)
}

/// `{"type":"replay","action":"pause"|"resume"|"speed"|"seek", "speed": x, "time": t}`.
pub(super) fn parse_replay(
    obj: &serde_json::Map<String, Value>,
) -> Result<ReplayCommand, ProtocolError> {
    match obj.get("action").and_then(Value::as_str) {
        Some("pause") => Ok(ReplayCommand::Pause),
        Some("resume") => Ok(ReplayCommand::Resume),
        Some("speed") => obj
            .get("speed")
            .and_then(Value::as_f64)
            .map(ReplayCommand::Speed)
            .ok_or_else(|| invalid_replay("`speed` needs a number `speed`, e.g. 60")),
        Some("seek") => {
            let time = match obj.get("time") {
                Some(Value::String(text)) => parse_time(text),
                Some(Value::Number(n)) => n.as_i64().and_then(|ms| parse_time(&ms.to_string())),
                _ => None,
            };
            time.map(ReplayCommand::Seek)
                .ok_or_else(|| invalid_replay("`seek` needs `time`: RFC 3339 or Unix milliseconds"))
        }
        Some(other) => Err(invalid_replay(format!(
            "unknown replay action {:?}; use pause, resume, speed or seek",
            shorten(other)
        ))),
        None => Err(invalid_replay(
            "`replay` needs `action`: pause, resume, speed or seek",
        )),
    }
}

/// A replay as the welcome describes it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReplayInfo {
    /// Market time the replay started from, Unix ms.
    pub from: i64,
    /// Market time it ends at, Unix ms (none: when it reaches now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
    /// Market milliseconds per wall millisecond.
    pub speed: f64,
    /// What follows the end: `close` or `live`.
    pub then: &'static str,
}

#[cfg(test)]
mod tests {
    use ticker_core::{Market, MarketConfig};

    use super::*;
    use crate::protocol::{parse_command, Command};

    #[test]
    fn replay_messages_parse_with_their_values() {
        let m = Market::new(MarketConfig::default()).unwrap();
        let parse = |t: &str| parse_command(t, &m, 10);
        assert_eq!(
            parse(r#"{"type":"replay","action":"pause"}"#),
            Ok(Command::Replay(ReplayCommand::Pause))
        );
        assert_eq!(
            parse(r#"{"type":"replay","action":"resume"}"#),
            Ok(Command::Replay(ReplayCommand::Resume))
        );
        assert_eq!(
            parse(r#"{"type":"replay","action":"speed","speed":60}"#),
            Ok(Command::Replay(ReplayCommand::Speed(60.0)))
        );
        assert_eq!(
            parse(r#"{"type":"replay","action":"seek","time":"2024-01-01T00:00:01Z"}"#),
            Ok(Command::Replay(ReplayCommand::Seek(1_704_067_201_000)))
        );
        for bad in [
            r#"{"type":"replay"}"#,
            r#"{"type":"replay","action":"rewind"}"#,
            r#"{"type":"replay","action":"speed"}"#,
            r#"{"type":"replay","action":"speed","speed":"fast"}"#,
            r#"{"type":"replay","action":"seek","time":"yesterday"}"#,
        ] {
            assert_eq!(parse(bad).unwrap_err().code, "invalid_replay", "{bad}");
        }
    }
}
