//! The gateway streams at the protocol level, with a plain WebSocket client: every Alpaca error
//! code the service can send (400–407, 410) and every data message type (`t`, `q`, `b`, `d`,
//! `s`), Polygon's statuses (auth, subscriptions, errors, `max_connections`), and both
//! vendors' sessions per key.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use ticker_core::calendar::CalendarKind;
use ticker_net::GatewayKeys;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use ws_server::WsConfig;

use crate::stack::{market_config, rest_config, Stack, DAY_MS};
use crate::streams::Ticking;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
const WAIT: Duration = Duration::from_secs(10);

fn http_name(k: &str) -> tokio_tungstenite::tungstenite::http::HeaderName {
    k.parse().unwrap()
}

async fn connect(url: &str, headers: &[(&str, &str)]) -> Ws {
    let mut req = url.into_client_request().unwrap();
    for (k, v) in headers {
        let name = http_name(k);
        req.headers_mut().insert(name, v.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

/// The next text frame, parsed; `None` when the server closed.
async fn next(ws: &mut Ws) -> Option<Value> {
    loop {
        let msg = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame in time");
        match msg {
            Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(t.as_str()).unwrap()),
            Some(Ok(Message::Binary(b))) => return Some(rmp_value(&b)),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

fn rmp_value(b: &[u8]) -> Value {
    // Control frames only: data frames' timestamps (extension −1) have no JSON value.
    rmp_serde::from_slice(b).unwrap_or(Value::Null)
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

async fn expect(ws: &mut Ws, want: Value) {
    assert_eq!(next(ws).await, Some(want));
}

fn alpaca_error(code: u16, msg: &str) -> Value {
    json!([{"T": "error", "code": code, "msg": msg}])
}

async fn closes(ws: &mut Ws) {
    assert_eq!(next(ws).await, None, "the server closes");
}

fn ws_config() -> WsConfig {
    WsConfig {
        max_symbols: 3,
        gateway_auth_timeout_ms: 300,
        gateway_max_sessions_per_key: 1,
        ..WsConfig::default()
    }
}

async fn stack(keys: GatewayKeys) -> Stack {
    let ws = WsConfig {
        gateway_keys: keys,
        ..ws_config()
    };
    Stack::spawn_with(rest_config(), ws).await
}

const AUTH: fn() -> Value = || json!({"action": "auth", "key": "PK1", "secret": "S1"});

#[tokio::test]
async fn alpaca_answers_every_client_error_with_its_code() {
    let stack = stack(GatewayKeys::default()).await;
    let url = format!("{}/alpaca/v2/test", stack.ws_url());
    let mut ws = connect(&url, &[]).await;
    expect(&mut ws, json!([{"T": "success", "msg": "connected"}])).await;
    send(&mut ws, json!({"action": "subscribe", "trades": ["AAPL"]})).await;
    expect(&mut ws, alpaca_error(401, "not authenticated")).await;
    ws.send(Message::Text("{not json".into())).await.unwrap();
    expect(&mut ws, alpaca_error(400, "invalid syntax")).await;
    send(&mut ws, AUTH()).await;
    expect(&mut ws, json!([{"T": "success", "msg": "authenticated"}])).await;
    send(&mut ws, AUTH()).await;
    expect(&mut ws, alpaca_error(403, "already authenticated")).await;
    send(&mut ws, json!({"action": "subscribe", "news": ["AAPL"]})).await;
    expect(
        &mut ws,
        alpaca_error(410, "invalid subscribe action for this feed"),
    )
    .await;
    // At most 3 entries (`--max-symbols`): a fourth leaves the set as it was.
    send(
        &mut ws,
        json!({"action": "subscribe", "trades": ["AAPL", "MSFT", "TSLA"]}),
    )
    .await;
    let ack = next(&mut ws).await.unwrap();
    assert_eq!(ack[0]["trades"], json!(["AAPL", "MSFT", "TSLA"]));
    send(&mut ws, json!({"action": "subscribe", "quotes": ["AAPL"]})).await;
    expect(&mut ws, alpaca_error(405, "symbol limit exceeded")).await;
    send(
        &mut ws,
        json!({"action": "unsubscribe", "trades": ["TSLA"]}),
    )
    .await;
    let ack = next(&mut ws).await.unwrap();
    assert_eq!(ack[0]["trades"], json!(["AAPL", "MSFT"]));
    assert_eq!(ack[0]["quotes"], json!([]));

    // 404: no auth in time, then close.
    let mut late = connect(&url, &[]).await;
    expect(&mut late, json!([{"T": "success", "msg": "connected"}])).await;
    expect(&mut late, alpaca_error(404, "auth timeout")).await;
    closes(&mut late).await;

    // 406: the key's one session is taken (by `ws`); another key is fine.
    let mut second = connect(&url, &[]).await;
    expect(&mut second, json!([{"T": "success", "msg": "connected"}])).await;
    send(&mut second, AUTH()).await;
    expect(&mut second, alpaca_error(406, "connection limit exceeded")).await;
    closes(&mut second).await;
    // The slot comes back when the session ends.
    ws.close(None).await.unwrap();
    while next(&mut ws).await.is_some() {}
    let mut third = connect(
        &url,
        &[("APCA-API-KEY-ID", "PK1"), ("APCA-API-SECRET-KEY", "S1")],
    )
    .await;
    expect(&mut third, json!([{"T": "success", "msg": "connected"}])).await;
    expect(
        &mut third,
        json!([{"T": "success", "msg": "authenticated"}]),
    )
    .await;
}

#[tokio::test]
async fn configured_keys_fail_wrong_credentials_with_402_and_auth_failed() {
    let stack = stack(GatewayKeys {
        alpaca_key_id: Some("PK1".into()),
        alpaca_secret_key: Some("S1".into()),
        polygon_api_key: Some("PG1".into()),
    })
    .await;
    let mut ws = connect(&format!("{}/alpaca/v2/iex", stack.ws_url()), &[]).await;
    expect(&mut ws, json!([{"T": "success", "msg": "connected"}])).await;
    send(
        &mut ws,
        json!({"action": "auth", "key": "PK1", "secret": "wrong"}),
    )
    .await;
    expect(&mut ws, alpaca_error(402, "auth failed")).await;
    closes(&mut ws).await;

    let mut ws = connect(&format!("{}/polygon/stocks", stack.ws_url()), &[]).await;
    assert_eq!(next(&mut ws).await.unwrap()[0]["status"], "connected");
    send(&mut ws, json!({"action": "auth", "params": "wrong"})).await;
    assert_eq!(next(&mut ws).await.unwrap()[0]["status"], "auth_failed");
    closes(&mut ws).await;
    let mut ws = connect(&format!("{}/polygon/stocks", stack.ws_url()), &[]).await;
    next(&mut ws).await;
    send(&mut ws, json!({"action": "auth", "params": "PG1"})).await;
    assert_eq!(next(&mut ws).await.unwrap()[0]["status"], "auth_success");
}

#[tokio::test]
async fn polygon_statuses_cover_auth_subscriptions_errors_and_sessions_per_key() {
    let stack = stack(GatewayKeys::default()).await;
    let url = format!("{}/polygon/stocks", stack.ws_url());
    let status = |s: &str, m: &str| json!([{"ev": "status", "status": s, "message": m}]);
    let mut ws = connect(&url, &[]).await;
    expect(&mut ws, status("connected", "Connected Successfully")).await;
    send(&mut ws, json!({"action": "subscribe", "params": "T.MSFT"})).await;
    assert_eq!(next(&mut ws).await.unwrap()[0]["status"], "error");
    ws.send(Message::Text("nope".into())).await.unwrap();
    assert_eq!(next(&mut ws).await.unwrap()[0]["status"], "error");
    send(&mut ws, json!({"action": "auth", "params": "K"})).await;
    expect(&mut ws, status("auth_success", "authenticated")).await;
    send(
        &mut ws,
        json!({"action": "subscribe", "params": "T.MSFT,Q.MSFT"}),
    )
    .await;
    expect(&mut ws, status("success", "subscribed to: T.MSFT")).await;
    expect(&mut ws, status("success", "subscribed to: Q.MSFT")).await;
    send(
        &mut ws,
        json!({"action": "unsubscribe", "params": "Q.MSFT"}),
    )
    .await;
    expect(&mut ws, status("success", "unsubscribed to: Q.MSFT")).await;
    send(&mut ws, json!({"action": "subscribe", "params": "X.MSFT"})).await;
    assert_eq!(next(&mut ws).await.unwrap()[0]["status"], "error");

    // The key's one session is taken.
    let mut second = connect(&url, &[]).await;
    next(&mut second).await;
    send(&mut second, json!({"action": "auth", "params": "K"})).await;
    assert_eq!(
        next(&mut second).await.unwrap()[0]["status"],
        "max_connections"
    );
    closes(&mut second).await;

    // No auth in time: a status, then close.
    let mut late = connect(&url, &[]).await;
    next(&mut late).await;
    assert_eq!(next(&mut late).await.unwrap()[0]["status"], "auth_timeout");
    closes(&mut late).await;
}

/// Reads data frames until every type in `want` was seen (or the wait runs out).
async fn collect(ws: &mut Ws, tag: &str, want: &[&str]) -> Vec<Value> {
    let mut seen: Vec<Value> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !want.iter().all(|w| seen.iter().any(|m| m[tag] == *w)) {
        assert!(tokio::time::Instant::now() < deadline, "saw {seen:?}");
        let frame = next(ws).await.expect("data");
        seen.extend(frame.as_array().unwrap().iter().cloned());
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alpaca_sends_trades_quotes_minute_and_daily_bars_and_statuses() {
    // AAPL on NYSE hours: the clock stands ten seconds before its pre-market opens (04:00
    // New York, 09:00 UTC on 2024-01-11), so its status changes while the test watches.
    let mut market = market_config();
    market.symbols[0].calendar = CalendarKind::UsEquity;
    let now = ticker_core::config::DEFAULT_EPOCH_MS + 10 * DAY_MS + 9 * 3_600_000 - 10_000;
    let ws_cfg = WsConfig {
        max_symbols: 100,
        ..WsConfig::default()
    };
    let stack = Stack::spawn_on(rest_config(), ws_cfg, market, now).await;
    let mut ws = connect(&format!("{}/alpaca/v2/sip", stack.ws_url()), &[]).await;
    next(&mut ws).await;
    send(&mut ws, AUTH()).await;
    next(&mut ws).await;
    send(
        &mut ws,
        json!({"action": "subscribe", "trades": ["MSFT"], "quotes": ["MSFT"], "bars": ["*"],
               "dailyBars": ["MSFT"], "statuses": ["*"]}),
    )
    .await;
    next(&mut ws).await;
    let _ticking = Ticking::start(&stack);
    let seen = collect(&mut ws, "T", &["t", "q", "b", "d", "s"]).await;
    let first = |t: &str| seen.iter().find(|m| m["T"] == t).unwrap().clone();
    let t = first("t");
    assert_eq!(t["S"], "MSFT");
    for k in ["i", "x", "p", "s", "c", "t", "z"] {
        assert!(!t[k].is_null(), "trade field {k}: {t}");
    }
    let q = first("q");
    for k in ["ax", "ap", "as", "bx", "bp", "bs", "c", "t", "z"] {
        assert!(!q[k].is_null(), "quote field {k}: {q}");
    }
    for b in [first("b"), first("d")] {
        for k in ["o", "h", "l", "c", "v", "n", "vw", "t"] {
            assert!(!b[k].is_null(), "bar field {k}: {b}");
        }
    }
    let s = first("s");
    assert_eq!(s["S"], "AAPL");
    assert_eq!(
        s["sc"], "T",
        "AAPL (tape C) resumes when its pre-market opens: {s}"
    );
    assert_eq!(s["t"], "2024-01-11T09:00:00Z");
}

#[tokio::test]
async fn alpaca_speaks_msgpack_when_the_upgrade_asks_for_it() {
    let stack = stack(GatewayKeys::default()).await;
    let url = format!("{}/alpaca/v2/test", stack.ws_url());
    let mut ws = connect(&url, &[("Content-Type", "application/msgpack")]).await;
    let frame = tokio::time::timeout(WAIT, ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let Message::Binary(bytes) = frame else {
        panic!("a binary frame, got {frame:?}");
    };
    let v: Value = rmp_serde::from_slice(&bytes).unwrap();
    assert_eq!(v, json!([{"T": "success", "msg": "connected"}]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_client_that_stops_reading_is_closed_as_too_slow() {
    let ws_cfg = WsConfig {
        stall_timeout_ms: 300,
        send_buffer_bytes: 4096,
        ..WsConfig::default()
    };
    let stack = Stack::spawn_with(rest_config(), ws_cfg).await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket.connect(stack.ws).await.unwrap();
    let url = format!("{}/alpaca/v2/iex", stack.ws_url());
    let (mut ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(tcp))
        .await
        .unwrap();
    next(&mut ws).await;
    send(&mut ws, AUTH()).await;
    next(&mut ws).await;
    send(
        &mut ws,
        json!({"action": "subscribe", "trades": ["*"], "quotes": ["*"], "bars": ["*"]}),
    )
    .await;
    next(&mut ws).await;
    // Stop reading while the market runs: the socket fills, nothing drains for the stall
    // timeout, and the server gives up on this client.
    let ticking = Ticking::start(&stack);
    tokio::time::sleep(Duration::from_secs(3)).await;
    drop(ticking);
    let mut closed = None;
    while let Ok(Some(msg)) = tokio::time::timeout(WAIT, ws.next()).await {
        match msg {
            Ok(Message::Close(frame)) => {
                closed = frame;
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    // Alpaca's 407 goes out only if the socket takes it (best effort, as Alpaca documents);
    // the close always says why, unless the socket was cut mid-frame.
    if let Some(frame) = closed {
        assert_eq!(u16::from(frame.code), 1008);
        assert_eq!(frame.reason.as_str(), "consumer too slow");
    }
    let metrics = crate::stack::get_raw(stack.ws, "/metrics", &[]).await.1;
    let metrics = String::from_utf8(metrics).unwrap();
    let slow = metrics
        .lines()
        .find(|l| l.starts_with("ticker_ws_closed_slow_total "))
        .unwrap_or_else(|| panic!("no slow-close metric in:\n{metrics}"));
    assert!(slow.ends_with(" 1"), "{slow}");
}
