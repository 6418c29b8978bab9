//! Every `error` code, each answered with an `error` message on a connection that stays usable
//! (the next ping gets its pong).

use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{
    assert_usable, config, connect, expect_quote_frames, quotes_json, recv_type, send_json,
    send_text, TestServer,
};
use ws_server::WsConfig;

fn assert_error(msg: &Value, code: &str) {
    assert_eq!(msg["type"], "error", "{msg}");
    assert_eq!(msg["code"], code, "{msg}");
    assert!(
        msg["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{msg}"
    );
}

#[tokio::test]
async fn bad_messages_get_their_error_code_and_the_connection_stays_usable() {
    let server = TestServer::spawn(config()).await;
    let mut ws = connect(&server, "/ws?symbols=AAPL").await;
    recv_type(&mut ws, "welcome").await;
    recv_type(&mut ws, "quote").await;
    let cases = [
        ("{", "invalid_json"),
        ("not json at all", "invalid_json"),
        ("[1]", "invalid_message"),
        (r#"{"symbols":["AAPL"]}"#, "invalid_message"),
        (r#"{"type":5}"#, "invalid_message"),
        (r#"{"type":"subscribe"}"#, "invalid_message"),
        (r#"{"type":"subscribe","symbols":[1]}"#, "invalid_message"),
        (r#"{"type":"resume","since":-1}"#, "invalid_message"),
        (r#"{"type":"resume"}"#, "invalid_message"),
        (r#"{"type":"dance"}"#, "unknown_type"),
    ];
    for (i, (text, code)) in cases.into_iter().enumerate() {
        send_text(&mut ws, text).await;
        let err = recv_type(&mut ws, "error").await;
        assert_error(&err, code);
        assert_usable(&mut ws, i as u64).await;
    }
    assert!(server.metric("ticker_ws_errors_sent_total").await >= cases.len() as u64);
}

#[tokio::test]
async fn binary_messages_get_unsupported_binary_and_the_connection_stays_usable() {
    let server = TestServer::spawn(config()).await;
    let mut ws = connect(&server, "/ws?symbols=AAPL").await;
    recv_type(&mut ws, "welcome").await;
    recv_type(&mut ws, "quote").await;
    ws.send(Message::binary(b"{\"type\":\"ping\"}".to_vec()))
        .await
        .unwrap();
    assert_error(&recv_type(&mut ws, "error").await, "unsupported_binary");
    assert_usable(&mut ws, 1).await;
}

#[tokio::test]
async fn unknown_symbols_are_listed_and_the_known_ones_still_apply() {
    let server = TestServer::spawn(config()).await;
    let start = server.seq();
    // In the URL: reported right after the welcome.
    let mut ws = connect(&server, "/ws?symbols=AAPL,NOPE,ZZZ9").await;
    let welcome = recv_type(&mut ws, "welcome").await;
    assert_eq!(welcome["subscribed"], json!(["AAPL"]));
    let err = recv_type(&mut ws, "error").await;
    assert_error(&err, "unknown_symbols");
    assert_eq!(err["symbols"], json!(["NOPE", "ZZZ9"]));
    expect_quote_frames(&mut ws, &server, &["AAPL"], start).await;
    assert_usable(&mut ws, 1).await;

    // In a subscribe: the known symbol is added, then the unknown one is reported.
    send_json(
        &mut ws,
        &json!({"type": "subscribe", "symbols": ["MSFT", "BOGUS"]}),
    )
    .await;
    assert_eq!(
        recv_type(&mut ws, "subscribed").await["symbols"],
        json!(["AAPL", "MSFT"])
    );
    assert_eq!(
        recv_type(&mut ws, "snapshot").await["quotes"],
        quotes_json(&server, &["MSFT"], start)
    );
    let err = recv_type(&mut ws, "error").await;
    assert_error(&err, "unknown_symbols");
    assert_eq!(err["symbols"], json!(["BOGUS"]));
    assert_usable(&mut ws, 2).await;

    // In an unsubscribe, likewise.
    send_json(
        &mut ws,
        &json!({"type": "unsubscribe", "symbols": ["AAPL", "NADA"]}),
    )
    .await;
    assert_eq!(
        recv_type(&mut ws, "subscribed").await["symbols"],
        json!(["MSFT"])
    );
    let err = recv_type(&mut ws, "error").await;
    assert_error(&err, "unknown_symbols");
    assert_eq!(err["symbols"], json!(["NADA"]));
    assert_usable(&mut ws, 3).await;
}

#[tokio::test]
async fn too_many_symbols_is_refused_and_the_subscription_is_unchanged() {
    let server = TestServer::spawn(WsConfig {
        max_symbols: 2,
        ..config()
    })
    .await;
    let mut ws = connect(&server, "/ws?symbols=AAPL").await;
    recv_type(&mut ws, "welcome").await;
    recv_type(&mut ws, "quote").await;

    // More names than the limit in one message.
    send_json(
        &mut ws,
        &json!({"type": "subscribe", "symbols": ["GOOGL", "MSFT", "TSLA"]}),
    )
    .await;
    assert_error(&recv_type(&mut ws, "error").await, "too_many_symbols");
    assert_usable(&mut ws, 1).await;
    // Few names, but the total would exceed the limit.
    send_json(
        &mut ws,
        &json!({"type": "subscribe", "symbols": ["GOOGL", "MSFT"]}),
    )
    .await;
    assert_error(&recv_type(&mut ws, "error").await, "too_many_symbols");
    assert_usable(&mut ws, 2).await;

    let next = server.advance(1);
    expect_quote_frames(&mut ws, &server, &["AAPL"], next).await;
    // Up to the limit is fine.
    send_json(&mut ws, &json!({"type": "subscribe", "symbols": ["TSLA"]})).await;
    assert_eq!(
        recv_type(&mut ws, "subscribed").await["symbols"],
        json!(["AAPL", "TSLA"])
    );
}

#[tokio::test]
async fn an_invalid_since_is_reported_and_the_current_quotes_follow() {
    let server = TestServer::spawn(config()).await;
    let now = server.seq();
    let ahead = now.0 + 100;
    for query in ["since=yesterday".to_owned(), format!("since={ahead}")] {
        let mut ws = connect(&server, &format!("/ws?symbols=AAPL&{query}")).await;
        recv_type(&mut ws, "welcome").await;
        assert_error(&recv_type(&mut ws, "error").await, "invalid_since");
        expect_quote_frames(&mut ws, &server, &["AAPL"], now).await;
        assert_usable(&mut ws, 1).await;
    }
}

#[tokio::test]
async fn a_resume_message_ahead_of_the_stream_is_reported_as_invalid_since() {
    let server = TestServer::spawn(config()).await;
    let now = server.seq();
    let mut ws = connect(&server, "/ws?symbols=AAPL").await;
    recv_type(&mut ws, "welcome").await;
    expect_quote_frames(&mut ws, &server, &["AAPL"], now).await;
    send_json(&mut ws, &json!({"type": "resume", "since": now.0 + 50})).await;
    assert_error(&recv_type(&mut ws, "error").await, "invalid_since");
    assert_usable(&mut ws, 2).await;
}

#[tokio::test]
async fn the_default_subscription_is_capped_at_max_symbols_with_an_error() {
    let server = TestServer::spawn(WsConfig {
        max_symbols: 2,
        ..config()
    })
    .await;
    for path in ["/ws", "/ws?symbols=*"] {
        let mut ws = connect(&server, path).await;
        let welcome = recv_type(&mut ws, "welcome").await;
        assert_eq!(welcome["subscribed"], json!(["AAPL", "GOOGL"]), "{path}");
        assert_error(&recv_type(&mut ws, "error").await, "too_many_symbols");
        expect_quote_frames(&mut ws, &server, &["AAPL", "GOOGL"], server.seq()).await;
        // Re-subscribing to what it already has is fine, not "too many".
        send_json(&mut ws, &json!({"type": "subscribe", "symbols": ["AAPL"]})).await;
        assert_eq!(
            recv_type(&mut ws, "subscribed").await["symbols"],
            json!(["AAPL", "GOOGL"])
        );
    }
}
