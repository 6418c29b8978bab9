//! Restarts: the REST and WebSocket services restarted at different times still agree on
//! every quote, because both compute it from (config, seed, symbol, seq) alone. In process
//! (one shared market and clock, restarts at chosen market times), and as real processes: a
//! ws-server binary stopped with SIGTERM and a new one started on the same port, with a market
//! of its own, resumes a client's stream without a gap, and every quote from either process
//! is the one the core computes here from the configuration alone.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use ticker_core::{Clock, ManualClock, Market, MarketConfig, Seq, SessionTracker};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use ws_server::WsConfig;

use crate::helpers::{self, Server};
use crate::process::{free_port, wait_port, Service};

type Frames = HashMap<(String, u64), Vec<u8>>;

/// Reads quote frames for a while, keyed by (symbol, seq); stores the fields without braces.
async fn collect(addr: SocketAddr, frames: &mut Frames, until_seq: u64) {
    let (mut c, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .unwrap();
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), c.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let Message::Text(t) = msg else { continue };
        let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
        if v["type"] != "quote" {
            continue;
        }
        let seq = v["seq"].as_u64().unwrap();
        let fields = t.as_bytes()[r#"{"type":"quote","#.len()..t.len() - 1].to_vec();
        frames.insert((v["symbol"].as_str().unwrap().to_owned(), seq), fields);
        if seq >= until_seq && v["symbol"] == "TSLA" {
            return;
        }
    }
}

async fn rest_fields(rest: &Server, symbol: &str) -> (u64, Vec<u8>) {
    let req =
        format!("GET /api/v1/latest/{symbol} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    let r = helpers::http(rest.addr, req.as_bytes()).await.unwrap();
    assert_eq!(r.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    (
        v["seq"].as_u64().unwrap(),
        r.body[1..r.body.len() - 1].to_vec(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_restarted_at_different_times_agree_on_every_quote() {
    let _serial = helpers::SERIAL.lock().await;
    let market = helpers::market(1000);
    let start = Seq(93_000_000);
    let clock = Arc::new(ManualClock::new(market.schedule().time_of(start)));
    let mut frames = Frames::new();
    let mut compared = 0;

    let mut ws = helpers::ws(WsConfig::default(), market.clone(), clock.clone()).await;
    let mut rest = helpers::rest(
        rest_api::RestConfig::default(),
        market.clone(),
        clock.clone(),
    )
    .await;
    for phase in 0..3 {
        for _ in 0..5 {
            let seq = market.schedule().tick_at(clock.now_ms()).0;
            let collector = collect(ws.addr, &mut frames, seq);
            tokio::time::timeout(Duration::from_secs(10), collector)
                .await
                .unwrap();
            for id in market.ids() {
                let symbol = market.info(id).symbol.as_str();
                let (rest_seq, fields) = rest_fields(&rest, symbol).await;
                assert_eq!(rest_seq, seq);
                let streamed = frames.get(&(symbol.to_owned(), seq)).expect("streamed");
                assert_eq!(streamed, &fields, "phase {phase} {symbol}@{seq}");
                compared += 1;
            }
            clock.advance(1000);
        }
        match phase {
            0 => {
                // Restart the REST service while time moves on.
                rest.stop().await;
                clock.advance(37_000);
                rest = helpers::rest(
                    rest_api::RestConfig::default(),
                    market.clone(),
                    clock.clone(),
                )
                .await;
            }
            1 => {
                // Restart the WebSocket service at another moment.
                ws.stop().await;
                clock.advance(86_400_000 / 3);
                ws = helpers::ws(WsConfig::default(), market.clone(), clock.clone()).await;
            }
            _ => {}
        }
    }
    helpers::record(
        "restart",
        &json!({"quotes_compared": compared, "restarts": 2}),
    );
    ws.stop().await;
    rest.stop().await;
}

/// Quote frames of a WebSocket stream: `(symbol, seq)` → the frame's text.
type Stream = BTreeMap<(String, u64), String>;

/// Reads a WebSocket stream until TSLA (the last symbol of every tick) reaches `until_seq`,
/// or until the server closes it; returns the frames, any non-quote messages, and the close
/// code if it closed.
async fn read_stream(
    ws: &mut WebSocketStream<MaybeTlsStream<TcpStream>>,
    until_seq: Option<u64>,
) -> (Stream, Vec<String>, Option<u16>) {
    let (mut quotes, mut others) = (Stream::new(), Vec::new());
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("the stream stalled")
            .expect("the stream ended without a close frame")
            .unwrap();
        let text = match msg {
            Message::Text(t) => t.as_str().to_owned(),
            Message::Close(frame) => return (quotes, others, frame.map(|f| u16::from(f.code))),
            _ => continue,
        };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        if v["type"] != "quote" {
            others.push(text);
            continue;
        }
        let (symbol, seq) = (
            v["symbol"].as_str().unwrap().to_owned(),
            v["seq"].as_u64().unwrap(),
        );
        let done = symbol == "TSLA" && until_seq.is_some_and(|u| seq >= u);
        assert!(
            quotes.insert((symbol, seq), text).is_none(),
            "a quote sent twice"
        );
        if done {
            return (quotes, others, None);
        }
    }
}

/// The newest tick for which every symbol's quote is in `stream`.
fn last_complete_tick(stream: &Stream, symbols: &[&str]) -> u64 {
    let tsla = stream.keys().filter(|(s, _)| s == "TSLA").map(|(_, q)| *q);
    tsla.filter(|q| {
        symbols
            .iter()
            .all(|s| stream.contains_key(&((*s).to_owned(), *q)))
    })
    .max()
    .expect("no complete tick")
}

/// Checks every frame against the core, computed here from the configuration alone (a session
/// tracker per symbol, so consecutive ticks cost little); returns how many were compared.
fn assert_matches_core(market: &Market, stream: &Stream, what: &str) -> usize {
    let mut trackers: HashMap<String, SessionTracker> = HashMap::new();
    for ((symbol, seq), text) in stream {
        let id = market.lookup(symbol).unwrap();
        let tracker = trackers
            .entry(symbol.clone())
            .or_insert_with(|| SessionTracker::new(id));
        let mut want = br#"{"type":"quote","#.to_vec();
        let mut json = Vec::new();
        tracker.quote(market, Seq(*seq)).write_json(&mut json);
        want.extend_from_slice(&json[1..]);
        assert_eq!(
            text.as_bytes(),
            &want[..],
            "{what}: {symbol}@{seq} differs from the core"
        );
    }
    stream.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_ws_process_resumes_the_same_market_without_a_gap() {
    let _serial = helpers::SERIAL.lock().await;
    const INTERVAL_MS: &str = "100";
    let market = Market::new(MarketConfig {
        interval_ms: 100,
        ..MarketConfig::default()
    })
    .unwrap();
    let symbols: Vec<&str> = market
        .ids()
        .map(|id| market.info(id).symbol.as_str())
        .collect();
    let port = free_port();
    let port_s = port.to_string();
    let args = ["--port", &port_s, "--interval-ms", INTERVAL_MS];
    let url = format!("ws://127.0.0.1:{port}/ws");

    // The first process: stream ~2 s of ticks, then SIGTERM it under the client.
    let mut first = Service::start("ws-server", &args);
    wait_port(port).await;
    let (mut client, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let welcome = client.next().await.unwrap().unwrap();
    let welcome: serde_json::Value = serde_json::from_str(welcome.to_text().unwrap()).unwrap();
    let connected_at = welcome["seq"].as_u64().unwrap();
    let (mut before, _, _) = read_stream(&mut client, Some(connected_at + 20)).await;
    first.signal("-TERM");
    let (rest, _, code) = read_stream(&mut client, None).await;
    assert_eq!(
        code,
        Some(1001),
        "the first process closes its clients with 1001"
    );
    before.extend(rest);
    let (status, _) = first.exit_within(Duration::from_secs(5)).await;
    assert!(status.success(), "{status}");
    let last = last_complete_tick(&before, &symbols);
    before.retain(|(_, seq), _| *seq <= last);

    // Down for a few ticks; then a new process, with its own market, on the same port.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut second = Service::start("ws-server", &args);
    wait_port(port).await;
    let (mut client, _) = tokio_tungstenite::connect_async(format!("{url}?since={last}"))
        .await
        .unwrap();
    let welcome = client.next().await.unwrap().unwrap();
    let welcome: serde_json::Value = serde_json::from_str(welcome.to_text().unwrap()).unwrap();
    assert_eq!(welcome["type"], "welcome");
    let resumed_at = welcome["seq"].as_u64().unwrap();
    assert!(
        resumed_at >= last + 5,
        "the server was down for 5+ ticks: {last} → {resumed_at}"
    );
    let (after, others, _) = read_stream(&mut client, Some(resumed_at + 10)).await;
    assert!(others.is_empty(), "no gap, snapshot or error: {others:?}");

    // The two streams join without a gap or a repeat, for every symbol.
    for symbol in &symbols {
        let seqs: Vec<u64> = before
            .keys()
            .chain(after.keys())
            .filter(|(s, _)| s == symbol)
            .map(|(_, q)| *q)
            .collect();
        let first_seq = seqs[0];
        let want: Vec<u64> = (first_seq..first_seq + seqs.len() as u64).collect();
        assert_eq!(seqs, want, "{symbol}: ticks across the restart");
        assert!(after.keys().any(|(s, q)| s == symbol && *q == last + 1));
    }
    // And every quote, from either process, is the one the core computes independently.
    let compared = assert_matches_core(&market, &before, "first process")
        + assert_matches_core(&market, &after, "second process");
    second.signal("-TERM");
    let (status, _) = second.exit_within(Duration::from_secs(5)).await;
    assert!(status.success(), "{status}");
    helpers::record(
        "process_restart",
        &json!({
            "quotes_before": before.len(), "quotes_after": after.len(),
            "last_before": last, "resumed_at": resumed_at,
            "replayed_ticks": resumed_at - last, "quotes_compared_with_core": compared,
        }),
    );
}
