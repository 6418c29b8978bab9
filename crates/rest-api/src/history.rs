//! `/api/v1/history/{symbol}`: OHLCV candles computed from the model on demand (no database).
//!
//! Parameters: `interval` (default `1m`), `from` and `to` (Unix ms or RFC 3339; `to` defaults
//! to now and is clamped to now), `limit` (default 100, at most `--max-candles`). Without
//! `from`, the answer is the last `limit` candles up to `to`; with it, candles from `from`,
//! at most `limit` of them (`truncated` says when more exist). The work is bounded by
//! `--max-history-ticks`; large requests run on the blocking pool (`crate::heavy`).

use http::{Response, StatusCode};
use ticker_core::{Candle, CandleInterval};
use ticker_net::query::Query;
use ticker_net::ApiError;

use crate::app::App;
use crate::params::{self, invalid, too_many_ticks};
use crate::quotes::resolve_path_symbol;
use crate::response::{self, Body};

const DEFAULT_LIMIT: usize = 100;

/// `GET /api/v1/history/{symbol}`.
pub async fn history(
    app: &App,
    raw_symbol: &str,
    query: &Query,
) -> Result<Response<Body>, ApiError> {
    let id = resolve_path_symbol(app, raw_symbol)?;
    let interval: CandleInterval = match query.get("interval")? {
        None => "1m"
            .parse()
            .map_err(|e| invalid("interval", format!("{e}")))?,
        Some(raw) => raw
            .parse()
            .map_err(|e| invalid("interval", format!("{e}")))?,
    };
    let tick_ms = app.market.schedule().interval_ms();
    if (interval.ms() as u64) < tick_ms {
        return Err(invalid(
            "interval",
            format!("{interval} is shorter than the tick interval of {tick_ms} ms"),
        ));
    }
    let limit = params::limit(query, DEFAULT_LIMIT, app.config.max_candles)?;
    let now_ms = app.clock.now_ms();
    let until = app.market.schedule().tick_at(now_ms);
    let from_param = params::time(query, "from")?;
    // No peeking: the newest candle is the one holding the current tick.
    let to = params::time(query, "to")?.map_or(now_ms + 1, |t| t.min(now_ms + 1));
    let width = interval.ms();
    let last_bucket = interval.floor(to - 1);
    let (from, to, truncated) = match from_param {
        None => (last_bucket - (limit as i64 - 1) * width, to, false),
        Some(from) => {
            // Nothing exists before the epoch: start there, so `limit` counts real candles.
            let from = from.max(interval.floor(app.market.schedule().epoch_ms()));
            if from >= to {
                return Err(invalid(
                    "from",
                    "must be before `to` (and not in the future)".to_owned(),
                ));
            }
            let first_bucket = interval.floor(from);
            let buckets = (last_bucket - first_bucket) / width + 1;
            if buckets > limit as i64 {
                (from, first_bucket + limit as i64 * width, true)
            } else {
                (from, to, false)
            }
        }
    };
    let ticks = app.market.candle_ticks(interval, from, to, until);
    if ticks.len() > app.config.max_history_ticks {
        return Err(too_many_ticks(ticks.len(), app.config.max_history_ticks));
    }
    let market = app.market.clone();
    let candles: Vec<Candle> = app
        .heavy
        .run(ticks.len(), move || {
            market.candles(id, interval, from, to, until)
        })
        .await?;

    let mut body = Vec::with_capacity(160 + candles.len() * 130);
    body.extend_from_slice(b"{\"symbol\":\"");
    body.extend_from_slice(app.market.info(id).symbol.as_str().as_bytes());
    body.extend_from_slice(b"\",\"interval\":\"");
    body.extend_from_slice(interval.name().as_bytes());
    body.extend_from_slice(
        format!("\",\"from\":{from},\"to\":{to},\"truncated\":{truncated},\"candles\":[")
            .as_bytes(),
    );
    for (i, c) in candles.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        c.write_json(&mut body);
    }
    body.extend_from_slice(b"]}");
    Ok(response::json(StatusCode::OK, body))
}
