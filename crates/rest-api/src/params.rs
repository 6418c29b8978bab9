//! Query parameters shared by the history, trades and bars endpoints: times, limits and the
//! one error shape that names the parameter.

use http::StatusCode;
use ticker_core::time::parse_time;
use ticker_net::query::{shorten, Query};
use ticker_net::ApiError;

/// `400 invalid_parameter`, naming the parameter and why.
pub fn invalid(name: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
        format!("query parameter `{name}`: {why}"),
    )
}

/// An optional time: Unix milliseconds or RFC 3339.
pub fn time(query: &Query, name: &str) -> Result<Option<i64>, ApiError> {
    query
        .get(name)?
        .map(|raw| {
            parse_time(raw).ok_or_else(|| {
                invalid(
                    name,
                    format!(
                        "{:?} is neither Unix milliseconds nor an RFC 3339 time between 1970 and 9999",
                        shorten(raw)
                    ),
                )
            })
        })
        .transpose()
}

/// `limit`: `default` when absent, else a whole number from 1 to `max`.
pub fn limit(query: &Query, default: usize, max: usize) -> Result<usize, ApiError> {
    match query.get("limit")? {
        None => Ok(default.min(max)),
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(invalid(
                "limit",
                format!("{:?} is not a whole number from 1 to {max}", shorten(raw)),
            )),
        },
    }
}

/// `400 range_too_large` for a request that would aggregate `ticks` ticks beyond the limit.
pub fn too_many_ticks(ticks: u64, max: u64) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "range_too_large",
        format!(
            "this request spans {ticks} ticks; the limit is {max} (--max-history-ticks): ask for fewer candles"
        ),
    )
}
