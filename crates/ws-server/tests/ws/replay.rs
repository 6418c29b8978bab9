//! Replays (`?from=&to=&speed=&then=`): the bytes are the live stream's for the same ticks,
//! the end is announced and followed by a close or the live stream, the `replay` messages
//! steer it, and every limit answers with a clear error.

use serde_json::{json, Value};
use ticker_core::Seq;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use ws_server::WsConfig;

use crate::helpers::{
    config, connect, expect_quote_frames, http, market_config, recv_close, recv_json, recv_text,
    recv_type, send_json, upgrade_request, TestServer, Ws,
};

/// The next message that is not a quote, and the seqs of the quotes before it.
async fn until_not_quote(ws: &mut Ws) -> (Vec<u64>, Value) {
    let mut seqs = Vec::new();
    loop {
        let v = recv_json(ws).await;
        if v["type"] == "quote" {
            seqs.push(v["seq"].as_u64().unwrap());
        } else {
            return (seqs, v);
        }
    }
}

/// Nothing at all arrives for `ms` milliseconds.
async fn silent_for(ws: &mut Ws, ms: u64) {
    let got = timeout(std::time::Duration::from_millis(ms), recv_text(ws)).await;
    assert!(got.is_err(), "expected silence, got {got:?}");
}

#[tokio::test]
async fn replayed_bytes_are_the_live_streams_for_the_same_ticks_in_every_framing() {
    let server = TestServer::spawn(config()).await;
    for (query, per_tick) in [
        ("format=quote&symbols=AAPL,TSLA", 2),
        ("format=batch", 1),
        ("format=array&symbols=MSFT,AMZN", 1),
    ] {
        let array = query.contains("array");
        let start = server.seq();
        let mut live = connect(&server, &format!("/ws?{query}")).await;
        if !array {
            recv_type(&mut live, "welcome").await;
        }
        let mut want = Vec::new();
        for step in 0..=5 {
            if step > 0 {
                server.advance(1);
            }
            for _ in 0..per_tick {
                want.push(recv_text(&mut live).await);
            }
        }
        let (from, to) = (server.time_of(start), server.time_of(Seq(start.0 + 5)));
        let mut replay = connect(
            &server,
            &format!("/ws?{query}&from={from}&to={to}&speed=1000"),
        )
        .await;
        if !array {
            let welcome = recv_type(&mut replay, "welcome").await;
            assert_eq!(welcome["seq"], start.0, "{query}");
            assert_eq!(
                welcome["replay"],
                json!({"from": from, "to": to, "speed": 1000.0, "then": "close"})
            );
            assert_eq!(welcome["clock"]["kind"], "manual");
        }
        let mut got = Vec::new();
        for _ in 0..want.len() {
            got.push(recv_text(&mut replay).await);
        }
        assert_eq!(
            got, want,
            "{query}: replayed frames differ from the live ones"
        );
        if !array {
            let end = recv_type(&mut replay, "replay_end").await;
            assert_eq!(
                end,
                json!({"type": "replay_end", "reason": "to", "seq": start.0 + 5,
                       "timestamp": to, "then": "close"})
            );
        }
        assert_eq!(recv_close(&mut replay).await, Some(CloseCode::Normal));
    }
    assert_eq!(server.metric("ticker_ws_replays_total").await, 3);
}

#[tokio::test]
async fn then_live_after_to_restarts_at_the_latest_tick_and_streams_on() {
    let server = TestServer::spawn(config()).await;
    let now = server.seq();
    let (from, to) = (
        server.time_of(Seq(now.0 - 20)),
        server.time_of(Seq(now.0 - 10)),
    );
    let mut ws = connect(
        &server,
        &format!("/ws?symbols=AAPL&from={from}&to={to}&speed=500&then=live"),
    )
    .await;
    recv_type(&mut ws, "welcome").await;
    let (seqs, end) = until_not_quote(&mut ws).await;
    assert_eq!(seqs, (now.0 - 20..=now.0 - 10).collect::<Vec<_>>());
    assert_eq!(
        (end["type"].as_str(), end["reason"].as_str()),
        (Some("replay_end"), Some("to"))
    );
    assert_eq!(end["then"], "live");
    // The live market, as a new connection gets it: the latest tick, then every next one.
    expect_quote_frames(&mut ws, &server, &["AAPL"], now).await;
    let next = server.advance(1);
    expect_quote_frames(&mut ws, &server, &["AAPL"], next).await;
    let next = server.advance(1);
    expect_quote_frames(&mut ws, &server, &["AAPL"], next).await;
}

#[tokio::test]
async fn a_replay_that_catches_up_with_now_goes_live_without_a_gap_or_a_repeat() {
    let server = TestServer::spawn(config()).await;
    let now = server.seq();
    let from = server.time_of(Seq(now.0 - 30));
    let mut ws = connect(
        &server,
        &format!("/ws?symbols=MSFT&from={from}&speed=200&then=live"),
    )
    .await;
    recv_type(&mut ws, "welcome").await;
    let (seqs, end) = until_not_quote(&mut ws).await;
    assert_eq!(seqs, (now.0 - 30..=now.0).collect::<Vec<_>>());
    assert_eq!(end["reason"], "now");
    assert_eq!(end["seq"], now.0);
    for _ in 0..3 {
        let next = server.advance(1);
        expect_quote_frames(&mut ws, &server, &["MSFT"], next).await;
    }
}

#[tokio::test]
async fn pause_resume_speed_and_seek_are_acknowledged_and_obeyed() {
    let server = TestServer::spawn(config()).await;
    let now = server.seq();
    let from = server.time_of(Seq(now.0 - 900));
    // 10 ms ticks at 1×: a hundred a second.
    let mut ws = connect(&server, &format!("/ws?symbols=AAPL&from={from}")).await;
    let welcome = recv_type(&mut ws, "welcome").await;
    assert_eq!(welcome["replay"]["speed"], 1.0);
    let first = recv_type(&mut ws, "quote").await;
    assert_eq!(first["seq"], now.0 - 900);
    for k in 1..=5 {
        assert_eq!(recv_type(&mut ws, "quote").await["seq"], now.0 - 900 + k);
    }

    send_json(&mut ws, &json!({"type": "replay", "action": "pause"})).await;
    let (before, ack) = until_not_quote(&mut ws).await;
    assert_eq!(
        (ack["type"].as_str(), ack["action"].as_str()),
        (Some("replay"), Some("pause"))
    );
    assert_eq!(ack["state"], "paused");
    let paused_at = ack["seq"].as_u64().unwrap();
    assert!(
        before.iter().all(|s| *s <= paused_at),
        "{before:?} after {paused_at}"
    );
    let position = ack["position"].as_i64().unwrap();
    assert!(position >= server.time_of(Seq(paused_at)), "{ack}");
    silent_for(&mut ws, 300).await;

    // Bad values are errors; the replay stays paused.
    send_json(
        &mut ws,
        &json!({"type": "replay", "action": "speed", "speed": 0}),
    )
    .await;
    assert_eq!(recv_type(&mut ws, "error").await["code"], "invalid_replay");
    let future = server.clock_now() + 1;
    send_json(
        &mut ws,
        &json!({"type": "replay", "action": "seek", "time": future}),
    )
    .await;
    let e = recv_type(&mut ws, "error").await;
    assert_eq!(e["code"], "invalid_replay");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("after the market clock's now"),
        "{e}"
    );
    send_json(&mut ws, &json!({"type": "resume", "since": 1})).await;
    assert_eq!(recv_type(&mut ws, "error").await["code"], "replaying");
    silent_for(&mut ws, 100).await;

    send_json(&mut ws, &json!({"type": "replay", "action": "resume"})).await;
    let ack = recv_type(&mut ws, "replay").await;
    assert_eq!(
        (ack["state"].as_str(), ack["seq"].as_u64()),
        (Some("playing"), Some(paused_at))
    );
    assert_eq!(
        recv_type(&mut ws, "quote").await["seq"],
        paused_at + 1,
        "no gap, no repeat"
    );

    send_json(
        &mut ws,
        &json!({"type": "replay", "action": "speed", "speed": 10}),
    )
    .await;
    let (_, ack) = until_not_quote(&mut ws).await;
    assert_eq!(
        (ack["action"].as_str(), ack["speed"].as_f64()),
        (Some("speed"), Some(10.0))
    );

    // Back in time (to the session's first tick: the server's clock is 1 000 ticks into it),
    // the acknowledgement, then the quotes of that moment and on.
    let back = now.0 - 1000;
    let target = server.time_of(Seq(back)) + 5;
    send_json(
        &mut ws,
        &json!({"type": "replay", "action": "seek", "time": target}),
    )
    .await;
    let (_, ack) = until_not_quote(&mut ws).await;
    assert_eq!(
        (ack["action"].as_str(), ack["seq"].as_u64()),
        (Some("seek"), Some(back))
    );
    for k in 0..5 {
        let text = recv_text(&mut ws).await;
        assert_eq!(
            text,
            crate::helpers::quote_frame(&server.market, server.id("AAPL"), Seq(back + k))
        );
    }
}

#[tokio::test]
async fn a_replay_message_on_a_live_connection_is_an_error() {
    let server = TestServer::spawn(config()).await;
    let mut ws = connect(&server, "/ws?symbols=AAPL").await;
    recv_type(&mut ws, "welcome").await;
    recv_type(&mut ws, "quote").await;
    send_json(&mut ws, &json!({"type": "replay", "action": "pause"})).await;
    let e = recv_type(&mut ws, "error").await;
    assert_eq!(e["code"], "not_replaying");
}

#[tokio::test]
async fn bad_replay_urls_are_refused_before_the_upgrade() {
    let server = TestServer::spawn(WsConfig {
        max_replay_speed: 100.0,
        max_replay_range_ms: 60_000,
        ..config()
    })
    .await;
    let now = server.clock_now();
    let epoch = server.market.schedule().epoch_ms();
    for (query, code, says) in [
        (
            format!("from={now}&speed=101"),
            "bad_request",
            "--max-replay-speed",
        ),
        (
            format!("from={now}&speed=-1"),
            "bad_request",
            "is not a speed",
        ),
        (
            format!("from={}", now - 60_001),
            "bad_request",
            "--max-replay-range-ms",
        ),
        (
            format!("from={}", now + 1),
            "time_in_future",
            "has not got there yet",
        ),
        (
            format!("from={}", epoch - 1),
            "before_epoch",
            "before the market's epoch",
        ),
        (
            format!("from={now}&to={}", now - 1),
            "bad_request",
            "before `from`",
        ),
        (
            format!("from={now}&then=loop"),
            "bad_request",
            "not close or live",
        ),
        (format!("from={now}&since=5"), "bad_request", "`since`"),
        ("speed=2".to_owned(), "bad_request", "needs `from`"),
    ] {
        let resp = http(server.addr, &upgrade_request(&format!("/ws?{query}"), "")).await;
        assert_eq!(resp.status, 400, "{query}: {}", resp.body);
        let v = resp.json();
        assert_eq!(v["error"]["code"], code, "{query}: {v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(says),
            "{query}: {v}"
        );
    }
}

#[tokio::test]
async fn concurrent_replays_are_limited_and_a_finished_one_frees_its_place() {
    let server = TestServer::spawn(WsConfig {
        max_replays: 1,
        ..config()
    })
    .await;
    let from = server.time_of(Seq(server.seq().0 - 500));
    let path = format!("/ws?symbols=AAPL&from={from}");
    let mut first = connect(&server, &path).await;
    recv_type(&mut first, "welcome").await;
    let resp = http(server.addr, &upgrade_request(&path, "")).await;
    assert_eq!(resp.status, 503, "{}", resp.body);
    assert_eq!(resp.json()["error"]["code"], "too_many_replays");
    assert_eq!(server.metric("ticker_ws_replays_refused_total").await, 1);
    // Live connections are not replays.
    let mut live = connect(&server, "/ws?symbols=AAPL").await;
    recv_type(&mut live, "welcome").await;
    drop(first);
    crate::helpers::wait_for_health(&server, |h| h["replays"] == 0).await;
    let mut again = connect(&server, &path).await;
    recv_type(&mut again, "welcome").await;

    let off = TestServer::spawn(WsConfig {
        max_replays: 0,
        ..config()
    })
    .await;
    let resp = http(off.addr, &upgrade_request(&path, "")).await;
    assert_eq!(resp.status, 503);
    assert!(resp
        .body
        .contains("replays are off on this server (--max-replays 0)"));
}

#[tokio::test]
async fn a_replay_to_a_client_that_does_not_read_is_bounded_and_closed() {
    // One-second ticks at 1000×: a thousand ticks a second, far more than the socket takes.
    let server = TestServer::spawn_market(
        WsConfig {
            send_buffer_bytes: 4096,
            queue_ticks: 4,
            stall_timeout_ms: 300,
            ..config()
        },
        ticker_core::MarketConfig {
            interval_ms: 1000,
            ..market_config()
        },
    )
    .await;
    let from = server.time_of(Seq(server.seq().0 - 999));
    let stalled =
        crate::helpers::stalled_client(&server, &format!("/ws?from={from}&speed=1000")).await;
    server
        .wait_for_metric("ticker_ws_closed_slow_total", |n| n == 1)
        .await;
    assert!(server.metric("ticker_ws_frames_dropped_total").await > 0);
    drop(stalled);
    server
        .wait_for_metric("ticker_ws_connections", |n| n == 0)
        .await;
}

#[tokio::test]
async fn a_replay_client_that_reads_late_gets_the_dropped_count() {
    let server = TestServer::spawn_market(
        WsConfig {
            send_buffer_bytes: 4096,
            queue_ticks: 4,
            ..config()
        },
        ticker_core::MarketConfig {
            interval_ms: 1000,
            ..market_config()
        },
    )
    .await;
    let from = server.time_of(Seq(server.seq().0 - 999));
    let mut ws = crate::helpers::stalled_client(
        &server,
        &format!("/ws?format=batch&from={from}&speed=1000"),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let mut dropped = 0;
    let mut last = 0;
    while let Some(Ok(msg)) = next_message_plain(&mut ws).await {
        let v: Value = match msg {
            tokio_tungstenite::tungstenite::Message::Text(t) => serde_json::from_str(&t).unwrap(),
            _ => continue,
        };
        if v["type"] == "quotes" {
            let seq = v["seq"].as_u64().unwrap();
            assert!(seq > last, "seq went back: {seq} after {last}");
            last = seq;
            dropped += v["dropped"].as_u64().unwrap_or(0);
        }
        if v["type"] == "replay_end" {
            break;
        }
    }
    assert!(
        dropped > 0,
        "a client that read late was not told what it missed"
    );
}

/// The next message of a client made with [`crate::helpers::stalled_client`].
async fn next_message_plain(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
) -> Option<Result<tokio_tungstenite::tungstenite::Message, tokio_tungstenite::tungstenite::Error>>
{
    use futures_util::StreamExt;
    timeout(crate::helpers::PATIENCE, ws.next()).await.unwrap()
}
