//! `at=`: what an endpoint that reports "now" would have answered at another moment.
//!
//! Every "latest" endpoint takes it (quotes, market status; the endpoints to come reuse
//! [`at`]): Unix milliseconds or RFC 3339, no later than the market clock's now and no earlier
//! than the market's epoch (`400 time_in_future` / `400 before_epoch` otherwise, see
//! [`ticker_net::moment`]). The answer is byte for byte what the endpoint returned at that
//! moment: prices are a function of the tick, so the past is computed, not stored.

use ticker_core::Seq;
use ticker_net::moment::past_time;
use ticker_net::{ApiError, Query};

use crate::app::App;

/// The moment a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// Market time, Unix ms.
    pub ms: i64,
    /// The tick in effect then.
    pub seq: Seq,
    /// Whether that tick is before the current one (computed apart from the live caches).
    pub past: bool,
}

/// `?at=`, or the clock's now without it.
pub fn at(app: &App, query: &Query) -> Result<At, ApiError> {
    let now = app.clock.now_ms();
    let schedule = app.market.schedule();
    let current = schedule.tick_at(now);
    let ms = match query.get("at")? {
        None => now,
        Some(raw) => past_time("at", raw, now, schedule)?,
    };
    let seq = schedule.tick_at(ms);
    Ok(At {
        ms,
        seq,
        past: seq < current,
    })
}
