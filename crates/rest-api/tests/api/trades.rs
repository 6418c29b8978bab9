//! `/api/v1/trades`, `/api/v1/nbbo` and `/api/v1/bars`: every answer equals the core's
//! values for the server's clock, pages cover a range with no gap and no duplicate, bars
//! follow the calendar, and bad parameters are clear 400s.

use ticker_core::calendar::Date;
use ticker_core::time::parse_time;
use ticker_core::{CalendarKind, MarketConfig, Seq, SymbolConfig, Trade};

use crate::helpers::{rest_config, spawn_app, spawn_app_at, TestApp, NOW_MS};

fn encoded(value: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut out = Vec::new();
    value(&mut out);
    String::from_utf8(out).unwrap()
}

fn value(write: impl FnOnce(&mut Vec<u8>)) -> serde_json::Value {
    serde_json::from_str(&encoded(write)).unwrap()
}

/// Every trade of `symbol` with `from ≤ timestamp < to`, up to the server's tick, by the core.
fn core_trades(app: &TestApp, symbol: &str, from: i64, to: i64) -> Vec<Trade> {
    let id = app.id(symbol);
    let s = app.market.schedule();
    let first = s.tick_at(from).0 + 1;
    let last = (s.tick_at(to - 1).0 + 1).min(app.tick().0);
    (first..=last)
        .flat_map(|n| app.market.trades(id, Seq(n)).iter().collect::<Vec<_>>())
        .filter(|t| t.timestamp >= from && t.timestamp < to)
        .collect()
}

#[tokio::test]
async fn latest_trade_and_nbbo_are_the_core_s() {
    let app = spawn_app().await;
    for symbol in ["AAPL", "TSLA"] {
        let id = app.id(symbol);
        let trade = app.market.latest_trade(id, app.tick()).unwrap();
        let resp = app.get(&format!("/api/v1/trades/{symbol}/latest")).await;
        assert_eq!(resp.status, 200);
        assert_eq!(resp.text(), encoded(|o| trade.write_json(o)));
        let nbbo = app.market.nbbo(id, app.tick());
        let resp = app
            .get(&format!("/api/v1/nbbo/{}", symbol.to_lowercase()))
            .await;
        assert_eq!(resp.text(), encoded(|o| nbbo.write_json(o)));
        // The quote's bid and ask are the NBBO's, the price the last trade's.
        let q = app.get(&format!("/api/v1/latest/{symbol}")).await.ok_json();
        assert_eq!(q["bid"].as_f64().unwrap(), nbbo.bid.to_f64());
        assert_eq!(q["ask_size"], nbbo.ask_size);
        assert_eq!(q["ask_exchange"], nbbo.ask_exchange.to_string());
        assert_eq!(q["price"].as_f64().unwrap(), trade.price.to_f64());
    }
}

#[tokio::test]
async fn trade_pages_cover_a_range_with_no_gap_and_no_duplicate() {
    let app = spawn_app().await;
    let (from, to) = (NOW_MS - 900_000 + 123, NOW_MS - 300_000);
    let want = core_trades(&app, "MSFT", from, to);
    assert!(want.len() > 400, "ten minutes of trades: {}", want.len());
    let mut got: Vec<serde_json::Value> = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut target = format!("/api/v1/trades/MSFT?from={from}&to={to}&limit=200");
        if let Some(t) = &token {
            target.push_str(&format!("&page_token={t}"));
        }
        let v = app.get(&target).await.ok_json();
        assert_eq!(v["symbol"], "MSFT");
        got.extend(v["trades"].as_array().unwrap().iter().cloned());
        pages += 1;
        match v["next_page_token"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, want.len().div_ceil(200));
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(*g, value(|o| w.write_json(o)));
    }
}

#[tokio::test]
async fn trades_without_from_are_the_latest_ones() {
    let app = spawn_app().await;
    let v = app.get("/api/v1/trades/AMZN?limit=50").await.ok_json();
    let trades = v["trades"].as_array().unwrap();
    assert_eq!(trades.len(), 50);
    assert_eq!(v["next_page_token"], serde_json::Value::Null);
    let id = app.id("AMZN");
    let last = app.market.trade_count(id, app.tick());
    assert_eq!(trades[49]["id"], last);
    assert_eq!(trades[0]["id"], last - 49);
    // The body is the trades as the core lists them.
    let resp = app.get("/api/v1/trades/AMZN?limit=3").await;
    let tail: Vec<String> = core_trades(&app, "AMZN", NOW_MS - 60_000, NOW_MS + 1)
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|t| encoded(|o| t.write_json(o)))
        .collect();
    assert_eq!(
        resp.text(),
        format!(
            r#"{{"symbol":"AMZN","trades":[{}],"next_page_token":null}}"#,
            tail.join(",")
        )
    );
}

#[tokio::test]
async fn trade_and_bar_parameters_are_checked() {
    let app = spawn_app().await;
    for (target, needle) in [
        (
            "/api/v1/trades/AAPL?limit=0",
            "query parameter `limit`: \"0\" is not a whole number from 1 to 1000",
        ),
        ("/api/v1/trades/AAPL?limit=1001", "from 1 to 1000"),
        (
            "/api/v1/trades/AAPL?page_token=abc",
            "query parameter `page_token`: \"abc\" is not a token from a previous page",
        ),
        (
            "/api/v1/trades/AAPL?from=2030-01-01T00:00:00Z",
            "query parameter `from`: must be before `to`",
        ),
        (
            "/api/v1/trades/AAPL?to=yesterday",
            "query parameter `to`: \"yesterday\" is neither",
        ),
        (
            "/api/v1/bars/AAPL?interval=5m",
            "query parameter `interval`: \"5m\" is not a bar interval (use 1m or 1d)",
        ),
        (
            "/api/v1/bars/AAPL?interval=1d&from=2024-02-01&to=2024-01-01",
            "query parameter `from`: 2024-02-01 is after `to` (2024-01-01)",
        ),
    ] {
        let msg = app
            .get(target)
            .await
            .error_message(400, "invalid_parameter");
        assert!(msg.contains(needle), "{target}: {msg}");
    }
    let msg = app
        .get("/api/v1/trades/NOPE")
        .await
        .error_message(404, "unknown_symbol");
    assert!(msg.starts_with("unknown symbol \"NOPE\""), "{msg}");
    app.get("/api/v1/nbbo/%20")
        .await
        .error_message(400, "invalid_symbol");
    // Before the epoch nothing has traded yet.
    let early = spawn_app_at(
        rest_config(),
        crate::helpers::market_config(),
        NOW_MS - 30 * 86_400_000,
    )
    .await;
    let msg = early
        .get("/api/v1/trades/AAPL/latest")
        .await
        .error_message(404, "no_trade");
    assert_eq!(
        msg,
        "AAPL has not traded yet (the clock is before its first session)"
    );
    let v = early.get("/api/v1/trades/AAPL").await.ok_json();
    assert_eq!(v["trades"].as_array().unwrap().len(), 0);
    // A range spanning more ticks than allowed.
    let small = crate::helpers::spawn_app_with(rest_api::RestConfig {
        max_history_ticks: 1000,
        ..rest_config()
    })
    .await;
    small
        .get("/api/v1/bars/AAPL?interval=1d&limit=5")
        .await
        .error_message(400, "range_too_large");
}

#[tokio::test]
async fn minute_bars_are_the_history_candles_that_have_trades() {
    let app = spawn_app().await;
    let (from, to) = (NOW_MS - 3_600_000, NOW_MS - 1_800_000);
    let resp = app
        .get(&format!(
            "/api/v1/bars/GOOGL?interval=1m&from={from}&to={to}&limit=1000"
        ))
        .await;
    let bars = app
        .market
        .minute_bars(app.id("GOOGL"), from, to, app.tick());
    assert!(bars.len() >= 25, "{}", bars.len());
    let body: Vec<String> = bars.iter().map(|b| encoded(|o| b.write_json(o))).collect();
    assert_eq!(
        resp.text(),
        format!(
            r#"{{"symbol":"GOOGL","interval":"1m","truncated":false,"bars":[{}]}}"#,
            body.join(",")
        )
    );
    let history = app
        .get(&format!(
            "/api/v1/history/GOOGL?interval=1m&from={from}&to={to}"
        ))
        .await
        .text()
        .to_owned();
    for b in &body {
        assert!(
            history.contains(b.as_str()),
            "a bar is its history candle: {b}"
        );
    }
    // Without `from`: the last bars up to now, the current minute's so far included.
    let v = app.get("/api/v1/bars/GOOGL?limit=5").await.ok_json();
    let got = v["bars"].as_array().unwrap();
    assert_eq!(got.len(), 5);
    assert_eq!(got[4]["timestamp"], NOW_MS - NOW_MS.rem_euclid(60_000));
}

/// A market of US equities beside a 24/7 pair, its clock on a Sunday.
fn mixed() -> MarketConfig {
    MarketConfig {
        symbols: vec![
            SymbolConfig {
                calendar: CalendarKind::UsEquity,
                avg_volume: 20_000_000,
                ..SymbolConfig::new("AAPL", 150.0)
            },
            SymbolConfig {
                avg_trade_size: 2,
                avg_volume: 50_000,
                ..SymbolConfig::new("BTCUSDT", 40_000.0)
            },
        ],
        ..MarketConfig::default()
    }
}

#[tokio::test]
async fn bars_and_trades_follow_the_trading_calendar() {
    let sunday = parse_time("2024-03-31T15:00:00Z").unwrap();
    let app = spawn_app_at(rest_config(), mixed(), sunday).await;
    let (from, to) = (
        Date::parse("2024-03-25").unwrap(),
        Date::parse("2024-04-02").unwrap(),
    );
    let v = app
        .get("/api/v1/bars/AAPL?interval=1d&from=2024-03-25&to=2024-04-02")
        .await
        .ok_json();
    let days = v["bars"].as_array().unwrap();
    // Monday to Thursday: Good Friday is a holiday, and the clock stops on Sunday.
    assert_eq!(days.len(), 4);
    let want = app.market.daily_bars(app.id("AAPL"), from, to, app.tick());
    assert_eq!(days.len(), want.len());
    for (got, want) in days.iter().zip(&want) {
        assert_eq!(*got, value(|o| want.write_json(o)));
    }
    assert_eq!(
        days[0]["timestamp"],
        parse_time("2024-03-25T04:00:00Z").unwrap()
    );
    let crypto = app
        .get("/api/v1/bars/BTCUSDT?interval=1d&from=2024-03-25&to=2024-04-02")
        .await
        .ok_json();
    assert_eq!(
        crypto["bars"].as_array().unwrap().len(),
        7,
        "every day to Sunday"
    );
    // The last 3 daily bars end on Thursday; the last minute bars are Thursday's last
    // after-hours minutes.
    let v = app
        .get("/api/v1/bars/AAPL?interval=1d&limit=3")
        .await
        .ok_json();
    let last = v["bars"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["timestamp"],
        parse_time("2024-03-28T04:00:00Z").unwrap()
    );
    let v = app.get("/api/v1/bars/AAPL?limit=4").await.ok_json();
    let minutes = v["bars"].as_array().unwrap();
    assert_eq!(minutes.len(), 4);
    assert!(
        minutes[3]["timestamp"].as_i64().unwrap() < parse_time("2024-03-29T00:00:00Z").unwrap()
    );
    // The latest trade is Thursday's last; the NBBO has stood since.
    let t = app.get("/api/v1/trades/AAPL/latest").await.ok_json();
    assert!(t["conditions"][0] == "extended_hours");
    let nbbo = app.get("/api/v1/nbbo/AAPL").await.ok_json();
    let thursday_close = app.market.nbbo(
        app.id("AAPL"),
        app.market
            .schedule()
            .tick_at(parse_time("2024-03-29T00:00:00Z").unwrap()),
    );
    assert_eq!(nbbo["bid"].as_f64().unwrap(), thursday_close.bid.to_f64());
    assert_eq!(nbbo["bid_size"], thursday_close.bid_size);
}

/// A generated universe of 5 000 symbols works end to end: listed, quoted, traded, barred.
#[tokio::test]
async fn a_universe_of_5000_symbols_is_served() {
    // Just after midnight, so the trackers' warm-up replays a few ticks per symbol.
    let config = MarketConfig {
        universe: 5000,
        ..MarketConfig::default()
    };
    let app = spawn_app_at(rest_config(), config, NOW_MS - 45_296_789 + 30_000).await;
    let v = app.get("/api/v1/symbols").await.ok_json();
    let symbols = v["symbols"].as_array().unwrap();
    assert_eq!(symbols.len(), 5005);
    let name = symbols[4321].as_str().unwrap().to_owned();
    let q = app.get(&format!("/api/v1/latest/{name}")).await;
    assert_eq!(
        q.text(),
        encoded(|o| app.market.quote(app.id(&name), app.tick()).write_json(o))
    );
    let all = app.get("/api/v1/latest").await.ok_json();
    assert_eq!(all["quotes"].as_array().unwrap().len(), 5005);
    app.get(&format!("/api/v1/trades/{name}?limit=10"))
        .await
        .ok_json();
    app.get(&format!("/api/v1/bars/{name}?limit=1"))
        .await
        .ok_json();
}
