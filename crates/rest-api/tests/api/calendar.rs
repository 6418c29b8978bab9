//! `/api/v1/market/status` and `/api/v1/calendar` on a mixed market (US equities on the
//! `us-equity` calendar beside 24/7 crypto pairs): the status at known instants (a holiday,
//! an early close, a daylight-saving switch), the trading days of a range, and every 400.
//! Expected instants are written in UTC, independently of the server's arithmetic.

use serde_json::{json, Value};
use ticker_core::time::parse_rfc3339;
use ticker_core::{CalendarKind, MarketConfig, SymbolConfig};

use crate::helpers::{market_config, rest_config, spawn_app, spawn_app_on, TestApp};

fn utc(text: &str) -> i64 {
    parse_rfc3339(text).unwrap()
}

fn symbol(name: &str, calendar: CalendarKind) -> SymbolConfig {
    SymbolConfig {
        avg_volume: 1_000_000,
        calendar,
        ..SymbolConfig::new(name, 100.0)
    }
}

/// AAPL and MSFT on `us-equity`, BTCUSDT and ETHUSDT 24/7, interleaved.
fn mixed() -> MarketConfig {
    MarketConfig {
        symbols: vec![
            symbol("AAPL", CalendarKind::UsEquity),
            symbol("BTCUSDT", CalendarKind::Always),
            symbol("MSFT", CalendarKind::UsEquity),
            symbol("ETHUSDT", CalendarKind::Always),
        ],
        ..market_config()
    }
}

async fn status_at(app: &TestApp, t: &str, query: &str) -> Value {
    app.clock.set(utc(t));
    app.get(&format!("/api/v1/market/status{query}"))
        .await
        .ok_json()
}

fn error(resp: &crate::helpers::Response) -> (u16, String, String) {
    let v = resp.json();
    (
        resp.status,
        v["error"]["code"].as_str().unwrap().to_owned(),
        v["error"]["message"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn status_on_good_friday_is_closed_with_the_holiday_and_mondays_times() {
    let app = spawn_app_on(rest_config(), mixed()).await;
    let t = "2024-03-29T15:00:00Z"; // 11:00 in New York
    let v = status_at(&app, t, "").await;
    assert_eq!(
        v,
        json!({
            "timestamp": utc(t),
            "calendars": [
                {
                    "calendar": "us-equity",
                    "timezone": "America/New_York",
                    "symbols": ["AAPL", "MSFT"],
                    "status": "closed",
                    "date": "2024-03-29",
                    "holiday": "Good Friday",
                    "session": null,
                    "next_open": utc("2024-04-01T13:30:00Z"),
                    "next_close": utc("2024-04-01T20:00:00Z"),
                },
                {
                    "calendar": "always",
                    "timezone": "UTC",
                    "symbols": ["BTCUSDT", "ETHUSDT"],
                    "status": "open",
                    "date": "2024-03-29",
                    "holiday": null,
                    "session": {
                        "date": "2024-03-29",
                        "pre_open": utc("2024-03-29T00:00:00Z"),
                        "open": utc("2024-03-29T00:00:00Z"),
                        "close": utc("2024-03-30T00:00:00Z"),
                        "post_close": utc("2024-03-30T00:00:00Z"),
                        "early_close": false,
                    },
                    "next_open": null,
                    "next_close": null,
                },
            ],
        })
    );
}

#[tokio::test]
async fn status_follows_the_phases_of_an_early_close_day() {
    let app = spawn_app_on(rest_config(), mixed()).await;
    // 2024-11-29, the day after Thanksgiving (EST): 04:00, 09:30, 13:00, 17:00 local.
    let session = json!({
        "date": "2024-11-29",
        "pre_open": utc("2024-11-29T09:00:00Z"),
        "open": utc("2024-11-29T14:30:00Z"),
        "close": utc("2024-11-29T18:00:00Z"),
        "post_close": utc("2024-11-29T22:00:00Z"),
        "early_close": true,
    });
    for (t, status, next_open, next_close) in [
        (
            "2024-11-29T08:59:59.999Z",
            "closed",
            "2024-11-29T14:30:00Z",
            "2024-11-29T18:00:00Z",
        ),
        (
            "2024-11-29T09:00:00Z",
            "pre",
            "2024-11-29T14:30:00Z",
            "2024-11-29T18:00:00Z",
        ),
        (
            "2024-11-29T14:30:00Z",
            "open",
            "2024-12-02T14:30:00Z",
            "2024-11-29T18:00:00Z",
        ),
        (
            "2024-11-29T17:59:59.999Z",
            "open",
            "2024-12-02T14:30:00Z",
            "2024-11-29T18:00:00Z",
        ),
        (
            "2024-11-29T18:00:00Z",
            "post",
            "2024-12-02T14:30:00Z",
            "2024-12-02T21:00:00Z",
        ),
        (
            "2024-11-29T22:00:00Z",
            "closed",
            "2024-12-02T14:30:00Z",
            "2024-12-02T21:00:00Z",
        ),
    ] {
        let v = status_at(&app, t, "?symbol=aapl").await;
        let us = &v["calendars"][0];
        assert_eq!(v["calendars"].as_array().unwrap().len(), 1);
        assert_eq!(us["symbols"], json!(["AAPL"]));
        assert_eq!(us["status"], status, "{t}");
        assert_eq!(us["next_open"], utc(next_open), "{t}");
        assert_eq!(us["next_close"], utc(next_close), "{t}");
        let inside = status != "closed";
        assert_eq!(
            us["session"],
            if inside { session.clone() } else { Value::Null },
            "{t}"
        );
    }
}

#[tokio::test]
async fn status_moves_with_daylight_saving_time() {
    let app = spawn_app_on(rest_config(), mixed()).await;
    // The Friday before and the Monday after the 2025 and 2026 switches.
    for (t, status) in [
        ("2025-03-07T14:29:59Z", "pre"),
        ("2025-03-07T14:30:00Z", "open"),
        ("2025-03-10T13:29:59Z", "pre"),
        ("2025-03-10T13:30:00Z", "open"),
        ("2025-11-03T13:30:00Z", "pre"),
        ("2025-11-03T14:30:00Z", "open"),
        ("2026-03-09T13:30:00Z", "open"),
        ("2026-11-02T21:00:00Z", "post"),
        ("2026-03-08T16:00:00Z", "closed"),
    ] {
        let v = status_at(&app, t, "?symbol=MSFT").await;
        assert_eq!(v["calendars"][0]["status"], status, "{t}");
    }
    let v = status_at(&app, "2025-03-09T15:00:00Z", "?symbol=msft").await;
    assert_eq!(v["calendars"][0]["next_open"], utc("2025-03-10T13:30:00Z"));
    let v = status_at(&app, "2025-03-09T15:00:00Z", "?symbol=BTCUSDT").await;
    assert_eq!(v["calendars"][0]["symbols"], json!(["BTCUSDT"]));
    assert_eq!(v["calendars"][0]["status"], "open");
}

#[tokio::test]
async fn the_default_market_is_always_open() {
    let app = spawn_app().await;
    let v = app.get("/api/v1/market/status").await.ok_json();
    let calendars = v["calendars"].as_array().unwrap();
    assert_eq!(calendars.len(), 1);
    assert_eq!(calendars[0]["calendar"], "always");
    assert_eq!(calendars[0]["status"], "open");
    assert_eq!(
        calendars[0]["symbols"],
        json!(["AAPL", "GOOGL", "MSFT", "AMZN", "TSLA"])
    );
}

#[tokio::test]
async fn status_rejects_unknown_and_malformed_symbols() {
    let app = spawn_app_on(rest_config(), mixed()).await;
    let (status, code, message) = error(&app.get("/api/v1/market/status?symbol=NOPE").await);
    assert_eq!((status, code.as_str()), (404, "unknown_symbol"));
    assert_eq!(
        message,
        "unknown symbol \"NOPE\"; known symbols: AAPL, BTCUSDT, MSFT, ETHUSDT"
    );
    let (status, code, _) = error(&app.get("/api/v1/market/status?symbol=%2F%2E%2E").await);
    assert_eq!((status, code.as_str()), (400, "invalid_symbol"));
    let (status, _, message) = error(&app.get("/api/v1/market/status?symbol=A&symbol=B").await);
    assert_eq!(status, 400);
    assert_eq!(message, "query parameter `symbol` is given more than once");
}

#[tokio::test]
async fn calendar_lists_trading_days_and_holidays_per_calendar() {
    let app = spawn_app_on(rest_config(), mixed()).await;
    let v = app
        .get("/api/v1/calendar?from=2024-03-27&to=2024-04-02")
        .await
        .ok_json();
    assert_eq!(
        (v["from"].clone(), v["to"].clone()),
        (json!("2024-03-27"), json!("2024-04-02"))
    );
    let us = &v["calendars"][0];
    assert_eq!(us["calendar"], "us-equity");
    assert_eq!(us["symbols"], json!(["AAPL", "MSFT"]));
    let edt = |date: &str| {
        json!({
            "date": date,
            "pre_open": utc(&format!("{date}T08:00:00Z")),
            "open": utc(&format!("{date}T13:30:00Z")),
            "close": utc(&format!("{date}T20:00:00Z")),
            "post_close": utc(&format!("{date}T00:00:00Z")) + 86_400_000,
            "early_close": false,
        })
    };
    assert_eq!(
        us["days"],
        json!([
            edt("2024-03-27"),
            edt("2024-03-28"),
            edt("2024-04-01"),
            edt("2024-04-02")
        ])
    );
    assert_eq!(
        us["holidays"],
        json!([{"date": "2024-03-29", "name": "Good Friday"}])
    );
    assert_eq!(us["truncated"], false);
    let crypto = &v["calendars"][1];
    assert_eq!(crypto["calendar"], "always");
    let days = crypto["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[2]["date"], "2024-03-29");
    assert_eq!(days[2]["open"], utc("2024-03-29T00:00:00Z"));
    assert_eq!(crypto["holidays"], json!([]));
}

#[tokio::test]
async fn calendar_shows_early_closes_and_the_winter_offset() {
    let app = spawn_app_on(rest_config(), mixed()).await;
    let v = app
        .get("/api/v1/calendar?from=2024-12-23&to=2024-12-27&symbol=MSFT")
        .await
        .ok_json();
    let days = v["calendars"][0]["days"].as_array().unwrap();
    let dates: Vec<&str> = days.iter().map(|d| d["date"].as_str().unwrap()).collect();
    assert_eq!(
        dates,
        ["2024-12-23", "2024-12-24", "2024-12-26", "2024-12-27"]
    );
    assert_eq!(days[1]["early_close"], true);
    assert_eq!(days[1]["close"], utc("2024-12-24T18:00:00Z"));
    assert_eq!(days[1]["post_close"], utc("2024-12-24T22:00:00Z"));
    assert_eq!(days[0]["close"], utc("2024-12-23T21:00:00Z"));
    assert_eq!(
        v["calendars"][0]["holidays"],
        json!([{"date": "2024-12-25", "name": "Christmas Day"}])
    );
}

#[tokio::test]
async fn calendar_defaults_to_the_week_from_today() {
    let app = spawn_app_on(rest_config(), mixed()).await;
    app.clock.set(utc("2024-07-02T23:30:00Z"));
    let v = app.get("/api/v1/calendar?symbol=AAPL").await.ok_json();
    assert_eq!(
        (v["from"].clone(), v["to"].clone()),
        (json!("2024-07-02"), json!("2024-07-08"))
    );
    let dates: Vec<&str> = v["calendars"][0]["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        ["2024-07-02", "2024-07-03", "2024-07-05", "2024-07-08"]
    );
    let v = app.get("/api/v1/calendar?from=2100-12-30").await.ok_json();
    assert_eq!(
        v["to"], "2100-12-31",
        "the default range stops at the calendar's end"
    );
}

#[tokio::test]
async fn calendar_rejects_bad_dates_and_ranges_with_clear_400s() {
    let mut rest = rest_config();
    rest.max_calendar_days = 31;
    let app = spawn_app_on(rest, mixed()).await;
    for (query, code, message) in [
        (
            "from=2024-13-01",
            "invalid_parameter",
            "query parameter `from`: \"2024-13-01\" is not a date YYYY-MM-DD from 1970-01-01 to 2100-12-31",
        ),
        (
            "from=2024-01-01&to=1704067200000",
            "invalid_parameter",
            "query parameter `to`: \"1704067200000\" is not a date YYYY-MM-DD from 1970-01-01 to 2100-12-31",
        ),
        (
            "from=1969-12-31",
            "invalid_parameter",
            "query parameter `from`: \"1969-12-31\" is not a date YYYY-MM-DD from 1970-01-01 to 2100-12-31",
        ),
        (
            "from=2024-03-02&to=2024-03-01",
            "invalid_parameter",
            "query parameter `to`: 2024-03-01 is before `from` (2024-03-02)",
        ),
        (
            "from=2024-01-01&to=2024-02-01",
            "range_too_large",
            "2024-01-01 to 2024-02-01 is 32 days; the limit is 31 (--max-calendar-days): ask for a shorter range",
        ),
        (
            "from=2024-01-01&to=2024-01-31&symbol=NOPE",
            "unknown_symbol",
            "unknown symbol \"NOPE\"; known symbols: AAPL, BTCUSDT, MSFT, ETHUSDT",
        ),
    ] {
        let resp = app.get(&format!("/api/v1/calendar?{query}")).await;
        let (status, got_code, got_message) = error(&resp);
        let want_status = if code == "unknown_symbol" { 404 } else { 400 };
        assert_eq!((status, got_code.as_str()), (want_status, code), "{query}");
        assert_eq!(got_message, message, "{query}");
    }
    // The longest range allowed is answered.
    let v = app
        .get("/api/v1/calendar?from=2024-01-01&to=2024-01-31")
        .await
        .ok_json();
    assert_eq!(v["calendars"][0]["days"].as_array().unwrap().len(), 21);
}

#[tokio::test]
async fn sub_day_sessions_of_a_24_7_calendar_are_capped_and_flagged() {
    let mut rest = rest_config();
    rest.max_calendar_days = 30;
    let market = MarketConfig {
        session_ms: 3_600_000,
        ..mixed()
    };
    let app = spawn_app_on(rest, market).await;
    let v = app
        .get("/api/v1/calendar?from=2024-05-01&to=2024-05-02&symbol=ETHUSDT")
        .await
        .ok_json();
    let c = &v["calendars"][0];
    assert_eq!(c["days"].as_array().unwrap().len(), 30);
    assert_eq!(c["truncated"], true);
    assert_eq!(c["days"][29]["open"], utc("2024-05-02T05:00:00Z"));
    let v = app
        .get("/api/v1/calendar?from=2024-05-01&to=2024-05-01&symbol=AAPL")
        .await
        .ok_json();
    assert_eq!(v["calendars"][0]["truncated"], false);
    assert_eq!(v["calendars"][0]["days"].as_array().unwrap().len(), 1);
}
