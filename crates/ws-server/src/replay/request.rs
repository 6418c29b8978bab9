//! What a connection URL asks of a replay (`?from=&to=&speed=&then=`), checked before the
//! upgrade so that a bad value is an HTTP `400` with the JSON error, like a bad `format`.

use ticker_core::config::MIN_CLOCK_SPEED;
use ticker_core::time::format_rfc3339;
use ticker_core::Schedule;
use ticker_net::moment::past_time;
use ticker_net::query::shorten;
use ticker_net::{ApiError, Query};

use crate::protocol::ReplayInfo;

/// The replay settings of a server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayLimits {
    /// Fastest speed a client may ask for.
    pub max_speed: f64,
    /// Longest span of market time one replay may cover, ms.
    pub max_range_ms: u64,
}

/// What follows the end of a replay (`?then=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// A `replay_end` message, then close 1000 (the default).
    Close,
    /// A `replay_end` message, then the live stream on the same connection.
    Live,
}

impl Then {
    /// The name in URLs and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Close => "close",
            Self::Live => "live",
        }
    }
}

/// A replay as the URL asked for it (checked at the upgrade).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayRequest {
    /// Market time to start from, Unix ms.
    pub from_ms: i64,
    /// Market time to end at, Unix ms.
    pub to_ms: Option<i64>,
    /// Market milliseconds per wall millisecond.
    pub speed: f64,
    /// What follows the end.
    pub then: Then,
}

fn invalid(name: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("query parameter `{name}`: {why}"))
}

/// A speed between the smallest and `max`, or why not.
pub(super) fn check_speed(speed: f64, max: f64) -> Result<f64, String> {
    if !speed.is_finite() || speed < MIN_CLOCK_SPEED {
        return Err(format!(
            "{speed} is not a speed from {MIN_CLOCK_SPEED} to {max}"
        ));
    }
    if speed > max {
        return Err(format!(
            "{speed} is above the maximum of {max} (--max-replay-speed)"
        ));
    }
    Ok(speed)
}

impl ReplayRequest {
    /// The replay a connection URL asks for: none without `from`; a `400` for a bad value
    /// (a time that is not one, before the epoch or after now, a `to` before `from`, a speed
    /// out of range, a range longer than the limit, `since` together with `from`).
    pub fn from_query(
        query: &Query,
        schedule: &Schedule,
        now_ms: i64,
        limits: &ReplayLimits,
    ) -> Result<Option<Self>, ApiError> {
        let Some(from) = query.get("from")? else {
            for name in ["to", "speed", "then"] {
                if query.get(name)?.is_some() {
                    return Err(invalid(name, "needs `from` (a replay starts somewhere)"));
                }
            }
            return Ok(None);
        };
        if query.get("since")?.is_some() {
            return Err(invalid(
                "since",
                "resumes the live stream; a replay (`from`) starts where it says",
            ));
        }
        let from_ms = past_time("from", from, now_ms, schedule)?;
        let to_ms = query
            .get("to")?
            .map(|raw| past_time("to", raw, now_ms, schedule))
            .transpose()?;
        if let Some(to) = to_ms.filter(|to| *to < from_ms) {
            return Err(invalid(
                "to",
                format!(
                    "{} is before `from` ({})",
                    format_rfc3339(to),
                    format_rfc3339(from_ms)
                ),
            ));
        }
        let span = to_ms.unwrap_or(now_ms) - from_ms;
        if span as u64 > limits.max_range_ms {
            return Err(invalid(
                "from",
                format!(
                    "the replay would cover {span} ms of market time; the limit is {} ms \
                     (--max-replay-range-ms)",
                    limits.max_range_ms
                ),
            ));
        }
        let speed = match query.get("speed")? {
            None => 1.0,
            Some(raw) => raw
                .trim()
                .parse::<f64>()
                .map_err(|_| format!("{:?} is not a number", shorten(raw)))
                .and_then(|s| check_speed(s, limits.max_speed))
                .map_err(|why| invalid("speed", why))?,
        };
        let then = match query.get("then")? {
            None | Some("close") => Then::Close,
            Some("live") => Then::Live,
            Some(other) => {
                return Err(invalid(
                    "then",
                    format!("{:?} is not close or live", shorten(other)),
                ))
            }
        };
        Ok(Some(Self {
            from_ms,
            to_ms,
            speed,
            then,
        }))
    }

    /// As the welcome reports it.
    pub fn info(&self) -> ReplayInfo {
        ReplayInfo {
            from: self.from_ms,
            to: self.to_ms,
            speed: self.speed,
            then: self.then.name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::tests::{hub, LIMITS};
    use crate::ticker::Hub;

    fn request(hub: &Hub, query: &str) -> Result<Option<ReplayRequest>, ApiError> {
        let q = Query::parse(Some(query)).unwrap();
        ReplayRequest::from_query(&q, hub.market.schedule(), hub.clock.now_ms(), &LIMITS)
    }

    #[test]
    fn urls_ask_for_a_replay_or_are_told_why_not() {
        let hub = hub();
        let now = hub.clock.now_ms();
        assert_eq!(request(&hub, "symbols=AAPL"), Ok(None));
        let r = request(&hub, &format!("from={}&speed=60&then=live", now - 60_000))
            .unwrap()
            .unwrap();
        assert_eq!(
            (r.from_ms, r.to_ms, r.speed, r.then),
            (now - 60_000, None, 60.0, Then::Live)
        );
        let message = |q: &str| request(&hub, q).unwrap_err().message;
        assert!(message("speed=2").contains("`speed`: needs `from`"));
        assert!(message(&format!("from={now}&speed=0")).contains("is not a speed"));
        assert!(message(&format!("from={now}&speed=1001")).contains("--max-replay-speed"));
        assert!(message(&format!("from={now}&speed=fast")).contains("is not a number"));
        assert!(message(&format!("from={now}&then=loop")).contains("not close or live"));
        assert!(message(&format!("from={now}&since=5")).contains("`since`"));
        assert!(message(&format!("from={}&to={}", now - 5, now - 10)).contains("before `from`"));
        assert!(message(&format!("from={}", now - 86_400_001)).contains("--max-replay-range-ms"));
        assert_eq!(
            request(&hub, &format!("from={}", now + 1))
                .unwrap_err()
                .code,
            "time_in_future"
        );
        assert_eq!(
            request(&hub, "from=2023-06-01").unwrap_err().code,
            "before_epoch"
        );
    }
}
