//! Channels: `trades`, `bars` and `status` beside `quotes`, per subscription. Every frame is
//! checked byte for byte against what the core computes for its tick; a connection that does
//! not name channels sees exactly what it saw before channels existed.

use std::sync::Arc;

use serde_json::{json, Value};
use ticker_core::calendar::CalendarKind;
use ticker_core::{ManualClock, Market, MarketConfig, Seq, SymbolConfig, SymbolId};

use crate::helpers::{
    config, connect, http, http_get, quote_frame, recv_text, recv_type, send_json, upgrade_request,
    TestServer,
};

const MINUTE_MS: i64 = 60_000;

/// The default symbols, one tick a second: a minute bar closes every 60 ticks.
fn second_market() -> MarketConfig {
    MarketConfig {
        interval_ms: 1000,
        ..MarketConfig::default()
    }
}

/// The `trade` frames of `id` at `seq`, from the core.
fn trade_frames(market: &Market, id: SymbolId, seq: Seq) -> Vec<String> {
    market
        .trades(id, seq)
        .iter()
        .map(|t| {
            let mut out = b"{\"type\":\"trade\",".to_vec();
            t.write_fields(&mut out);
            out.push(b'}');
            String::from_utf8(out).unwrap()
        })
        .collect()
}

/// The `bar` frame of the minute that tick `seq` closes, if it had trades, from the core.
fn minute_bar_frame(market: &Market, id: SymbolId, seq: Seq) -> Option<String> {
    let t = market.schedule().time_of(seq);
    if t.rem_euclid(MINUTE_MS) != 0 {
        return None;
    }
    let bar = market
        .minute_bars(id, t - MINUTE_MS, t, seq)
        .into_iter()
        .find(|b| b.timestamp == t - MINUTE_MS)?;
    let mut json = Vec::new();
    bar.write_json(&mut json);
    Some(format!(
        "{{\"type\":\"bar\",\"symbol\":\"{}\",\"interval\":\"1m\",\"bar\":{},\"timestamp\":{t},\"seq\":{}}}",
        market.symbol(id).as_str(),
        String::from_utf8(json).unwrap(),
        seq.0
    ))
}

/// The `status` frame of tick `seq`, if the symbol's calendar phase changes at it.
fn status_frame(market: &Market, id: SymbolId, seq: Seq) -> Option<String> {
    let cal = market.calendar(id);
    let s = market.schedule();
    let now = cal.phase_at(s.time_of(seq)).status();
    let before = cal.phase_at(s.time_of(Seq(seq.0 - 1))).status();
    (now != before).then(|| {
        format!(
            "{{\"type\":\"status\",\"symbol\":\"{}\",\"status\":\"{now}\",\"previous\":\"{before}\",\"calendar\":\"{}\",\"timestamp\":{},\"seq\":{}}}",
            market.symbol(id).as_str(),
            cal.kind().name(),
            s.time_of(seq),
            seq.0
        )
    })
}

/// Every frame a connection on these channels gets for tick `seq`, in order: the quotes,
/// then per symbol its status, trades and bars.
fn tick_frames(
    server: &TestServer,
    quotes: &[&str],
    others: &[(&str, &[&str])],
    seq: Seq,
) -> Vec<String> {
    let m = &server.market;
    let mut out: Vec<String> = quotes
        .iter()
        .map(|s| quote_frame(m, server.id(s), seq))
        .collect();
    let mut ids: Vec<SymbolId> = others
        .iter()
        .flat_map(|(_, symbols)| symbols.iter().map(|s| server.id(s)))
        .collect();
    ids.sort();
    ids.dedup();
    let on = |channel: &str, id: SymbolId| {
        others
            .iter()
            .any(|(c, symbols)| *c == channel && symbols.iter().any(|s| server.id(s) == id))
    };
    for id in ids {
        if on("status", id) {
            out.extend(status_frame(m, id, seq));
        }
        if on("trades", id) {
            out.extend(trade_frames(m, id, seq));
        }
        if on("bars", id) {
            out.extend(minute_bar_frame(m, id, seq));
        }
    }
    out
}

async fn expect_tick(
    ws: &mut crate::helpers::Ws,
    server: &TestServer,
    quotes: &[&str],
    others: &[(&str, &[&str])],
    seq: Seq,
) -> Vec<Value> {
    let mut got = Vec::new();
    for want in tick_frames(server, quotes, others, seq) {
        let text = recv_text(ws).await;
        assert_eq!(text, want, "at tick {seq}");
        got.push(serde_json::from_str(&text).unwrap());
    }
    got
}

#[tokio::test]
async fn a_client_that_names_no_channel_sees_exactly_what_it_did_before() {
    let server = TestServer::spawn_market(config(), second_market()).await;
    let mut plain = connect(&server, "/ws?symbols=AAPL").await;
    let mut named = connect(&server, "/ws?symbols=AAPL&channels=quotes").await;
    let now = server.seq();
    let mut transcripts = [Vec::new(), Vec::new()];
    for (ws, transcript) in [&mut plain, &mut named].into_iter().zip(&mut transcripts) {
        let welcome = recv_text(ws).await;
        let v: Value = serde_json::from_str(&welcome).unwrap();
        assert!(
            v.get("channels").is_none() && v.get("status").is_none(),
            "{welcome}"
        );
        transcript.push(welcome);
        transcript.push(recv_text(ws).await);
    }
    send_json(&mut plain, &json!({"type":"subscribe","symbols":["MSFT"]})).await;
    send_json(
        &mut named,
        &json!({"type":"subscribe","symbols":["MSFT"],"channels":["quotes"]}),
    )
    .await;
    for (ws, transcript) in [&mut plain, &mut named].into_iter().zip(&mut transcripts) {
        let ack = recv_text(ws).await;
        assert_eq!(ack, r#"{"type":"subscribed","symbols":["AAPL","MSFT"]}"#);
        transcript.push(ack);
        transcript.push(recv_text(ws).await);
    }
    let last = server.advance(3);
    for (ws, transcript) in [&mut plain, &mut named].into_iter().zip(&mut transcripts) {
        for seq in now.0 + 1..=last.0 {
            let frames = [recv_text(ws).await, recv_text(ws).await];
            assert_eq!(
                frames[0],
                quote_frame(&server.market, SymbolId(0), Seq(seq))
            );
            transcript.extend(frames);
        }
    }
    assert!(
        (now.0..=last.0).any(|s| server.market.trades(SymbolId(0), Seq(s)).iter().count() > 0),
        "the ticks streamed had trades, and no trade frame was sent"
    );
    assert_eq!(transcripts[0], transcripts[1]);
}

#[tokio::test]
async fn trades_are_the_cores_and_add_up_to_the_session_volume() {
    let market = Arc::new(Market::new(second_market()).unwrap());
    // Start at the first tick of a session's trades (the session's first tick reports the
    // trades of the second before midnight, the previous session's last): the volume the
    // quote reports is then exactly the trades this connection receives.
    let day = market
        .schedule()
        .tick_at(market.schedule().epoch_ms() + 30 * 86_400_000);
    let first = Seq(market.schedule().session(day).first.0 + 1);
    let clock = Arc::new(ManualClock::new(market.schedule().time_of(first)));
    let server = TestServer::spawn_with(config(), market, clock).await;
    assert_eq!(server.seq(), first);
    let mut ws = connect(&server, "/ws?symbols=TSLA&channels=quotes,trades").await;
    let welcome = recv_type(&mut ws, "welcome").await;
    assert_eq!(welcome["channels"]["trades"], json!(["TSLA"]));
    assert_eq!(welcome["channels"]["quotes"], json!(["TSLA"]));
    let mut volume = 0;
    let mut last_id = None;
    let mut quote_volume = 0;
    let mut trades = 0;
    for step in 0..40 {
        let seq = if step == 0 { first } else { server.advance(1) };
        for frame in expect_tick(&mut ws, &server, &["TSLA"], &[("trades", &["TSLA"])], seq).await {
            match frame["type"].as_str() {
                Some("trade") => {
                    volume += frame["size"].as_u64().unwrap();
                    let id = frame["id"].as_u64().unwrap();
                    if let Some(last) = last_id {
                        assert_eq!(id, last + 1, "trade ids have no gap");
                    }
                    last_id = Some(id);
                    trades += 1;
                }
                _ => quote_volume = frame["volume"].as_u64().unwrap(),
            }
        }
        assert_eq!(volume, quote_volume, "after tick {seq}");
    }
    assert!(trades > 10, "{trades} trades in 40 seconds");
}

#[tokio::test]
async fn a_streamed_minute_bar_is_the_cores_1m_bar() {
    // The test moves the clock 61 ticks without waiting on the ticks that send it nothing:
    // room for all of them, so the slow-consumer policy (a `dropped` count) stays out of it.
    let ws_config = ws_server::WsConfig {
        queue_ticks: 128,
        ..config()
    };
    let server = TestServer::spawn_market(ws_config, second_market()).await;
    let mut ws = connect(&server, "/ws?symbols=AAPL,MSFT&channels=bars").await;
    recv_type(&mut ws, "welcome").await;
    let start = server.seq();
    // The initial tick's bars, if it closes a minute.
    expect_tick(&mut ws, &server, &[], &[("bars", &["AAPL", "MSFT"])], start).await;
    let mut bars = 0;
    for _ in 0..61 {
        let seq = server.advance(1);
        bars += expect_tick(&mut ws, &server, &[], &[("bars", &["AAPL", "MSFT"])], seq)
            .await
            .len();
    }
    assert_eq!(bars, 2, "one minute closed for each symbol");
    crate::helpers::assert_usable(&mut ws, 1).await;
}

/// A market of one US equity and one 24/7 pair, at one tick a second.
/// AAPL on the `us-equity` calendar beside a 24/7 pair, one tick a second.
pub(crate) fn mixed_market() -> MarketConfig {
    let mut config = second_market();
    config.symbols = vec![
        SymbolConfig {
            calendar: CalendarKind::UsEquity,
            ..SymbolConfig::new("AAPL", 190.0)
        },
        SymbolConfig::new("BTCUSDT", 60_000.0),
    ];
    config
}

#[tokio::test]
async fn status_frames_mark_the_open_and_the_ack_says_the_status_now() {
    let market = Arc::new(Market::new(mixed_market()).unwrap());
    // Tuesday 2026-03-10, 09:29:57 New York (EDT, UTC−4).
    let t = ticker_core::time::parse_rfc3339("2026-03-10T13:29:57Z").unwrap();
    let clock = Arc::new(ManualClock::new(t));
    let server = TestServer::spawn_with(config(), market, clock).await;
    let mut ws = connect(&server, "/ws?symbols=BTCUSDT").await;
    recv_type(&mut ws, "welcome").await;
    recv_type(&mut ws, "quote").await;
    send_json(
        &mut ws,
        &json!({"type":"subscribe","symbols":["AAPL","BTCUSDT"],"channels":["status","trades"]}),
    )
    .await;
    let ack = recv_type(&mut ws, "subscribed").await;
    assert_eq!(
        ack,
        json!({"type":"subscribed","symbols":["AAPL","BTCUSDT"],
            "channels":{"quotes":["BTCUSDT"],"trades":["AAPL","BTCUSDT"],"bars":[],"status":["AAPL","BTCUSDT"]},
            "status":[{"symbol":"AAPL","status":"pre","calendar":"us-equity"},
                      {"symbol":"BTCUSDT","status":"open","calendar":"always"}]})
    );
    let others: &[(&str, &[&str])] = &[
        ("status", &["AAPL", "BTCUSDT"]),
        ("trades", &["AAPL", "BTCUSDT"]),
    ];
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let seq = server.advance(1);
        for f in expect_tick(&mut ws, &server, &["BTCUSDT"], others, seq).await {
            if f["type"] == "status" {
                statuses.push((
                    f["symbol"].clone(),
                    f["status"].clone(),
                    f["timestamp"].clone(),
                ));
            }
        }
    }
    let open = ticker_core::time::parse_rfc3339("2026-03-10T13:30:00Z").unwrap();
    assert_eq!(statuses, vec![(json!("AAPL"), json!("open"), json!(open))]);
}

#[tokio::test]
async fn unsubscribing_one_channel_keeps_the_others() {
    let server = TestServer::spawn_market(config(), second_market()).await;
    let mut ws = connect(&server, "/ws?symbols=AAPL&channels=quotes,trades").await;
    recv_type(&mut ws, "welcome").await;
    let now = server.seq();
    expect_tick(&mut ws, &server, &["AAPL"], &[("trades", &["AAPL"])], now).await;
    send_json(
        &mut ws,
        &json!({"type":"unsubscribe","symbols":["AAPL"],"channels":["trades"]}),
    )
    .await;
    let ack = recv_type(&mut ws, "subscribed").await;
    assert_eq!(ack["symbols"], json!(["AAPL"]));
    assert_eq!(ack["channels"]["trades"], json!([]));
    assert_eq!(ack["channels"]["quotes"], json!(["AAPL"]));
    for _ in 0..3 {
        let seq = server.advance(1);
        expect_tick(&mut ws, &server, &["AAPL"], &[], seq).await;
    }
    // Without `channels`, an unsubscribe removes the symbol from every channel.
    send_json(
        &mut ws,
        &json!({"type":"subscribe","symbols":["MSFT"],"channels":["trades"]}),
    )
    .await;
    assert_eq!(
        recv_type(&mut ws, "subscribed").await["symbols"],
        json!(["AAPL", "MSFT"])
    );
    send_json(&mut ws, &json!({"type":"unsubscribe","symbols":["*"]})).await;
    let ack = recv_text(&mut ws).await;
    assert_eq!(ack, r#"{"type":"subscribed","symbols":[]}"#);
    crate::helpers::assert_usable(&mut ws, 2).await;
}

#[tokio::test]
async fn unknown_channels_are_clear_errors_and_change_nothing() {
    let server = TestServer::spawn_market(config(), second_market()).await;
    let mut ws = connect(&server, "/ws?symbols=AAPL").await;
    recv_type(&mut ws, "welcome").await;
    recv_type(&mut ws, "quote").await;
    send_json(
        &mut ws,
        &json!({"type":"subscribe","symbols":["MSFT"],"channels":["trades","news"]}),
    )
    .await;
    let e = recv_type(&mut ws, "error").await;
    assert_eq!(e["code"], "unknown_channel", "{e}");
    assert!(e["message"].as_str().unwrap().contains("\"news\""), "{e}");
    for bad in [json!([]), json!("x,"), json!([7])] {
        send_json(
            &mut ws,
            &json!({"type":"subscribe","symbols":["MSFT"],"channels":bad}),
        )
        .await;
        let e = recv_type(&mut ws, "error").await;
        assert!(
            e["code"] == "invalid_message" || e["code"] == "unknown_channel",
            "{e}"
        );
    }
    // Nothing changed: the next tick is AAPL's quote alone.
    let seq = server.advance(1);
    expect_tick(&mut ws, &server, &["AAPL"], &[], seq).await;
    for path in [
        "/ws?channels=news",
        "/ws?channels=",
        "/ws?format=array&channels=quotes,trades",
    ] {
        let resp = http(server.addr, &upgrade_request(path, "")).await;
        assert_eq!(resp.status, 400, "{path}");
        assert!(resp.body.contains("channels"), "{path}: {}", resp.body);
    }
    // The limit counts symbols on any channel.
    let small = TestServer::spawn_market(
        ws_server::WsConfig {
            max_symbols: 2,
            ..config()
        },
        second_market(),
    )
    .await;
    let mut ws = connect(&small, "/ws?symbols=AAPL&channels=trades").await;
    recv_type(&mut ws, "welcome").await;
    send_json(
        &mut ws,
        &json!({"type":"subscribe","symbols":["MSFT","TSLA"]}),
    )
    .await;
    // After the current tick's trades.
    let e = loop {
        let v: Value = serde_json::from_str(&recv_text(&mut ws).await).unwrap();
        if v["type"] != "trade" {
            break v;
        }
    };
    assert_eq!(e["code"], "too_many_symbols", "{e}");
    let _ = http_get(small.addr, "/health").await;
}

#[tokio::test]
async fn since_resumes_every_channel_without_gap_or_duplicate() {
    let server = TestServer::spawn_market(config(), second_market()).await;
    let now = server.seq();
    // Beyond the live queue (16 ticks), inside the window (20): trades come from the core's
    // random access, bars from what the tick kept.
    let since = now.0 - 19;
    let others: &[(&str, &[&str])] = &[
        ("trades", &["AAPL", "GOOGL"]),
        ("bars", &["AAPL"]),
        ("status", &["GOOGL"]),
    ];
    let mut ws = connect(
        &server,
        &format!("/ws?symbols=AAPL,GOOGL&channels=quotes,trades,bars,status&since={since}"),
    )
    .await;
    recv_type(&mut ws, "welcome").await;
    for seq in since + 1..=now.0 {
        expect_tick(&mut ws, &server, &["AAPL", "GOOGL"], others, Seq(seq)).await;
    }
    let next = server.advance(1);
    expect_tick(&mut ws, &server, &["AAPL", "GOOGL"], others, next).await;
    // A resume message for ticks already sent sends nothing more.
    send_json(&mut ws, &json!({"type":"resume","since":since})).await;
    crate::helpers::assert_usable(&mut ws, 3).await;
}

#[tokio::test]
async fn a_replay_streams_the_channels_as_the_live_stream_did() {
    let server = TestServer::spawn_market(config(), second_market()).await;
    let from = server.seq().0 - 300;
    let t = server.time_of(Seq(from));
    let to = server.time_of(Seq(from + 70));
    let mut ws = connect(
        &server,
        &format!("/ws?symbols=TSLA&channels=trades,bars&from={t}&to={to}&speed=1000"),
    )
    .await;
    recv_type(&mut ws, "welcome").await;
    let others: &[(&str, &[&str])] = &[("trades", &["TSLA"]), ("bars", &["TSLA"])];
    let mut bars = 0;
    for seq in from..=from + 70 {
        bars += expect_tick(&mut ws, &server, &[], others, Seq(seq))
            .await
            .iter()
            .filter(|f| f["type"] == "bar")
            .count();
    }
    assert_eq!(bars, 1);
    assert_eq!(recv_type(&mut ws, "replay_end").await["seq"], from + 70);
}

#[tokio::test]
async fn the_day_closes_with_a_status_and_a_daily_bar() {
    let market = Arc::new(Market::new(mixed_market()).unwrap());
    // Tuesday 2026-03-10, 19:59:57 New York: after-hours end at 20:00 (00:00 UTC).
    let t = ticker_core::time::parse_rfc3339("2026-03-10T23:59:57Z").unwrap();
    let clock = Arc::new(ManualClock::new(t));
    let server = TestServer::spawn_with(config(), market, clock).await;
    let mut ws = connect(&server, "/ws?symbols=AAPL&channels=bars,status").await;
    let welcome = recv_type(&mut ws, "welcome").await;
    assert_eq!(
        welcome["status"],
        json!([{"symbol":"AAPL","status":"post","calendar":"us-equity"}])
    );
    let last = server.advance(5);
    let aapl = server.id("AAPL");
    let date = ticker_core::calendar::Date::parse("2026-03-10").unwrap();
    let mut day = Vec::new();
    server.market.daily_bars(aapl, date, date, last)[0].write_json(&mut day);
    let day = String::from_utf8(day).unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let text = recv_text(&mut ws).await;
        let v: Value = serde_json::from_str(&text).unwrap();
        match v["type"].as_str() {
            Some("status") => {
                assert_eq!(v["status"], "closed", "{text}");
                assert_eq!(v["previous"], "post", "{text}");
                assert_eq!(v["timestamp"], t + 3_000, "{text}");
                seen.push("status");
            }
            Some("bar") if v["interval"] == "1d" => {
                assert!(text.contains(&format!("\"bar\":{day},")), "{text}\n{day}");
                seen.push("1d");
            }
            Some("bar") => {}
            other => panic!("unexpected {other:?}: {text}"),
        }
    }
    assert_eq!(
        seen,
        ["status", "1d"],
        "a tick's status comes before its bars"
    );
    crate::helpers::assert_usable(&mut ws, 4).await;
}
