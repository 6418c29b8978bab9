//! Scenario halts on the vendor streams, replayed through `--scenario halt-resume` (AAPL halts
//! for five minutes): Alpaca's `statuses` carry the halt (`H`, `T1`, the scenario's reason)
//! and the resumption (`T`) at the ticks the native `status` channel reports them; no trade
//! and no quote goes out on Alpaca, Polygon or Binance while the symbol is halted, and the
//! trades around it are the native stream's, one for one.

use std::sync::Arc;

use serde_json::{json, Value};
use ticker_core::time::format_rfc3339;
use ticker_core::{HaltStatus, ManualClock, Market, MarketArgs, Seq, SymbolId};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{config, connect, next_message, send_json, TestServer, Ws};

/// Monday 2026-11-23 09:30 New York: the session opens with the clock.
const START: &str = "2026-11-23T14:30:00Z";

/// The default market under the built-in `scenario`, on a manual clock from [`START`].
fn scenario_market(scenario: &str) -> Arc<Market> {
    let market_config = MarketArgs {
        scenario: Some(scenario.into()),
        clock: Some("manual".into()),
        clock_start: Some(START.into()),
        ..MarketArgs::default()
    }
    .resolve()
    .unwrap();
    Arc::new(Market::new(market_config).unwrap())
}

/// A server on the `halt-resume` market, its clock a minute after the halt ended; AAPL's id
/// and its halt.
async fn halted_server() -> (TestServer, SymbolId, HaltStatus) {
    let market = scenario_market("halt-resume");
    let aapl = market.lookup("AAPL").unwrap();
    let [halt] = market.halts(aapl).try_into().unwrap();
    let clock = Arc::new(ManualClock::new(halt.until_ms + 60_000));
    let server = TestServer::spawn_with(config(), market, clock).await;
    (server, aapl, halt)
}

/// `from=&to=&speed=` of `before` ticks before `seq` through `after` ticks after it.
fn around(server: &TestServer, seq: Seq, before: u64, after: u64) -> String {
    format!(
        "from={}&to={}&speed=100",
        server.time_of(Seq(seq.0 - before)),
        server.time_of(Seq(seq.0 + after))
    )
}

/// Every JSON item of every frame until the server closes (1000 at the replay's end).
async fn items_until_close(ws: &mut Ws) -> Vec<Value> {
    let mut items = Vec::new();
    loop {
        match next_message(ws).await {
            Some(Ok(Message::Text(t))) => match serde_json::from_str(t.as_str()).unwrap() {
                Value::Array(a) => items.extend(a),
                v => items.push(v),
            },
            Some(Ok(Message::Close(c))) => {
                assert_eq!(c.map(|c| c.code), Some(CloseCode::Normal));
                return items;
            }
            None | Some(Err(_)) => panic!("closed without a close frame"),
            Some(Ok(_)) => {}
        }
    }
}

async fn alpaca_statuses(server: &TestServer, window: &str) -> Vec<Value> {
    let mut ws = connect(server, &format!("/alpaca/v2/sip?{window}")).await;
    next_message(&mut ws).await;
    send_json(&mut ws, &json!({"action":"auth","key":"k","secret":"s"})).await;
    next_message(&mut ws).await;
    let sub = json!({"action":"subscribe","trades":["AAPL"],"quotes":["AAPL"],"statuses":["AAPL"]});
    send_json(&mut ws, &sub).await;
    let ack = items_of(next_message(&mut ws).await);
    assert_eq!(ack[0]["T"], "subscription");
    items_until_close(&mut ws).await
}

fn items_of(msg: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>) -> Vec<Value> {
    match msg {
        Some(Ok(Message::Text(t))) => serde_json::from_str(t.as_str()).unwrap(),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// The native stream's trade and status frames over the same window.
async fn native_frames(server: &TestServer, window: &str) -> Vec<Value> {
    let path = format!("/ws?symbols=AAPL&channels=trades,status&{window}");
    let mut ws = connect(server, &path).await;
    items_until_close(&mut ws)
        .await
        .into_iter()
        .filter(|v| v["type"] == "trade" || v["type"] == "status")
        .collect()
}

fn of_type<'a>(items: &'a [Value], field: &str, kind: &str) -> Vec<&'a Value> {
    items.iter().filter(|v| v[field] == kind).collect()
}

#[tokio::test]
async fn alpaca_reports_the_halt_and_the_resumption_and_sends_nothing_between() {
    let (server, _, halt) = halted_server().await;
    let window = around(&server, halt.from, 3, 3);
    let items = alpaca_statuses(&server, &window).await;
    let statuses = of_type(&items, "T", "s");
    assert_eq!(statuses.len(), 1, "{items:?}");
    let s = statuses[0];
    assert_eq!(
        (&s["S"], &s["sc"], &s["sm"], &s["rc"], &s["rm"], &s["z"]),
        (
            &json!("AAPL"),
            &json!("H"),
            &json!("Trading Halt"),
            &json!("T1"),
            &json!("news pending"),
            &json!("C")
        )
    );
    assert!(s["t"]
        .as_str()
        .unwrap()
        .starts_with(&format_rfc3339(halt.from_ms)[..19]));
    // Trades and quotes before the halt, none from the status on.
    let at = items.iter().position(|v| v["T"] == "s").unwrap();
    assert_eq!(
        of_type(&items[..at], "T", "q").len(),
        2,
        "the two ticks before the halt"
    );
    assert!(items[at..].iter().all(|v| v["T"] == "s"), "{items:?}");
    // The native stream says the same: halted at that tick, and as many trades before it.
    let native = native_frames(&server, &window).await;
    let status = of_type(&native, "type", "status");
    assert_eq!(status.len(), 1);
    assert_eq!(
        (
            &status[0]["status"],
            &status[0]["reason"],
            &status[0]["seq"]
        ),
        (
            &json!("halted"),
            &json!("news pending"),
            &json!(halt.from.0)
        )
    );
    // The Alpaca trades are the native ones of the ticks after `from`, id for id, price for
    // price (the native replay also sends the trades of the tick it starts at).
    let alpaca: Vec<(u64, f64)> = of_type(&items, "T", "t")
        .iter()
        .map(|t| (t["i"].as_u64().unwrap(), t["p"].as_f64().unwrap()))
        .collect();
    let native: Vec<(u64, f64)> = of_type(&native, "type", "trade")
        .iter()
        .map(|t| (t["id"].as_u64().unwrap(), t["price"].as_f64().unwrap()))
        .filter(|(id, _)| alpaca.first().is_some_and(|(first, _)| id >= first))
        .collect();
    assert!(!alpaca.is_empty());
    assert_eq!(alpaca, native);

    let window = around(&server, halt.until, 3, 3);
    let items = alpaca_statuses(&server, &window).await;
    let at = items.iter().position(|v| v["T"] == "s").unwrap();
    assert_eq!(
        (&items[at]["sc"], &items[at]["rc"]),
        (&json!("T"), &json!(""))
    );
    // Nothing while halted; the reopening tick's frame opens with the status (its trades
    // happen in the second before its time, as every tick's do).
    assert_eq!(at, 0, "nothing while halted: {items:?}");
    assert!(!of_type(&items[at..], "T", "q").is_empty());
    let native = native_frames(&server, &window).await;
    let status = of_type(&native, "type", "status");
    assert_eq!(
        (&status[0]["status"], &status[0]["seq"]),
        (&json!("open"), &json!(halt.until.0))
    );
}

#[tokio::test]
async fn polygon_sends_no_trade_or_quote_while_the_symbol_is_halted() {
    let (server, _, halt) = halted_server().await;
    let window = around(&server, halt.from, 5, 5);
    let mut ws = connect(&server, &format!("/polygon/stocks?{window}")).await;
    next_message(&mut ws).await;
    send_json(&mut ws, &json!({"action":"auth","params":"key"})).await;
    next_message(&mut ws).await;
    send_json(
        &mut ws,
        &json!({"action":"subscribe","params":"T.AAPL,Q.AAPL"}),
    )
    .await;
    next_message(&mut ws).await;
    next_message(&mut ws).await;
    let items = items_until_close(&mut ws).await;
    let quotes = of_type(&items, "ev", "Q");
    // A quote for each of the four ticks before the halt, then nothing.
    assert_eq!(quotes.len(), 4, "{items:?}");
    assert!(
        items
            .iter()
            .all(|v| v["t"].as_i64().unwrap() < halt.from_ms),
        "{items:?}"
    );
}

#[tokio::test]
async fn binance_book_tickers_stop_while_a_pair_is_halted() {
    // A market-wide breaker halts the 24/7 pairs too.
    let market = scenario_market("circuit-breaker");
    let Some(pair) = market.ids().find(|id| {
        ticker_vendors::instruments::binance(&market, market.symbol(*id).as_str()).is_some()
    }) else {
        panic!("the default market has a Binance pair");
    };
    let [halt] = market.halts(pair).try_into().unwrap();
    let clock = Arc::new(ManualClock::new(halt.until_ms + 60_000));
    let name = market.symbol(pair).as_str().to_lowercase();
    let server = TestServer::spawn_with(config(), market, clock).await;
    let path = format!(
        "/binance/ws/{name}@bookTicker/{name}@trade?{}",
        around(&server, halt.from, 3, 3)
    );
    let mut ws = connect(&server, &path).await;
    let items = items_until_close(&mut ws).await;
    let books: Vec<u64> = items.iter().filter_map(|v| v["u"].as_u64()).collect();
    let want: Vec<u64> = (halt.from.0 - 2..halt.from.0).collect();
    assert_eq!(books, want, "{items:?}");
    assert!(items
        .iter()
        .filter(|v| v["e"] == "trade")
        .all(|v| v["T"].as_i64().unwrap() < halt.from_ms));
}
