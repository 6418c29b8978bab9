//! Replays on the vendor streams: a window recorded live through each vendor's path and the
//! same window replayed (`?from=&to=&speed=`) are the same frames, byte for byte; the replay
//! closes with 1000 at `to` or goes live with `then=live`; bad parameters are refused before
//! the upgrade in the vendor's shape where it has one.

use futures_util::SinkExt;
use serde_json::{json, Value};
use ticker_core::Seq;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{
    config, connect, http, next_message, recv_json, send_json, upgrade_request, TestServer, Ws,
    PATIENCE,
};
use crate::vendor_sdk::vendor_market;

/// Ticks recorded live, then replayed.
const TICKS: u64 = 6;

/// The next data frame (text or binary), or the close code when the server closes.
async fn frame(ws: &mut Ws) -> Result<Message, Option<CloseCode>> {
    loop {
        match next_message(ws).await {
            Some(Ok(m @ (Message::Text(_) | Message::Binary(_)))) => return Ok(m),
            Some(Ok(Message::Close(c))) => return Err(c.map(|c| c.code)),
            None | Some(Err(_)) => return Err(None),
            Some(Ok(_)) => {}
        }
    }
}

/// Data frames until `done` says the window is complete.
async fn frames_until(ws: &mut Ws, done: impl Fn(&[Message]) -> bool) -> Vec<Message> {
    let mut got = Vec::new();
    while !done(&got) {
        got.push(frame(ws).await.expect("a frame before the close"));
    }
    got
}

/// Every data frame until the close, and its code.
async fn frames_until_close(ws: &mut Ws) -> (Vec<Message>, Option<CloseCode>) {
    let mut got = Vec::new();
    loop {
        match frame(ws).await {
            Ok(m) => got.push(m),
            Err(code) => return (got, code),
        }
    }
}

/// `&from=&to=&speed=` of the ticks after `s0` through `s0 + TICKS`.
fn window(server: &TestServer, s0: Seq) -> String {
    format!(
        "from={}&to={}&speed=100",
        server.time_of(s0),
        server.time_of(Seq(s0.0 + TICKS))
    )
}

fn advance_window(server: &TestServer) {
    for _ in 0..TICKS {
        server.advance(1);
    }
}

async fn connect_with(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> Ws {
    let mut req = server.url(path).into_client_request().unwrap();
    for (k, v) in headers {
        req.headers_mut()
            .insert(k.parse::<http::HeaderName>().unwrap(), v.parse().unwrap());
    }
    let (ws, _) = tokio::time::timeout(PATIENCE, tokio_tungstenite::connect_async(req))
        .await
        .unwrap()
        .unwrap();
    ws
}

fn count(frames: &[Message], needle: &str) -> usize {
    frames
        .iter()
        .filter(|m| m.to_text().is_ok_and(|t| t.contains(needle)))
        .count()
}

const STREAMS: &str =
    "btcusdt@trade/btcusdt@aggTrade/btcusdt@kline_1m/btcusdt@ticker/btcusdt@bookTicker";

#[tokio::test]
async fn a_binance_replay_is_the_live_stream_byte_for_byte() {
    let server = TestServer::spawn_market(config(), vendor_market()).await;
    let path = format!("/binance/stream?streams={STREAMS}");
    let mut live = connect(&server, &path).await;
    // The session is running (and positioned) once it answers.
    send_json(&mut live, &json!({"method":"LIST_SUBSCRIPTIONS","id":1})).await;
    assert_eq!(recv_json(&mut live).await["id"], 1);
    let s0 = server.seq();
    advance_window(&server);
    // Every tick ends with its book ticker (the last stream of the list).
    let recorded = frames_until(&mut live, |f| count(f, "@bookTicker") == TICKS as usize).await;
    assert!(count(&recorded, "@trade") > 0, "the window has trades");
    assert_eq!(count(&recorded, "@kline_1m"), TICKS as usize);

    let mut replay = connect(&server, &format!("{path}&{}", window(&server, s0))).await;
    let (replayed, code) = frames_until_close(&mut replay).await;
    assert_eq!(code, Some(CloseCode::Normal));
    assert_eq!(replayed, recorded);
}

#[tokio::test]
async fn a_finnhub_replay_is_the_live_stream_byte_for_byte() {
    let server = TestServer::spawn_market(config(), vendor_market()).await;
    let subscribe = json!({"type":"subscribe","symbol":"BTCUSDT"});
    let nope = json!({"type":"subscribe","symbol":"NOPE"});
    let mut live = connect(&server, "/finnhub?token=t").await;
    send_json(&mut live, &subscribe).await;
    send_json(&mut live, &nope).await;
    assert_eq!(recv_json(&mut live).await["type"], "error");
    let s0 = server.seq();
    advance_window(&server);
    // One frame per tick with trades.
    let id = server.id("BTCUSDT");
    let traded = (1..=TICKS)
        .filter(|k| server.market.trades(id, Seq(s0.0 + k)).iter().count() > 0)
        .count();
    assert!(traded > 0, "the window has trades");
    let recorded = frames_until(&mut live, |f| f.len() == traded).await;

    let path = format!("/finnhub?token=t&{}", window(&server, s0));
    let mut replay = connect(&server, &path).await;
    send_json(&mut replay, &subscribe).await;
    let (replayed, code) = frames_until_close(&mut replay).await;
    assert_eq!(code, Some(CloseCode::Normal));
    assert_eq!(replayed, recorded);
}

/// Alpaca's handshake on `ws`: connected, authenticated, subscribed to AAPL's trades, quotes
/// and minute bars (answers are JSON, or MessagePack when the upgrade asked for it).
async fn alpaca_subscribe(ws: &mut Ws, msgpack: bool) {
    let send = |v: Value| {
        if msgpack {
            Message::Binary(rmp_serde::to_vec_named(&v).unwrap().into())
        } else {
            Message::Text(v.to_string().into())
        }
    };
    frame(ws).await.unwrap();
    ws.send(send(json!({"action":"auth","key":"k","secret":"s"})))
        .await
        .unwrap();
    frame(ws).await.unwrap();
    let sub = json!({"action":"subscribe","trades":["AAPL"],"quotes":["AAPL"],"bars":["AAPL"]});
    ws.send(send(sub)).await.unwrap();
    let ack = frame(ws).await.unwrap();
    if !msgpack {
        assert!(ack.to_text().unwrap().contains("subscription"), "{ack}");
    }
}

async fn alpaca_round_trip(msgpack: bool) {
    let server = TestServer::spawn(config()).await;
    let headers: &[(&str, &str)] = if msgpack {
        &[("content-type", "application/msgpack")]
    } else {
        &[]
    };
    let mut live = connect_with(&server, "/alpaca/v2/iex", headers).await;
    alpaca_subscribe(&mut live, msgpack).await;
    let s0 = server.seq();
    advance_window(&server);
    // AAPL trades all session long: one frame per tick (its quote, at least).
    let recorded = frames_until(&mut live, |f| f.len() == TICKS as usize).await;

    let path = format!("/alpaca/v2/iex?{}", window(&server, s0));
    let mut replay = connect_with(&server, &path, headers).await;
    alpaca_subscribe(&mut replay, msgpack).await;
    let (replayed, code) = frames_until_close(&mut replay).await;
    assert_eq!(code, Some(CloseCode::Normal));
    assert_eq!(replayed, recorded);
}

#[tokio::test]
async fn an_alpaca_replay_is_the_live_stream_byte_for_byte_in_json() {
    alpaca_round_trip(false).await;
}

#[tokio::test]
async fn an_alpaca_replay_is_the_live_stream_byte_for_byte_in_msgpack() {
    alpaca_round_trip(true).await;
}

async fn polygon_subscribe(ws: &mut Ws) {
    frame(ws).await.unwrap();
    send_json(ws, &json!({"action":"auth","params":"key"})).await;
    frame(ws).await.unwrap();
    send_json(ws, &json!({"action":"subscribe","params":"T.*,Q.AAPL"})).await;
    // One status per topic.
    frame(ws).await.unwrap();
    frame(ws).await.unwrap();
}

#[tokio::test]
async fn a_polygon_replay_is_the_live_stream_byte_for_byte() {
    let server = TestServer::spawn(config()).await;
    let mut live = connect(&server, "/polygon/stocks").await;
    polygon_subscribe(&mut live).await;
    let s0 = server.seq();
    advance_window(&server);
    let recorded = frames_until(&mut live, |f| f.len() == TICKS as usize).await;
    assert!(count(&recorded, r#""ev":"T""#) > 0, "the window has trades");

    let path = format!("/polygon/stocks?{}", window(&server, s0));
    let mut replay = connect(&server, &path).await;
    polygon_subscribe(&mut replay).await;
    let (replayed, code) = frames_until_close(&mut replay).await;
    assert_eq!(code, Some(CloseCode::Normal));
    assert_eq!(replayed, recorded);
}

#[tokio::test]
async fn a_vendor_replay_with_then_live_goes_on_with_the_live_ticks() {
    let server = TestServer::spawn_market(config(), vendor_market()).await;
    let s0 = server.seq();
    advance_window(&server);
    let path = format!(
        "/binance/ws/btcusdt@bookTicker?{}&then=live",
        window(&server, s0)
    );
    let mut ws = connect(&server, &path).await;
    // The replayed ticks, then the live ones as the clock moves on: `u` is the tick.
    let mut seen = Vec::new();
    let mut stepped = false;
    while seen.len() < (TICKS + 3) as usize {
        if !stepped && seen.len() == TICKS as usize {
            stepped = true;
            for _ in 0..3 {
                server.advance(1);
            }
        }
        let m = frame(&mut ws).await.expect("no close with then=live");
        let v: Value = serde_json::from_str(m.to_text().unwrap()).unwrap();
        seen.push(v["u"].as_u64().unwrap());
    }
    let want: Vec<u64> = (1..=TICKS + 3).map(|k| s0.0 + k).collect();
    assert_eq!(seen, want);
}

#[tokio::test]
async fn bad_replay_parameters_are_refused_in_the_vendors_shape() {
    let server = TestServer::spawn_market(config(), vendor_market()).await;
    let future = server.clock_now() + 60_000;
    let cases = [
        (
            format!("/binance/ws/btcusdt@trade?from={future}"),
            "\"code\":2",
        ),
        (
            "/finnhub?token=t&from=0&speed=fast".to_owned(),
            "{\"error\":",
        ),
        ("/alpaca/v2/iex?speed=2".to_owned(), "\"error\":{"),
        ("/polygon/stocks?from=yesterday".to_owned(), "\"error\":{"),
    ];
    for (path, shape) in cases {
        let resp = http(server.addr, &upgrade_request(&path, "")).await;
        assert_eq!(resp.status, 400, "{path}");
        assert!(resp.body.contains(shape), "{path}: {}", resp.body);
    }
}
