//! The stream itself: the welcome, the default all-symbol stream, `?symbols=` and the
//! `batch` and `array` formats.

use serde_json::{json, Value};
use ticker_core::{Seq, VERSION};

use crate::helpers::{
    classic_json, config, connect, expect_quote_frames, quotes_json, recv_json, recv_text,
    recv_type, send_text, TestServer, INTERVAL_MS,
};

#[tokio::test]
async fn welcome_describes_the_stream_and_current_quotes_follow() {
    let server = TestServer::spawn(config()).await;
    let mut ws = connect(&server, "/ws").await;
    let welcome = recv_type(&mut ws, "welcome").await;
    let symbols = server.symbols();
    assert_eq!(welcome["version"], VERSION);
    assert_eq!(welcome["symbols"], json!(symbols));
    assert_eq!(welcome["subscribed"], json!(symbols));
    assert_eq!(welcome["interval_ms"], INTERVAL_MS);
    assert_eq!(welcome["seq"], server.seq().0);
    assert_eq!(welcome["format"], "quote");
    expect_quote_frames(&mut ws, &server, &symbols, server.seq()).await;
}

#[tokio::test]
async fn the_root_path_upgrades_like_ws() {
    let server = TestServer::spawn(config()).await;
    let mut ws = connect(&server, "/?symbols=TSLA").await;
    let welcome = recv_type(&mut ws, "welcome").await;
    assert_eq!(welcome["subscribed"], json!(["TSLA"]));
    expect_quote_frames(&mut ws, &server, &["TSLA"], server.seq()).await;
}

#[tokio::test]
async fn default_stream_sends_every_symbol_at_every_tick_in_order() {
    let server = TestServer::spawn(config()).await;
    let mut ws = connect(&server, "/ws").await;
    let start = server.seq();
    let names = server.symbols();
    recv_type(&mut ws, "welcome").await;
    expect_quote_frames(&mut ws, &server, &names, start).await;

    let next = server.advance(1);
    assert_eq!(next.0, start.0 + 1);
    expect_quote_frames(&mut ws, &server, &names, next).await;

    // A jump of several intervals publishes every tick in between, none skipped.
    let last = server.advance(3);
    for seq in next.0 + 1..=last.0 {
        expect_quote_frames(&mut ws, &server, &names, Seq(seq)).await;
    }
}

#[tokio::test]
async fn symbols_query_subscribes_only_those_symbols() {
    let server = TestServer::spawn(config()).await;
    // Case-insensitive, reported and streamed in market order.
    let mut ws = connect(&server, "/ws?symbols=msft,AAPL").await;
    let welcome = recv_type(&mut ws, "welcome").await;
    assert_eq!(welcome["subscribed"], json!(["AAPL", "MSFT"]));
    assert_eq!(welcome["symbols"], json!(server.symbols()));
    expect_quote_frames(&mut ws, &server, &["AAPL", "MSFT"], server.seq()).await;
    // Two ticks back to back: anything unsubscribed would show up between them.
    for _ in 0..2 {
        let seq = server.advance(1);
        expect_quote_frames(&mut ws, &server, &["AAPL", "MSFT"], seq).await;
    }
}

#[tokio::test]
async fn batch_format_sends_one_quotes_message_per_tick() {
    let server = TestServer::spawn(config()).await;
    let mut ws = connect(&server, "/ws?format=batch&symbols=TSLA,AAPL").await;
    let welcome = recv_type(&mut ws, "welcome").await;
    assert_eq!(welcome["format"], "batch");
    let mut seq = server.seq();
    for round in 0..3 {
        if round > 0 {
            seq = server.advance(1);
        }
        let batch = recv_type(&mut ws, "quotes").await;
        assert_eq!(batch["seq"], seq.0);
        assert_eq!(
            batch["timestamp"],
            server.market.schedule().time_of(seq),
            "{batch}"
        );
        assert_eq!(
            batch["quotes"],
            quotes_json(&server, &["AAPL", "TSLA"], seq)
        );
        assert!(batch.get("dropped").is_none(), "{batch}");
    }
}

#[tokio::test]
async fn array_format_sends_bare_arrays_and_nothing_else() {
    let server = TestServer::spawn(config()).await;
    let m = &server.market;
    let mut ws = connect(&server, "/ws?format=array&symbols=AMZN,GOOGL").await;
    let start = server.seq();
    let classic = |names: &[&str], seq| {
        Value::Array(
            names
                .iter()
                .map(|s| classic_json(m, server.id(s), seq))
                .collect(),
        )
    };
    // No welcome: the current quotes come first.
    let first: Value = serde_json::from_str(&recv_text(&mut ws).await).unwrap();
    assert_eq!(first, classic(&["GOOGL", "AMZN"], start));
    for q in first.as_array().unwrap() {
        assert!(q["stock"].is_string() && q["price"].is_number() && q["change"].is_number());
    }

    // Errors, pongs and acks are all suppressed; a subscription's snapshot is an array too.
    send_text(&mut ws, "{").await;
    send_text(&mut ws, r#"{"type":"ping"}"#).await;
    send_text(&mut ws, r#"{"type":"subscribe","symbols":["MSFT"]}"#).await;
    assert_eq!(recv_json(&mut ws).await, classic(&["MSFT"], start));
    let next = server.advance(1);
    assert_eq!(
        recv_json(&mut ws).await,
        classic(&["GOOGL", "MSFT", "AMZN"], next)
    );
}
