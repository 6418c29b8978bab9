//! Resume: `?since=` and `{"type":"resume"}` replay missed ticks within the replay window and
//! answer older requests with a `gap` and a snapshot. Nothing is ever sent twice.

use serde_json::json;
use ticker_core::Seq;

use crate::helpers::{
    assert_usable, config, connect, expect_quote_frames, quote_frame, quotes_json, recv_text,
    recv_type, send_json, Seen, TestServer,
};

/// The replay window of [`config`].
const WINDOW: u64 = 20;

#[tokio::test]
async fn since_within_the_window_replays_every_missed_tick() {
    let server = TestServer::spawn(config()).await;
    let now = server.seq();
    // The oldest resumable point: exactly the window.
    let since = now.0 - WINDOW;
    let mut ws = connect(&server, &format!("/ws?symbols=AAPL,TSLA&since={since}")).await;
    assert_eq!(recv_type(&mut ws, "welcome").await["seq"], now.0);
    for seq in since + 1..=now.0 {
        expect_quote_frames(&mut ws, &server, &["AAPL", "TSLA"], Seq(seq)).await;
    }
    let next = server.advance(1);
    expect_quote_frames(&mut ws, &server, &["AAPL", "TSLA"], next).await;
    assert!(server.metric("ticker_ws_resumes_total").await >= 1);
}

#[tokio::test]
async fn since_the_current_tick_sends_nothing_until_the_next() {
    let server = TestServer::spawn(config()).await;
    let now = server.seq();
    let mut ws = connect(&server, &format!("/ws?symbols=MSFT&since={}", now.0)).await;
    recv_type(&mut ws, "welcome").await;
    assert_usable(&mut ws, 1).await;
    let next = server.advance(1);
    expect_quote_frames(&mut ws, &server, &["MSFT"], next).await;
}

#[tokio::test]
async fn since_beyond_the_window_sends_a_gap_and_a_snapshot() {
    let server = TestServer::spawn(config()).await;
    let now = server.seq();
    let since = now.0 - WINDOW - 1;
    let mut ws = connect(&server, &format!("/ws?symbols=AAPL,TSLA&since={since}")).await;
    recv_type(&mut ws, "welcome").await;
    let gap = recv_type(&mut ws, "gap").await;
    assert_eq!(gap["from"], since + 1);
    assert_eq!(gap["to"], now.0);
    let snapshot = recv_type(&mut ws, "snapshot").await;
    assert_eq!(snapshot["seq"], now.0);
    assert_eq!(
        snapshot["quotes"],
        quotes_json(&server, &["AAPL", "TSLA"], now)
    );
    // The snapshot stands for the current tick: the stream goes on with the next one.
    let next = server.advance(1);
    expect_quote_frames(&mut ws, &server, &["AAPL", "TSLA"], next).await;
    assert!(server.metric("ticker_ws_gaps_total").await >= 1);
}

#[tokio::test]
async fn resume_message_replays_the_ticks_before_the_connection_once() {
    let server = TestServer::spawn(config()).await;
    let start = server.seq();
    let mut ws = connect(&server, "/ws?symbols=AAPL").await;
    recv_type(&mut ws, "welcome").await;
    expect_quote_frames(&mut ws, &server, &["AAPL"], start).await;
    let later = server.advance(2);
    for seq in start.0 + 1..=later.0 {
        expect_quote_frames(&mut ws, &server, &["AAPL"], Seq(seq)).await;
    }

    // Only the ticks before the connection's first are missing.
    send_json(&mut ws, &json!({"type": "resume", "since": start.0 - 5})).await;
    for seq in start.0 - 4..start.0 {
        expect_quote_frames(&mut ws, &server, &["AAPL"], Seq(seq)).await;
    }
    // Asking again, or for ticks already received, sends nothing.
    for since in [start.0 - 5, start.0 - 1, later.0] {
        send_json(&mut ws, &json!({"type": "resume", "since": since})).await;
    }
    assert_usable(&mut ws, 1).await;
    let next = server.advance(1);
    expect_quote_frames(&mut ws, &server, &["AAPL"], next).await;
}

#[tokio::test]
async fn resume_message_after_a_since_connection_replays_only_older_ticks() {
    let server = TestServer::spawn(config()).await;
    let now = server.seq();
    let mut seen = Seen::default();
    let mut ws = connect(&server, &format!("/ws?symbols=GOOGL&since={}", now.0 - 3)).await;
    recv_type(&mut ws, "welcome").await;
    for _ in 0..3 {
        seen.record_message(&recv_type(&mut ws, "quote").await);
    }
    send_json(&mut ws, &json!({"type": "resume", "since": now.0 - 6})).await;
    for seq in now.0 - 5..=now.0 - 3 {
        let text = recv_text(&mut ws).await;
        assert_eq!(
            text,
            quote_frame(&server.market, server.id("GOOGL"), Seq(seq))
        );
        seen.record_message(&serde_json::from_str(&text).unwrap());
    }
    assert_usable(&mut ws, 1).await;
    for seq in now.0 - 5..=now.0 {
        assert!(seen.contains("GOOGL", Seq(seq)), "missing {seq}");
    }
}

#[tokio::test]
async fn resume_message_beyond_the_window_sends_a_gap_and_a_snapshot() {
    let server = TestServer::spawn(config()).await;
    let start = server.seq();
    let mut ws = connect(&server, "/ws?symbols=AAPL,MSFT").await;
    recv_type(&mut ws, "welcome").await;
    expect_quote_frames(&mut ws, &server, &["AAPL", "MSFT"], start).await;

    let since = start.0 - 50;
    send_json(&mut ws, &json!({"type": "resume", "since": since})).await;
    let gap = recv_type(&mut ws, "gap").await;
    assert_eq!(gap["from"], since + 1);
    // The connection already has `start`: the gap ends just before it.
    assert_eq!(gap["to"], start.0 - 1);
    let snapshot = recv_type(&mut ws, "snapshot").await;
    assert_eq!(snapshot["seq"], start.0 - 1);
    assert_eq!(
        snapshot["quotes"],
        quotes_json(&server, &["AAPL", "MSFT"], Seq(start.0 - 1))
    );
    assert_usable(&mut ws, 1).await;
    let next = server.advance(1);
    expect_quote_frames(&mut ws, &server, &["AAPL", "MSFT"], next).await;
}
