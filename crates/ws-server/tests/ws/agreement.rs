//! Determinism: frames are the core's quotes byte for byte, and two servers with the same
//! configuration and clock send identical bytes for the same tick.

use std::sync::Arc;

use ticker_core::{Market, MarketConfig, Seq};

use crate::helpers::{
    config, connect, market_config, quote_frame, recv_text, recv_type, start_clock, TestServer, Ws,
};

/// Every text frame of one tick's worth of messages.
async fn texts(ws: &mut Ws, count: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        out.push(recv_text(ws).await);
    }
    out
}

#[tokio::test]
async fn two_servers_with_the_same_config_and_clock_send_identical_bytes() {
    let clock = {
        let market = Market::new(market_config()).unwrap();
        start_clock(&market)
    };
    // Separate `Market` instances: agreement must not depend on sharing one.
    let a = TestServer::spawn_with(
        config(),
        Arc::new(Market::new(market_config()).unwrap()),
        clock.clone(),
    )
    .await;
    let b = TestServer::spawn_with(
        config(),
        Arc::new(Market::new(market_config()).unwrap()),
        clock.clone(),
    )
    .await;
    for path in [
        "/ws",
        "/ws?format=batch",
        "/ws?format=array&symbols=MSFT,AAPL",
    ] {
        let mut wa = connect(&a, path).await;
        let mut wb = connect(&b, path).await;
        // Welcome plus current quotes, in whatever framing.
        let first = match path {
            "/ws" => 6,
            "/ws?format=batch" => 2,
            _ => 1,
        };
        let per_tick = if path == "/ws" { 5 } else { 1 };
        assert_eq!(
            texts(&mut wa, first).await,
            texts(&mut wb, first).await,
            "{path}"
        );
        for _ in 0..3 {
            a.advance(1); // one clock: b sees the same time
            let ta = texts(&mut wa, per_tick).await;
            let tb = texts(&mut wb, per_tick).await;
            assert_eq!(ta, tb, "{path}");
        }
    }
}

#[tokio::test]
async fn quote_frames_are_the_cores_quotes_across_a_session_boundary() {
    // One-minute sessions: open, high, low, volume and prev_close reset mid-test.
    let market_config = MarketConfig {
        session_ms: 60_000,
        ..market_config()
    };
    let market = Arc::new(Market::new(market_config).unwrap());
    let schedule = *market.schedule();
    let boundary = schedule.session(Seq(1_000_000)).end;
    let clock = Arc::new(ticker_core::ManualClock::new(
        schedule.time_of(Seq(boundary.0 - 3)),
    ));
    let server = TestServer::spawn_with(config(), market.clone(), clock).await;
    let mut ws = connect(&server, "/ws").await;
    let mut seq = server.seq();
    assert_eq!(seq.0, boundary.0 - 3);
    recv_type(&mut ws, "welcome").await;
    for round in 0..7 {
        if round > 0 {
            seq = server.advance(1);
        }
        for id in market.ids() {
            assert_eq!(
                recv_text(&mut ws).await,
                quote_frame(&market, id, seq),
                "{seq}"
            );
        }
    }
    assert!(seq > boundary);
}
