//! A moment of the market's past named in a request (`at=` on REST, `from=`/`to=` on the
//! stream): Unix milliseconds or RFC 3339, between the market's epoch and the clock's now.
//! Both services answer a bad one with the same errors.

use http::StatusCode;
use ticker_core::time::{format_rfc3339, parse_time};
use ticker_core::Schedule;

use crate::error::ApiError;
use crate::query::shorten;

/// Parses query parameter `name` as a time no later than `now_ms` and no earlier than the
/// market's epoch:
///
/// * not a time: `400 invalid_parameter`;
/// * after the clock's now: `400 time_in_future` (the market has not got there yet);
/// * before the epoch: `400 before_epoch` (there is no tick before tick 0).
pub fn past_time(name: &str, raw: &str, now_ms: i64, schedule: &Schedule) -> Result<i64, ApiError> {
    let ms = parse_time(raw).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            format!(
                "query parameter `{name}`: {:?} is neither Unix milliseconds nor an RFC 3339 \
                 time between 1970 and 9999",
                shorten(raw)
            ),
        )
    })?;
    if ms > now_ms {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "time_in_future",
            format!(
                "query parameter `{name}`: {} is after the market clock's now, {}; the market \
                 has not got there yet",
                format_rfc3339(ms),
                format_rfc3339(now_ms)
            ),
        ));
    }
    if ms < schedule.epoch_ms() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "before_epoch",
            format!(
                "query parameter `{name}`: {} is before the market's epoch, {} (tick 0); there \
                 are no quotes before it",
                format_rfc3339(ms),
                format_rfc3339(schedule.epoch_ms())
            ),
        ));
    }
    Ok(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPOCH: i64 = 1_704_067_200_000;

    #[test]
    fn past_times_between_the_epoch_and_now() {
        let s = Schedule::new(EPOCH, 1000, 86_400_000, 0);
        let now = EPOCH + 3_600_000;
        assert_eq!(
            past_time("at", "2024-01-01T00:30:00Z", now, &s),
            Ok(EPOCH + 1_800_000)
        );
        assert_eq!(past_time("at", &now.to_string(), now, &s), Ok(now));
        assert_eq!(past_time("at", &EPOCH.to_string(), now, &s), Ok(EPOCH));
        let code = |raw: &str| past_time("at", raw, now, &s).unwrap_err().code;
        assert_eq!(code("noon"), "invalid_parameter");
        assert_eq!(code(&(now + 1).to_string()), "time_in_future");
        assert_eq!(code("2023-12-31T23:59:59Z"), "before_epoch");
        let e = past_time("from", "2030-01-01", now, &s).unwrap_err();
        assert_eq!(
            e.message,
            "query parameter `from`: 2030-01-01T00:00:00Z is after the market clock's now, \
             2024-01-01T01:00:00Z; the market has not got there yet"
        );
    }
}
