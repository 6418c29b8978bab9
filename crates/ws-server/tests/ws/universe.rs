//! A generated universe of 5 000 symbols streams like the default five: every symbol's quote
//! at every tick, equal to the core's, to a client allowed that many (`--max-symbols`).

use std::sync::Arc;

use ticker_core::{ManualClock, Market, MarketConfig, Seq};

use crate::helpers::{
    config, connect, market_config, quotes_json, recv_json, recv_type, TestServer,
};

#[tokio::test]
async fn a_universe_of_5000_symbols_streams_every_symbol_every_tick() {
    let market = Arc::new(
        Market::new(MarketConfig {
            universe: 5000,
            ..market_config()
        })
        .unwrap(),
    );
    // Just into a session, so warming 5 005 trackers replays a few ticks each.
    let s = market.schedule();
    let start = Seq(s.session(s.tick_at(s.epoch_ms() + 30 * 86_400_000)).first.0 + 20);
    let clock = Arc::new(ManualClock::new(s.time_of(start)));
    let ws_config = ws_server::WsConfig {
        max_symbols: 10_000,
        ..config()
    };
    let server = TestServer::spawn_with(ws_config, market, clock).await;
    let mut ws = connect(&server, "/ws?format=batch").await;
    let welcome = recv_type(&mut ws, "welcome").await;
    assert_eq!(welcome["symbols"].as_array().unwrap().len(), 5005);
    let names = server.symbols();
    let mut seq = server.seq();
    for round in 0..2 {
        if round > 0 {
            seq = server.advance(1);
        }
        let batch = recv_json(&mut ws).await;
        assert_eq!(batch["type"], "quotes", "{batch}");
        assert_eq!(batch["seq"], seq.0);
        assert_eq!(batch["quotes"], quotes_json(&server, &names, seq));
    }
}
