//! The commands of `POST /control/clock` and what they do to a clock: parsed from the JSON
//! body, applied to a manual clock (forward only), answered with the clock and its ticks.

use http::StatusCode;
use serde_json::{json, Value};
use ticker_core::time::{format_rfc3339, parse_time, MAX_TIME_MS};
use ticker_core::{clock_report, Clock, ClockError, Schedule, Seq};

use crate::error::ApiError;

/// The most ticks one command may advance.
const MAX_TICKS: u64 = 100_000_000;

/// What a `POST` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockCommand {
    /// To this market time.
    Set(i64),
    /// Forward by this many milliseconds.
    AdvanceMs(i64),
    /// Forward to the start of the n-th tick after the current one.
    Ticks(u64),
}

fn invalid_body(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", message)
}

/// Parses a `POST` body: a JSON object with exactly one of `set`, `advance_ms`, `ticks`.
pub fn parse_command(body: &[u8]) -> Result<ClockCommand, ApiError> {
    const USAGE: &str = "send a JSON object with exactly one of \
                         {\"set\": <RFC 3339 or Unix ms>}, {\"advance_ms\": <ms>}, {\"ticks\": <n>}";
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| invalid_body(format!("the body is not JSON ({e}): {USAGE}")))?;
    let Some(obj) = value.as_object() else {
        return Err(invalid_body(USAGE));
    };
    let mut fields = obj.iter();
    let (Some((key, value)), None) = (fields.next(), fields.next()) else {
        return Err(invalid_body(USAGE));
    };
    let whole = |what: &str| {
        invalid_body(format!(
            "`{key}` must be a whole number of {what} ≥ 0, not {}",
            crate::query::shorten(&value.to_string())
        ))
    };
    match key.as_str() {
        "set" => {
            let ms = match value {
                Value::String(text) => parse_time(text),
                Value::Number(n) => n.as_i64().and_then(|ms| parse_time(&ms.to_string())),
                _ => None,
            };
            ms.map(ClockCommand::Set).ok_or_else(|| {
                invalid_body(format!(
                    "`set` must be an RFC 3339 time or Unix milliseconds between 1970 and \
                     9999, not {}",
                    crate::query::shorten(&value.to_string())
                ))
            })
        }
        "advance_ms" => value
            .as_u64()
            .and_then(|ms| i64::try_from(ms).ok())
            .map(ClockCommand::AdvanceMs)
            .ok_or_else(|| whole("milliseconds")),
        "ticks" => match value.as_u64() {
            Some(n) if n <= MAX_TICKS => Ok(ClockCommand::Ticks(n)),
            Some(n) => Err(invalid_body(format!(
                "`ticks`: {n} is above the maximum of {MAX_TICKS} per command"
            ))),
            None => Err(whole("ticks")),
        },
        other => Err(invalid_body(format!(
            "unknown field `{}`: {USAGE}",
            crate::query::shorten(other)
        ))),
    }
}

/// The clock and its tick, as `GET` answers.
pub(super) fn state(clock: &dyn Clock, schedule: &Schedule) -> Value {
    let report = clock_report(clock);
    let tick = schedule.tick_at(report.now_ms);
    json!({ "clock": report, "tick": tick })
}

/// Moves `clock` as `command` says; the answer has the clock and the ticks before and after.
pub fn apply(
    clock: &dyn Clock,
    schedule: &Schedule,
    command: ClockCommand,
) -> Result<Value, ApiError> {
    let now = clock.now_ms();
    let before = schedule.tick_at(now);
    let target = match command {
        ClockCommand::Set(ms) => Some(ms),
        ClockCommand::AdvanceMs(ms) => now.checked_add(ms),
        ClockCommand::Ticks(n) => before
            .0
            .checked_add(n)
            .filter(|t| *t <= schedule.last().0)
            .map(|t| schedule.time_of(Seq(t)).max(now)),
    }
    .filter(|t| *t <= MAX_TIME_MS)
    .ok_or_else(|| {
        invalid_body(format!(
            "that would move the clock past {}, the last time a market can have",
            format_rfc3339(MAX_TIME_MS)
        ))
    })?;
    let moved = clock.move_to(target).map_err(|e| {
        let code = match e {
            ClockError::NotSettable(_) => "clock_not_settable",
            ClockError::Backwards { .. } => "clock_backwards",
        };
        ApiError::new(StatusCode::CONFLICT, code, e.to_string())
    })?;
    let after = schedule.tick_at(moved);
    tracing::info!(
        from = %format_rfc3339(now),
        to = %format_rfc3339(moved),
        ticks = after.0 - before.0,
        "market clock moved by /control/clock"
    );
    let mut answer = state(clock, schedule);
    if let Some(obj) = answer.as_object_mut() {
        obj.insert("previous_tick".to_owned(), json!(before));
        obj.insert("moved_ms".to_owned(), json!(moved - now));
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use ticker_core::{ManualClock, SystemClock};

    use super::*;

    const EPOCH: i64 = 1_704_067_200_000;

    #[test]
    fn bodies_parse_into_one_command_each() {
        assert_eq!(
            parse_command(br#"{"set":"2024-01-01T00:00:10Z"}"#),
            Ok(ClockCommand::Set(EPOCH + 10_000))
        );
        assert_eq!(
            parse_command(br#"{"set":1704067200000}"#),
            Ok(ClockCommand::Set(EPOCH))
        );
        assert_eq!(
            parse_command(br#"{"advance_ms":1500}"#),
            Ok(ClockCommand::AdvanceMs(1500))
        );
        assert_eq!(
            parse_command(br#"{"ticks":10}"#),
            Ok(ClockCommand::Ticks(10))
        );
        for bad in [
            &b"{"[..],
            b"[]",
            b"{}",
            br#"{"ticks":1,"set":0}"#,
            br#"{"ticks":-1}"#,
            br#"{"ticks":1.5}"#,
            br#"{"advance_ms":"5s"}"#,
            br#"{"set":"yesterday"}"#,
            br#"{"rewind":5}"#,
            br#"{"ticks":100000001}"#,
        ] {
            let e = parse_command(bad).unwrap_err();
            assert_eq!(
                (e.status, e.code),
                (StatusCode::BAD_REQUEST, "invalid_body"),
                "{e}"
            );
        }
    }

    #[test]
    fn commands_move_a_manual_clock_forward_only() {
        let schedule = Schedule::new(EPOCH, 1000, 86_400_000, 0);
        let clock = ManualClock::new(EPOCH + 10_500);
        let v = apply(&clock, &schedule, ClockCommand::Ticks(3)).unwrap();
        assert_eq!(
            clock.now_ms(),
            EPOCH + 13_000,
            "to the start of the third tick after"
        );
        assert_eq!(
            (v["tick"].as_u64(), v["previous_tick"].as_u64()),
            (Some(13), Some(10))
        );
        assert_eq!(v["clock"]["kind"], "manual");
        apply(&clock, &schedule, ClockCommand::AdvanceMs(250)).unwrap();
        assert_eq!(clock.now_ms(), EPOCH + 13_250);
        apply(&clock, &schedule, ClockCommand::Set(EPOCH + 20_000)).unwrap();
        let e = apply(&clock, &schedule, ClockCommand::Set(EPOCH)).unwrap_err();
        assert_eq!(
            (e.status, e.code),
            (StatusCode::CONFLICT, "clock_backwards")
        );
        assert_eq!(clock.now_ms(), EPOCH + 20_000);
        let e = apply(&SystemClock, &schedule, ClockCommand::Ticks(1)).unwrap_err();
        assert_eq!(
            (e.status, e.code),
            (StatusCode::CONFLICT, "clock_not_settable")
        );
        let e = apply(&clock, &schedule, ClockCommand::AdvanceMs(i64::MAX)).unwrap_err();
        assert_eq!(e.code, "invalid_body");
    }
}
