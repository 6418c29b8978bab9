//! `subscribe` / `unsubscribe`: acks carry the whole set, snapshots only what is new, and no
//! (symbol, seq) ever reaches a connection twice.

use serde_json::json;

use crate::helpers::{
    assert_usable, config, connect, expect_quote_frames, quotes_json, recv_type, send_json, Seen,
    TestServer,
};

#[tokio::test]
async fn subscribe_acks_the_whole_set_and_snapshots_only_the_new_symbols() {
    let server = TestServer::spawn(config()).await;
    let mut seen = Seen::default();
    let mut ws = connect(&server, "/ws?symbols=AAPL").await;
    let start = server.seq();
    recv_type(&mut ws, "welcome").await;
    seen.record_message(&recv_type(&mut ws, "quote").await);

    send_json(
        &mut ws,
        &json!({"type": "subscribe", "symbols": ["TSLA", "AAPL", "msft"]}),
    )
    .await;
    let ack = recv_type(&mut ws, "subscribed").await;
    assert_eq!(ack["symbols"], json!(["AAPL", "MSFT", "TSLA"]));
    let snapshot = recv_type(&mut ws, "snapshot").await;
    assert_eq!(snapshot["seq"], start.0);
    assert_eq!(
        snapshot["quotes"],
        quotes_json(&server, &["MSFT", "TSLA"], start)
    );
    seen.record_message(&snapshot);

    let next = server.advance(1);
    for _ in 0..3 {
        let quote = recv_type(&mut ws, "quote").await;
        assert_eq!(quote["seq"], next.0);
        seen.record_message(&quote);
    }
    for symbol in ["AAPL", "MSFT", "TSLA"] {
        assert!(seen.contains(symbol, start) && seen.contains(symbol, next));
    }
}

#[tokio::test]
async fn subscribing_to_symbols_already_subscribed_sends_no_snapshot() {
    let server = TestServer::spawn(config()).await;
    let mut ws = connect(&server, "/ws?symbols=AAPL,MSFT").await;
    recv_type(&mut ws, "welcome").await;
    expect_quote_frames(&mut ws, &server, &["AAPL", "MSFT"], server.seq()).await;
    send_json(&mut ws, &json!({"type": "subscribe", "symbols": ["MSFT"]})).await;
    let ack = recv_type(&mut ws, "subscribed").await;
    assert_eq!(ack["symbols"], json!(["AAPL", "MSFT"]));
    // The pong comes next: nothing (no snapshot) was sent in between.
    assert_usable(&mut ws, 1).await;
}

#[tokio::test]
async fn subscribe_star_adds_every_symbol() {
    let server = TestServer::spawn(config()).await;
    let mut ws = connect(&server, "/ws?symbols=TSLA").await;
    let start = server.seq();
    recv_type(&mut ws, "welcome").await;
    expect_quote_frames(&mut ws, &server, &["TSLA"], start).await;
    send_json(&mut ws, &json!({"type": "subscribe", "symbols": ["*"]})).await;
    assert_eq!(
        recv_type(&mut ws, "subscribed").await["symbols"],
        json!(server.symbols())
    );
    let snapshot = recv_type(&mut ws, "snapshot").await;
    assert_eq!(
        snapshot["quotes"],
        quotes_json(&server, &["AAPL", "GOOGL", "MSFT", "AMZN"], start)
    );
}

#[tokio::test]
async fn unsubscribe_acks_the_remaining_set_and_stops_those_symbols() {
    let server = TestServer::spawn(config()).await;
    let mut seen = Seen::default();
    let mut ws = connect(&server, "/ws").await;
    recv_type(&mut ws, "welcome").await;
    for _ in 0..5 {
        seen.record_message(&recv_type(&mut ws, "quote").await);
    }

    send_json(
        &mut ws,
        &json!({"type": "unsubscribe", "symbols": ["GOOGL", "AMZN"]}),
    )
    .await;
    let ack = recv_type(&mut ws, "subscribed").await;
    assert_eq!(ack["symbols"], json!(["AAPL", "MSFT", "TSLA"]));
    let first = server.advance(1);
    expect_quote_frames(&mut ws, &server, &["AAPL", "MSFT", "TSLA"], first).await;

    send_json(&mut ws, &json!({"type": "unsubscribe", "symbols": ["*"]})).await;
    assert_eq!(recv_type(&mut ws, "subscribed").await["symbols"], json!([]));
    // AMZN's quote at `first` was never sent, so subscribing again snapshots it.
    send_json(&mut ws, &json!({"type": "subscribe", "symbols": ["amzn"]})).await;
    assert_eq!(
        recv_type(&mut ws, "subscribed").await["symbols"],
        json!(["AMZN"])
    );
    let snapshot = recv_type(&mut ws, "snapshot").await;
    assert_eq!(snapshot["seq"], first.0);
    assert_eq!(snapshot["quotes"], quotes_json(&server, &["AMZN"], first));
    seen.record_message(&snapshot);

    let second = server.advance(1);
    expect_quote_frames(&mut ws, &server, &["AMZN"], second).await;
    // And nothing else arrived for the unsubscribed symbols.
    assert_usable(&mut ws, 2).await;
}

#[tokio::test]
async fn resubscribing_within_a_tick_does_not_resend_that_ticks_quote() {
    let server = TestServer::spawn(config()).await;
    let mut seen = Seen::default();
    let mut ws = connect(&server, "/ws?symbols=AAPL,MSFT").await;
    let start = server.seq();
    recv_type(&mut ws, "welcome").await;
    for _ in 0..2 {
        seen.record_message(&recv_type(&mut ws, "quote").await);
    }
    send_json(
        &mut ws,
        &json!({"type": "unsubscribe", "symbols": ["AAPL"]}),
    )
    .await;
    assert_eq!(
        recv_type(&mut ws, "subscribed").await["symbols"],
        json!(["MSFT"])
    );
    send_json(
        &mut ws,
        &json!({"type": "subscribe", "symbols": ["AAPL", "TSLA"]}),
    )
    .await;
    assert_eq!(
        recv_type(&mut ws, "subscribed").await["symbols"],
        json!(["AAPL", "MSFT", "TSLA"])
    );
    let snapshot = recv_type(&mut ws, "snapshot").await;
    // AAPL's quote at `start` already reached this connection: only TSLA's is new.
    seen.record_message(&snapshot);
    assert_eq!(snapshot["seq"], start.0);
    assert_eq!(snapshot["quotes"], quotes_json(&server, &["TSLA"], start));
    let next = server.advance(1);
    expect_quote_frames(&mut ws, &server, &["AAPL", "MSFT", "TSLA"], next).await;
}
