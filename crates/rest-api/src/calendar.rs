//! `/api/v1/market/status` and `/api/v1/calendar`: when each market is open. A configuration
//! may mix calendar classes (US equities beside 24/7 crypto pairs), so both answers list one
//! entry per class with the symbols that use it; `?symbol=` narrows them to one symbol.
//! Every time comes from the core's [`Calendar`] at the injected clock's now.

use http::{Response, StatusCode};
use serde::Serialize;
use ticker_core::calendar::{Date, FIRST_YEAR, LAST_YEAR};
use ticker_core::{Calendar, SymbolId, TradingDay};
use ticker_net::query::{shorten, Query};
use ticker_net::ApiError;

use crate::app::App;
use crate::at::at;
use crate::quotes::resolve_symbol;
use crate::response::{self, Body};

/// Days a calendar request covers when `to` is not given: `from` and the six after it.
const DEFAULT_DAYS: i32 = 7;

/// A trading day's session times, as JSON.
#[derive(Serialize)]
struct Session {
    date: Date,
    pre_open: i64,
    open: i64,
    close: i64,
    post_close: i64,
    early_close: bool,
}

impl From<TradingDay> for Session {
    fn from(d: TradingDay) -> Self {
        Self {
            date: d.date,
            pre_open: d.pre_open_ms,
            open: d.open_ms,
            close: d.close_ms,
            post_close: d.post_close_ms,
            early_close: d.early_close,
        }
    }
}

/// The calendar classes in use, in configuration order, each with its symbols.
fn groups<'a>(app: &'a App, query: &Query) -> Result<Vec<(Calendar, Vec<&'a str>)>, ApiError> {
    let market = &app.market;
    let ids: Vec<SymbolId> = match query.get("symbol")? {
        Some(raw) => vec![resolve_symbol(app, raw)?],
        None => market.ids().collect(),
    };
    let mut groups: Vec<(Calendar, Vec<&'a str>)> = Vec::new();
    for id in ids {
        let calendar = market.calendar(id);
        let symbol = market.info(id).symbol.as_str();
        match groups.iter_mut().find(|(c, _)| c.kind() == calendar.kind()) {
            Some((_, symbols)) => symbols.push(symbol),
            None => groups.push((calendar, vec![symbol])),
        }
    }
    Ok(groups)
}

/// `GET /api/v1/market/status[?symbol=][&at=]`.
pub fn market_status(app: &App, query: &Query) -> Result<Response<Body>, ApiError> {
    #[derive(Serialize)]
    struct Status<'a> {
        calendar: &'static str,
        timezone: &'static str,
        symbols: Vec<&'a str>,
        status: &'static str,
        date: Date,
        holiday: Option<&'static str>,
        session: Option<Session>,
        next_open: Option<i64>,
        next_close: Option<i64>,
    }
    #[derive(Serialize)]
    struct Answer<'a> {
        timestamp: i64,
        calendars: Vec<Status<'a>>,
    }
    let now = at(app, query)?.ms;
    let calendars = groups(app, query)?
        .into_iter()
        .map(|(calendar, symbols)| {
            let date = calendar.local_date(now);
            Status {
                calendar: calendar.kind().name(),
                timezone: calendar.kind().timezone(),
                symbols,
                status: calendar.phase_at(now).status(),
                date,
                holiday: calendar.holidays(date, date).first().map(|(_, name)| *name),
                session: calendar.trading_day_at(now).map(Session::from),
                next_open: calendar.next_open(now),
                next_close: calendar.next_close(now),
            }
        })
        .collect();
    Ok(response::json_value(&Answer {
        timestamp: now,
        calendars,
    }))
}

fn invalid(name: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
        format!("query parameter `{name}`: {why}"),
    )
}

fn date_param(query: &Query, name: &str) -> Result<Option<Date>, ApiError> {
    let first = Date::from_ymd(FIRST_YEAR, 1, 1);
    let last = Date::from_ymd(LAST_YEAR, 12, 31);
    query
        .get(name)?
        .map(|raw| {
            Date::parse(raw.trim())
                .filter(|d| Some(*d) >= first && Some(*d) <= last)
                .ok_or_else(|| {
                    invalid(
                        name,
                        format!(
                            "{:?} is not a date YYYY-MM-DD from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31",
                            shorten(raw)
                        ),
                    )
                })
        })
        .transpose()
}

/// `GET /api/v1/calendar?from=&to=[&symbol=]`: trading days with their session times.
pub fn calendar(app: &App, query: &Query) -> Result<Response<Body>, ApiError> {
    #[derive(Serialize)]
    struct Holiday {
        date: Date,
        name: &'static str,
    }
    #[derive(Serialize)]
    struct Days<'a> {
        calendar: &'static str,
        timezone: &'static str,
        symbols: Vec<&'a str>,
        days: Vec<Session>,
        holidays: Vec<Holiday>,
        truncated: bool,
    }
    #[derive(Serialize)]
    struct Answer<'a> {
        from: Date,
        to: Date,
        calendars: Vec<Days<'a>>,
    }
    let max = app.config.max_calendar_days;
    let today = Date::of_utc_ms(app.clock.now_ms());
    let from = date_param(query, "from")?.unwrap_or(today);
    let to = match date_param(query, "to")? {
        Some(to) => to,
        None => from
            .add_days(DEFAULT_DAYS - 1)
            .min(Date::from_ymd(LAST_YEAR, 12, 31).unwrap_or(from)),
    };
    if to < from {
        return Err(invalid("to", format!("{to} is before `from` ({from})")));
    }
    let span = i64::from(to.days() - from.days()) + 1;
    if span > max as i64 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "range_too_large",
            format!(
                "{from} to {to} is {span} days; the limit is {max} (--max-calendar-days): ask for a shorter range"
            ),
        ));
    }
    let calendars = groups(app, query)?
        .into_iter()
        .map(|(calendar, symbols)| {
            // A 24/7 calendar with sessions shorter than a day has more than one per date.
            let mut days: Vec<Session> = calendar
                .days(from, to)
                .take(max + 1)
                .map(Session::from)
                .collect();
            let truncated = days.len() > max;
            days.truncate(max);
            Days {
                calendar: calendar.kind().name(),
                timezone: calendar.kind().timezone(),
                symbols,
                days,
                holidays: calendar
                    .holidays(from, to)
                    .into_iter()
                    .map(|(date, name)| Holiday { date, name })
                    .collect(),
                truncated,
            }
        })
        .collect();
    Ok(response::json_value(&Answer {
        from,
        to,
        calendars,
    }))
}
