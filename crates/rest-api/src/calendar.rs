//! `/api/v1/market/status` and `/api/v1/calendar`: when each market is open. A configuration
//! may mix calendar classes (US equities beside 24/7 crypto pairs), so both answers list one
//! entry per class with the symbols that use it; `?symbol=` narrows them to one symbol.
//! Every time comes from the core's [`Calendar`] at the injected clock's now.

use http::{Response, StatusCode};
use serde::Serialize;
use ticker_core::calendar::{Date, FIRST_YEAR, LAST_YEAR};
use ticker_core::{Calendar, HaltStatus, SymbolId, TradingDay};
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

/// The symbols a request is about: `?symbol=`, else all.
fn symbol_ids(app: &App, query: &Query) -> Result<Vec<SymbolId>, ApiError> {
    Ok(match query.get("symbol")? {
        Some(raw) => vec![resolve_symbol(app, raw)?],
        None => app.market.ids().collect(),
    })
}

/// The calendar classes in use, in configuration order, each with its symbols.
fn groups<'a>(app: &'a App, query: &Query) -> Result<Vec<(Calendar, Vec<&'a str>)>, ApiError> {
    let market = &app.market;
    let ids = symbol_ids(app, query)?;
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

/// A halt of the market's scenario, as JSON.
#[derive(Serialize)]
struct Halt<'a> {
    symbol: &'a str,
    reason: String,
    market_wide: bool,
    since: i64,
    until: i64,
    since_seq: u64,
    until_seq: u64,
    reopen_gap_percent: f64,
}

impl<'a> Halt<'a> {
    fn new(symbol: &'a str, h: &HaltStatus) -> Self {
        Self {
            symbol,
            reason: h.reason.to_string(),
            market_wide: h.market_wide,
            since: h.from_ms,
            until: h.until_ms,
            since_seq: h.from.0,
            until_seq: h.until.0,
            reopen_gap_percent: h.reopen_gap_percent,
        }
    }
}

/// `GET /api/v1/market/status[?symbol=][&at=]`. Under a scenario the answer names it and
/// lists the symbols halted then (`halts`) and the next halt to come (`next_halt`); a
/// calendar whose symbols are all halted reports `halted`.
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
        #[serde(skip_serializing_if = "Option::is_none")]
        scenario: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        halts: Option<Vec<Halt<'a>>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        next_halt: Option<Halt<'a>>,
    }
    let when = at(app, query)?;
    let now = when.ms;
    let market = &app.market;
    let scenario = market.config().scenario.as_deref();
    let (mut halted, mut next): (Vec<Halt<'_>>, Option<Halt<'_>>) = (Vec::new(), None);
    if scenario.is_some() {
        for id in symbol_ids(app, query)? {
            let status = market.status(id, when.seq);
            let symbol = market.info(id).symbol.as_str();
            if let Some(h) = status.halt {
                halted.push(Halt::new(symbol, &h));
            }
            if let Some(h) = status.next_halt {
                if next.as_ref().is_none_or(|n| h.from_ms < n.since) {
                    next = Some(Halt::new(symbol, &h));
                }
            }
        }
    }
    let calendars = groups(app, query)?
        .into_iter()
        .map(|(calendar, symbols)| {
            let date = calendar.local_date(now);
            let all_halted = !halted.is_empty()
                && symbols
                    .iter()
                    .all(|s| halted.iter().any(|h| h.symbol == *s));
            Status {
                calendar: calendar.kind().name(),
                timezone: calendar.kind().timezone(),
                status: if all_halted {
                    "halted"
                } else {
                    calendar.phase_at(now).status()
                },
                symbols,
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
        scenario,
        halts: scenario.map(|_| halted),
        next_halt: next,
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
