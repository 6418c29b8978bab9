//! Both services on one market clock setting, each with its own clock object (as two
//! processes have): a virtual clock they agree on without talking, a manual clock stepped on
//! both by `/control/clock`, and a replayed quote equal to REST's `at=` for the same moment.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use rest_api::RestConfig;
use serde_json::Value;
use ticker_core::{Anchor, Clock, ClockConfig, ClockKind, Market, MarketConfig, Seq, SystemClock};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use ws_server::WsConfig;

use crate::control::{with_control, AUTH, TOKEN};
use crate::helpers::{market_config, within, Client, NOW_MS};
use crate::relayed::Ws;

/// Both services, each on its own clock built from the same settings.
pub(crate) struct Pair {
    pub(crate) rest: SocketAddr,
    pub(crate) ws: SocketAddr,
    pub(crate) market: Arc<Market>,
    _stops: Vec<oneshot::Sender<()>>,
}

async fn spawn_pair(rest: RestConfig, ws: WsConfig, clocks: [Arc<dyn Clock>; 2]) -> Pair {
    spawn_pair_on(rest, ws, clocks, &market_config()).await
}

/// [`spawn_pair`] on a market of its own; each service builds it, as two processes do.
pub(crate) async fn spawn_pair_on(
    rest: RestConfig,
    ws: WsConfig,
    clocks: [Arc<dyn Clock>; 2],
    config: &MarketConfig,
) -> Pair {
    let market = Arc::new(Market::new(config.clone()).unwrap());
    let [rest_clock, ws_clock] = clocks;
    let ws_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ws_addr = ws_listener.local_addr().unwrap();
    let rest_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let rest_addr = rest_listener.local_addr().unwrap();
    let (ws_stop, ws_stopped) = oneshot::channel::<()>();
    tokio::spawn(ws_server::run(
        ws_listener,
        ws_server::Settings {
            ws,
            market: Arc::new(Market::new(config.clone()).unwrap()),
            clock: ws_clock,
        },
        async {
            let _ = ws_stopped.await;
        },
    ));
    let (rest_stop, rest_stopped) = oneshot::channel::<()>();
    tokio::spawn(rest_api::run(
        rest_listener,
        rest_api::Settings {
            rest: RestConfig {
                ws_url: format!("ws://{ws_addr}/ws"),
                ..rest
            },
            market: market.clone(),
            clock: rest_clock,
        },
        async {
            let _ = rest_stopped.await;
        },
    ));
    let pair = Pair {
        rest: rest_addr,
        ws: ws_addr,
        market,
        _stops: vec![ws_stop, rest_stop],
    };
    // The ws-server computes its replay window before it answers; the listener queues us.
    let health = Client::connect(pair.ws).await.get("/health").await;
    assert_eq!(health.status, 200);
    pair
}

pub(crate) async fn ws_connect(addr: SocketAddr, path: &str) -> Ws {
    let (ws, _) = within(
        "a WebSocket handshake",
        tokio_tungstenite::connect_async(format!("ws://{addr}{path}")),
    )
    .await
    .unwrap();
    ws
}

pub(crate) async fn next_json(ws: &mut Ws) -> Value {
    loop {
        match within("a frame", ws.next()).await {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(_)) => {}
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

pub(crate) async fn next_text(ws: &mut Ws) -> String {
    loop {
        match within("a frame", ws.next()).await {
            Some(Ok(Message::Text(text))) => return text.as_str().to_owned(),
            Some(Ok(_)) => {}
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// `GET path` on a new connection, as JSON.
pub(crate) async fn get_json(addr: SocketAddr, path: &str) -> Value {
    Client::connect(addr).await.get(path).await.ok_json()
}

/// The REST body of `path`.
pub(crate) async fn get_text(addr: SocketAddr, path: &str) -> String {
    Client::connect(addr)
        .await
        .get(path)
        .await
        .text()
        .to_owned()
}

#[tokio::test]
async fn two_services_with_the_same_virtual_clock_agree_without_talking() {
    // The settings both processes would read: a day ago, at 60×, anchored a moment ago.
    let settings = ClockConfig {
        kind: None,
        start: Some(SystemClock.now_ms() - 86_400_000),
        speed: Some(60.0),
        anchor: Some(Anchor::At(SystemClock.now_ms())),
    };
    assert_eq!(settings.kind(), ClockKind::Virtual);
    let clocks = [
        settings.build(Arc::new(SystemClock)).unwrap(),
        settings.build(Arc::new(SystemClock)).unwrap(),
    ];
    let pair = spawn_pair(RestConfig::default(), WsConfig::default(), clocks).await;
    let rest_health = get_json(pair.rest, "/health").await;
    let ws_health = get_json(pair.ws, "/health").await;
    for field in ["kind", "speed", "start", "anchor"] {
        assert_eq!(
            rest_health["clock"][field], ws_health["clock"][field],
            "{field}"
        );
    }
    assert_eq!(ws_health["clock"]["speed"], 60.0);

    // REST's now is the stream's now: the welcome's `seq` (the stream's newest tick when the
    // connection opened) lies between REST's now just before and just after. A bracket, not
    // a tolerance: frames read later may wait in the socket while the test makes requests,
    // so their age says nothing about the clocks.
    let rest_now = || async {
        get_json(pair.rest, "/api/v1/latest/AAPL").await["seq"]
            .as_u64()
            .unwrap()
    };
    let before = rest_now().await;
    let mut ws = ws_connect(pair.ws, "/ws?symbols=AAPL").await;
    let welcome = next_json(&mut ws).await;
    let after = rest_now().await;
    let seq = welcome["seq"].as_u64().unwrap();
    assert!(
        before <= seq && seq <= after,
        "the stream's now, {seq}, is not between REST's, {before} and {after}"
    );

    // The stream's ticks are REST's ticks: each quote frame is REST's quote for its seq.
    for _ in 0..20 {
        let frame = next_text(&mut ws).await;
        let v: Value = serde_json::from_str(&frame).unwrap();
        let seq = v["seq"].as_u64().unwrap();
        let at = pair.market.schedule().time_of(Seq(seq));
        let rest = get_text(pair.rest, &format!("/api/v1/latest/AAPL?at={at}")).await;
        assert_eq!(
            frame.replacen("\"type\":\"quote\",", "", 1),
            rest,
            "tick {seq}"
        );
        // And the stream is never ahead of REST's now.
        let now = rest_now().await;
        assert!(now >= seq, "REST at {now}, stream at {seq}");
    }
}

#[tokio::test]
async fn a_manual_clock_steps_on_both_services_with_one_command_each() {
    let start = NOW_MS;
    let clocks: [Arc<dyn Clock>; 2] = [
        Arc::new(ticker_core::ManualClock::new(start)),
        Arc::new(ticker_core::ManualClock::new(start)),
    ];
    let mut ws_config = WsConfig::default();
    ws_config.control.control_token = Some(TOKEN.to_owned());
    let pair = spawn_pair(with_control(), ws_config, clocks).await;
    let first = pair.market.schedule().tick_at(start);
    let mut ws = ws_connect(pair.ws, "/ws?symbols=MSFT").await;
    next_json(&mut ws).await; // welcome
    assert_eq!(next_json(&mut ws).await["seq"], first.0);

    // Frozen: nothing moves, however long we wait.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        get_json(pair.rest, "/api/v1/latest/MSFT").await["seq"],
        first.0
    );

    // What scripts/clock.sh does: the same command to each service.
    for addr in [pair.rest, pair.ws] {
        let resp = Client::connect(addr)
            .await
            .post_json("/control/clock", &[AUTH], r#"{"ticks":10}"#)
            .await;
        assert_eq!(resp.status, 200, "{}", resp.text());
    }
    let mut last = String::new();
    for k in 1..=10 {
        last = next_text(&mut ws).await;
        let v: Value = serde_json::from_str(&last).unwrap();
        assert_eq!(v["seq"], first.0 + k, "every tick in between, in order");
    }
    let rest = get_text(pair.rest, "/api/v1/latest/MSFT").await;
    assert_eq!(last.replacen("\"type\":\"quote\",", "", 1), rest);
}

#[tokio::test]
async fn a_replayed_quote_is_rests_quote_at_that_moment() {
    let clock = Arc::new(ticker_core::ManualClock::new(NOW_MS));
    let clocks: [Arc<dyn Clock>; 2] = [clock.clone(), clock];
    let pair = spawn_pair(RestConfig::default(), WsConfig::default(), clocks).await;
    let schedule = *pair.market.schedule();
    let from = NOW_MS - 3_600_000;
    let mut ws = ws_connect(
        pair.ws,
        &format!(
            "/ws?format=batch&symbols=AAPL,TSLA&from={from}&speed=1000&to={}",
            from + 30_000
        ),
    )
    .await;
    let welcome = next_json(&mut ws).await;
    assert_eq!(welcome["replay"]["from"], from);
    let mut seen = 0;
    loop {
        let v = next_json(&mut ws).await;
        if v["type"] == "replay_end" {
            break;
        }
        let seq = v["seq"].as_u64().unwrap();
        let at = schedule.time_of(Seq(seq)) + 999;
        let rest = get_json(
            pair.rest,
            &format!("/api/v1/latest?symbols=AAPL,TSLA&at={at}"),
        )
        .await;
        assert_eq!(rest["seq"], seq);
        assert_eq!(rest["quotes"], v["quotes"], "tick {seq}");
        seen += 1;
    }
    assert_eq!(seen, 31, "ticks from..=to");
}
