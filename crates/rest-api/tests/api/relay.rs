//! `/ws` on the rest-api relays to the real ws-server: the same bytes as the ws-server sends
//! directly for the same tick, classic arrays by default, any `format=` passed through, and
//! the ws-server's refusals passed on as they are.

use futures_util::SinkExt;
use rest_api::RestConfig;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use ws_server::WsConfig;

use crate::helpers::{rest_config, Client};
use crate::relayed::{
    connect, metric_in, payload, raw_frame, raw_upgrade, recv_json, recv_text, spawn_stack,
};

fn ws_config() -> WsConfig {
    WsConfig::default()
}

#[tokio::test]
async fn relayed_frames_are_the_ws_servers_bytes_and_default_to_classic_arrays() {
    let stack = spawn_stack(rest_config(), ws_config()).await;
    let mut relayed = Client::connect(stack.app.addr).await;
    let mut direct = Client::connect(stack.ws_addr).await;
    // The same upgrade on both: the relay adds only `format=array`.
    let a = raw_upgrade(&mut relayed, "/ws", &[]).await;
    let b = raw_upgrade(&mut direct, "/ws?format=array", &[]).await;
    assert_eq!((a.status, b.status), (101, 101));
    for name in ["upgrade", "connection", "sec-websocket-accept"] {
        assert_eq!(a.header(name), b.header(name), "{name}");
    }
    assert_eq!(
        a.header("sec-websocket-accept"),
        Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        "the ws-server's answer to the client's own key"
    );
    let mut seq = stack.app.tick();
    for round in 0..4 {
        if round > 0 {
            seq = stack.advance();
        }
        // Whole frames, header and payload, byte for byte.
        let frame = raw_frame(&mut relayed).await;
        assert_eq!(frame, raw_frame(&mut direct).await, "tick {seq}");
        // A classic array of every symbol at this tick: REST's format=array body, as is.
        let rest = stack.app.get("/api/v1/latest?format=array").await;
        assert_eq!(payload(&frame), rest.body.as_slice(), "tick {seq}");
        let items: Value = serde_json::from_slice(payload(&frame)).unwrap();
        for item in items.as_array().unwrap() {
            assert_eq!(item["seq"], seq.0);
            let id = stack.app.id(item["stock"].as_str().unwrap());
            let change = stack.app.market.tick_change(id, seq).change;
            assert_eq!(item["change"].as_f64(), Some(change.to_f64()));
        }
    }
}

#[tokio::test]
async fn any_format_and_other_parameters_pass_through() {
    let stack = spawn_stack(rest_config(), ws_config()).await;
    for (path, first, per_tick) in [
        ("/ws?format=quote&symbols=TSLA,aapl", 3, 2),
        ("/ws?format=batch", 2, 1),
        ("/ws?symbols=MSFT&format=array", 1, 1),
        ("/ws?format=", 6, 5),
    ] {
        let mut relayed = connect(&stack.relayed(path)).await;
        let mut direct = connect(&stack.direct(path)).await;
        for _ in 0..first {
            assert_eq!(
                recv_text(&mut relayed).await,
                recv_text(&mut direct).await,
                "{path}"
            );
        }
        for _ in 0..2 {
            stack.advance();
            for _ in 0..per_tick {
                assert_eq!(
                    recv_text(&mut relayed).await,
                    recv_text(&mut direct).await,
                    "{path}"
                );
            }
        }
        // Client messages reach the ws-server: a ping is answered with a pong.
        if !path.contains("array") {
            relayed
                .send(Message::text(r#"{"type":"ping","id":7}"#))
                .await
                .unwrap();
            let pong = recv_json(&mut relayed).await;
            assert_eq!(
                (pong["type"].as_str(), pong["id"].as_i64()),
                (Some("pong"), Some(7))
            );
        }
    }
}

#[tokio::test]
async fn the_ws_servers_refusals_reach_the_client_as_they_are() {
    let stack = spawn_stack(
        rest_config(),
        WsConfig {
            allowed_origins: vec!["http://good.test".to_owned()],
            ..ws_config()
        },
    )
    .await;
    for (target, extra, status, code) in [
        ("/ws?format=xml", vec![], 400, "bad_request"),
        ("/ws?since=1&since=2", vec![], 400, "bad_request"),
        (
            "/ws",
            vec![("origin", "http://evil.test")],
            403,
            "origin_not_allowed",
        ),
    ] {
        let relayed = raw_upgrade(&mut Client::connect(stack.app.addr).await, target, &extra).await;
        let direct = raw_upgrade(&mut Client::connect(stack.ws_addr).await, target, &extra).await;
        let message = relayed.error_message(status, code);
        assert_eq!(message, direct.error_message(status, code), "{target}");
        assert_eq!(relayed.header("connection"), Some("close"), "{target}");
    }
    // The allowed origin is let through: Origin is forwarded as the client sent it.
    let ok = raw_upgrade(
        &mut Client::connect(stack.app.addr).await,
        "/ws",
        &[("origin", "http://good.test")],
    )
    .await;
    assert_eq!(ok.status, 101);
    // An unsupported WebSocket version is the ws-server's 426, with its header.
    let mut client = Client::connect(stack.app.addr).await;
    let old = client
        .request(
            "GET",
            "/ws",
            &[
                ("connection", "Upgrade"),
                ("upgrade", "websocket"),
                ("sec-websocket-version", "8"),
                ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ],
        )
        .await;
    old.error_message(426, "unsupported_version");
    assert_eq!(old.header("sec-websocket-version"), Some("13"));
    assert_eq!(stack.metric("ticker_rest_relay_refused_total").await, 4.0);
}

#[tokio::test]
async fn a_full_ws_server_is_its_own_503_passed_on() {
    let stack = spawn_stack(
        rest_config(),
        WsConfig {
            max_connections: 1,
            ..ws_config()
        },
    )
    .await;
    let _only = connect(&stack.direct("/ws")).await;
    let refused = raw_upgrade(&mut Client::connect(stack.app.addr).await, "/ws", &[]).await;
    let message = refused.error_message(503, "overloaded");
    assert!(message.contains("limit of 1 connections"), "{message}");
}

#[tokio::test]
async fn a_plain_request_to_ws_is_426_and_other_methods_405() {
    let stack = spawn_stack(rest_config(), ws_config()).await;
    let mut client = Client::connect(stack.app.addr).await;
    let plain = client.get("/ws").await;
    let message = plain.error_message(426, "upgrade_required");
    assert!(message.contains("new WebSocket("), "{message}");
    assert_eq!(plain.header("upgrade"), Some("websocket"));
    let head = client.request("HEAD", "/ws", &[]).await;
    assert_eq!(head.status, 426);
    let post = client.request("POST", "/ws", &[]).await;
    post.error_message(405, "method_not_allowed");
    // An upgrade asked of any other path is answered, then the connection closes.
    let other = raw_upgrade(&mut client, "/health", &[]).await;
    assert_eq!(other.status, 200);
    assert_eq!(other.header("connection"), Some("close"));
    client.closed().await;
}

#[tokio::test]
async fn metrics_count_relayed_connections_and_bytes() {
    let stack = spawn_stack(rest_config(), ws_config()).await;
    let mut ws = connect(&stack.relayed("/ws?format=quote&symbols=AAPL")).await;
    assert_eq!(recv_json(&mut ws).await["type"], "welcome");
    assert_eq!(recv_json(&mut ws).await["symbol"], "AAPL");
    ws.send(Message::text(r#"{"type":"ping"}"#)).await.unwrap();
    assert_eq!(recv_json(&mut ws).await["type"], "pong");
    let text = stack.app.get("/metrics").await.text().to_owned();
    assert_eq!(metric_in(&text, "ticker_rest_relay_connections"), 1.0);
    assert_eq!(metric_in(&text, "ticker_rest_relay_connections_total"), 1.0);
    assert!(
        metric_in(
            &text,
            "ticker_rest_relay_bytes_total{direction=\"to_client\"}"
        ) > 300.0
    );
    assert!(
        metric_in(
            &text,
            "ticker_rest_relay_bytes_total{direction=\"to_server\"}"
        ) >= 21.0
    );
    assert!(
        text.contains("ticker_rest_requests_total{route=\"ws\",status=\"101\"} 1\n"),
        "{text}"
    );
    drop(ws);
    stack
        .await_metric("ticker_rest_relay_connections", 0.0)
        .await;
}

#[tokio::test]
async fn the_relay_forwards_to_the_path_of_ws_url() {
    // `--ws-url` without a path: the ws-server's `/` (it serves both `/` and `/ws`).
    let stack = spawn_stack(rest_config(), ws_config()).await;
    let rest = RestConfig {
        ws_url: format!("ws://{}", stack.ws_addr),
        ..rest_config()
    };
    let app = crate::helpers::spawn_app_with(rest).await;
    let mut ws = connect(&format!("ws://{}/ws?symbols=GOOGL", app.addr)).await;
    let first = recv_json(&mut ws).await;
    assert_eq!(first[0]["stock"], "GOOGL");
}

#[tokio::test]
async fn a_replay_through_the_relay_is_the_ws_servers_replay() {
    let stack = spawn_stack(rest_config(), ws_config()).await;
    let schedule = *stack.app.market.schedule();
    let now = stack.app.tick();
    let (from, to) = (
        schedule.time_of(ticker_core::Seq(now.0 - 10)),
        schedule.time_of(ticker_core::Seq(now.0 - 5)),
    );
    // The relay's default framing (classic arrays) and an explicit one, against the ws-server.
    for query in [
        format!("from={from}&to={to}&speed=1000"),
        format!("format=batch&symbols=AAPL&from={from}&to={to}&speed=1000"),
    ] {
        let array = !query.contains("format=");
        let mut relayed = connect(&stack.relayed(&format!("/ws?{query}"))).await;
        let direct_query = if array {
            format!("{query}&format=array")
        } else {
            query.clone()
        };
        let mut direct = connect(&stack.direct(&format!("/ws?{direct_query}"))).await;
        let frames = if array { 6 } else { 8 }; // arrays; or welcome, six batches, replay_end
        for _ in 0..frames {
            let (a, b) = (recv_text(&mut relayed).await, recv_text(&mut direct).await);
            if a.starts_with(r#"{"type":"welcome""#) {
                // The welcome reports the clock's now, read a moment apart.
                assert_eq!(
                    a.split(r#","clock""#).next(),
                    b.split(r#","clock""#).next(),
                    "{query}"
                );
            } else {
                assert_eq!(a, b, "{query}");
            }
        }
        assert_eq!(recv_close_code(&mut relayed).await, Some(1000), "{query}");
    }
}

/// The close code the relayed connection ends with.
async fn recv_close_code(ws: &mut crate::relayed::Ws) -> Option<u16> {
    use futures_util::StreamExt;
    loop {
        match crate::helpers::within("a close", ws.next()).await {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => {}
            _ => return None,
        }
    }
}
