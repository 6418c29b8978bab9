//! The ws-server's channels against the REST API, for the same ticks on the same clock: a
//! streamed `bar` is byte for byte the `/api/v1/bars` bar and the 1m candle of
//! `/api/v1/history`, and streamed `trade` frames are the `/api/v1/trades` trades.

use serde_json::Value;
use ws_server::WsConfig;

use crate::helpers::rest_config;
use crate::relayed::{connect, recv_text, spawn_stack};

/// The text between `"key":` and the matching end of its JSON object value in `text`.
fn object_at<'t>(text: &'t str, key: &str) -> &'t str {
    let start = text.find(&format!("\"{key}\":")).unwrap() + key.len() + 3;
    let mut depth = 0;
    for (i, c) in text[start..].char_indices() {
        match c {
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth -= 1;
                if depth == 0 {
                    return &text[start..=start + i];
                }
            }
            _ => {}
        }
    }
    panic!("no object at {key} in {text}")
}

#[tokio::test]
async fn streamed_bars_and_trades_are_the_rest_apis() {
    let stack = spawn_stack(rest_config(), WsConfig::default()).await;
    let mut ws = connect(&stack.direct("/ws?symbols=AAPL&channels=trades,bars")).await;
    let welcome: Value = serde_json::from_str(&recv_text(&mut ws).await).unwrap();
    assert_eq!(welcome["type"], "welcome");
    let market = stack.app.market.clone();
    let aapl = stack.app.id("AAPL");
    let first = stack.app.tick();
    let count = |seq| market.trades(aapl, seq).iter().count();
    // The connection starts with the current tick's trades.
    for _ in 0..count(first) {
        recv_text(&mut ws).await;
    }
    let mut trades: Vec<String> = Vec::new();
    let mut bar_frame = None;
    let mut seq = first;
    // A minute and a bit: at least one whole minute closes (the default market trades every
    // second, so every minute has a bar); the last bar is compared.
    while seq.0 < first.0 + 64 {
        seq = stack.advance();
        for _ in 0..count(seq) {
            let text = recv_text(&mut ws).await;
            assert!(text.starts_with("{\"type\":\"trade\","), "{text}");
            trades.push(text);
        }
        if market.schedule().time_of(seq) % 60_000 == 0 {
            let text = recv_text(&mut ws).await;
            assert!(text.starts_with("{\"type\":\"bar\","), "{text}");
            bar_frame = Some(text);
        }
    }
    let bar_frame: String = bar_frame.expect("a minute bar within 64 ticks");
    let bar = object_at(&bar_frame, "bar");
    let start: i64 = serde_json::from_str::<Value>(bar).unwrap()["timestamp"]
        .as_i64()
        .unwrap();
    let range = format!("from={start}&to={}", start + 60_000);
    let rest = stack
        .app
        .get(&format!("/api/v1/bars/AAPL?interval=1m&{range}"))
        .await;
    let body = rest.text();
    assert_eq!(object_at(body, "bars"), format!("[{bar}]"), "{body}");
    let history = stack
        .app
        .get(&format!("/api/v1/history/AAPL?interval=1m&{range}"))
        .await;
    assert!(history.text().contains(bar), "{}\n{bar}", history.text());
    // Every trade streamed after the start, as /api/v1/trades lists them.
    let from = stack.app.market.schedule().time_of(first);
    let to = stack.app.market.schedule().time_of(seq);
    let listed = stack
        .app
        .get(&format!(
            "/api/v1/trades/AAPL?from={from}&to={to}&limit=1000"
        ))
        .await;
    let listed = object_at(listed.text(), "trades");
    assert!(trades.len() > 60, "{} trades", trades.len());
    let streamed: Vec<String> = trades
        .iter()
        .map(|t| t.replacen("{\"type\":\"trade\",", "{", 1))
        .collect();
    assert_eq!(listed, format!("[{}]", streamed.join(",")));
}
