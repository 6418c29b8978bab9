//! `/api/v1/bars/{symbol}?interval=1m|1d&from=&to=&limit=`: minute and daily bars from the
//! trades, as the stream emits them when they close.
//!
//! * `1m`: the minutes that had trades (a quiet minute, a closed market, has no bar), each the
//!   same bytes as the 1m candle of `/api/v1/history`. `from`/`to` are times (Unix ms or RFC
//!   3339); without `from`, the last `limit` bars before `to` (default now), looking back as
//!   far as `--max-history-ticks` allows.
//! * `1d`: one bar per trading day of the symbol's calendar (a 24/7 session, or an exchange's
//!   day 04:00–20:00 New York), stamped with the day's local midnight; `us-equity` bars take
//!   open, high, low and close from the regular session and volume, trades and VWAP from the
//!   whole day. `from`/`to` are dates (`YYYY-MM-DD`) or times; without `from`, the last
//!   `limit` days up to today (today's bar so far included).
//!
//! Bars are computed from the ticks on demand: the work (ticks visited) is bounded by
//! `--max-history-ticks` and `limit` by `--max-candles`.

use http::{Response, StatusCode};
use ticker_core::calendar::Date;
use ticker_core::{Candle, Market, SymbolId};
use ticker_net::query::{shorten, Query};
use ticker_net::ApiError;

use crate::app::App;
use crate::params::{self, invalid, too_many_ticks};
use crate::quotes::resolve_path_symbol;
use crate::response::{self, Body};

const DEFAULT_LIMIT: usize = 100;
const MINUTE_MS: i64 = 60_000;

/// `GET /api/v1/bars/{symbol}`.
pub async fn bars(app: &App, raw: &str, query: &Query) -> Result<Response<Body>, ApiError> {
    let id = resolve_path_symbol(app, raw)?;
    let limit = params::limit(query, DEFAULT_LIMIT, app.config.max_candles)?;
    let (interval, bars, truncated) = match query.get("interval")? {
        None | Some("1m") => {
            let (bars, truncated) = minute(app, id, query, limit).await?;
            ("1m", bars, truncated)
        }
        Some("1d") => {
            let (bars, truncated) = daily(app, id, query, limit).await?;
            ("1d", bars, truncated)
        }
        Some(other) => {
            return Err(invalid(
                "interval",
                format!("{:?} is not a bar interval (use 1m or 1d)", shorten(other)),
            ))
        }
    };
    let mut body = Vec::with_capacity(96 + bars.len() * 160);
    body.extend_from_slice(b"{\"symbol\":\"");
    body.extend_from_slice(app.market.symbol(id).as_str().as_bytes());
    body.extend_from_slice(b"\",\"interval\":\"");
    body.extend_from_slice(interval.as_bytes());
    body.extend_from_slice(format!("\",\"truncated\":{truncated},\"bars\":[").as_bytes());
    for (i, b) in bars.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        b.write_json(&mut body);
    }
    body.extend_from_slice(b"]}");
    Ok(response::json(StatusCode::OK, body))
}

/// Minute bars: `(bars, truncated)`.
async fn minute(
    app: &App,
    id: SymbolId,
    query: &Query,
    limit: usize,
) -> Result<(Vec<Candle>, bool), ApiError> {
    let market = &app.market;
    let schedule = *market.schedule();
    let now_ms = app.clock.now_ms();
    let until = schedule.tick_at(now_ms);
    let to = params::time(query, "to")?.map_or(now_ms + 1, |t| t.min(now_ms + 1));
    let max_ticks = app.config.max_history_ticks;
    let ticks_of = |from: i64, to: i64| -> u64 {
        let per_tick = schedule.interval_ms() as i64;
        (to.saturating_sub(from) / per_tick).max(0) as u64 + 1
    };
    match params::time(query, "from")? {
        Some(from) => {
            if from >= to {
                return Err(invalid(
                    "from",
                    "must be before `to` (and not in the future)",
                ));
            }
            let ticks = ticks_of(from, to);
            if ticks > max_ticks {
                return Err(too_many_ticks(ticks, max_ticks));
            }
            let m = market.clone();
            let mut bars = app
                .heavy
                .run(ticks, move || m.minute_bars(id, from, to, until))
                .await?;
            let truncated = bars.len() > limit;
            bars.truncate(limit);
            Ok((bars, truncated))
        }
        None => {
            // The last `limit` bars: look back `limit` minutes, then twice as far, … (closed
            // markets have no bars) until there are enough or the tick budget runs out.
            let mut span = limit as i64 * MINUTE_MS;
            loop {
                let from = to.saturating_sub(span);
                let ticks = ticks_of(from, to);
                let exhausted = ticks * 2 > max_ticks || from <= schedule.epoch_ms();
                if ticks > max_ticks {
                    return Err(too_many_ticks(ticks, max_ticks));
                }
                let m = market.clone();
                let bars = app
                    .heavy
                    .run(ticks, move || m.minute_bars(id, from, to, until))
                    .await?;
                if bars.len() >= limit || exhausted {
                    let skip = bars.len().saturating_sub(limit);
                    return Ok((bars.into_iter().skip(skip).collect(), false));
                }
                span *= 2;
            }
        }
    }
}

/// A date parameter: `YYYY-MM-DD`, or a time whose exchange-local date is taken.
fn date(
    market: &Market,
    id: SymbolId,
    query: &Query,
    name: &str,
) -> Result<Option<Date>, ApiError> {
    let Some(raw) = query.get(name)? else {
        return Ok(None);
    };
    if let Some(d) = Date::parse(raw.trim()) {
        return Ok(Some(d));
    }
    let t = params::time(query, name)?;
    Ok(t.map(|t| market.calendar(id).local_date(t)))
}

/// Daily bars: `(bars, truncated)`.
async fn daily(
    app: &App,
    id: SymbolId,
    query: &Query,
    limit: usize,
) -> Result<(Vec<Candle>, bool), ApiError> {
    let market = &app.market;
    let schedule = *market.schedule();
    let calendar = market.calendar(id);
    let now_ms = app.clock.now_ms();
    let until = schedule.tick_at(now_ms);
    let today = calendar.local_date(now_ms);
    let to = date(market, id, query, "to")?.map_or(today, |d| d.min(today));
    let (from, to) = match date(market, id, query, "from")? {
        Some(from) if from > to => {
            return Err(invalid("from", format!("{from} is after `to` ({to})")));
        }
        Some(from) => (from, to),
        None => {
            // The day `limit − 1` trading days before the last one up to `to`.
            let last = calendar
                .days(to.add_days(-10), to)
                .last()
                .map_or(0, |d| calendar.day_index(&d));
            let first = calendar
                .day_ticks(&schedule, last - (limit as i64 - 1))
                .map_or(to, |d| d.day.date);
            (first, to)
        }
    };
    let span = i64::from(to.days() - from.days()) + 1;
    if span > 2 * app.config.max_calendar_days as i64 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "range_too_large",
            format!(
                "{from} to {to} is {span} days; daily bars span at most {} (twice --max-calendar-days)",
                2 * app.config.max_calendar_days
            ),
        ));
    }
    let ticks = market.daily_bar_ticks(id, from, to, until);
    if ticks > app.config.max_history_ticks {
        return Err(too_many_ticks(ticks, app.config.max_history_ticks));
    }
    let m = market.clone();
    let mut bars = app
        .heavy
        .run(ticks, move || m.daily_bars(id, from, to, until))
        .await?;
    let truncated = bars.len() > limit;
    bars.truncate(limit);
    Ok((bars, truncated))
}
