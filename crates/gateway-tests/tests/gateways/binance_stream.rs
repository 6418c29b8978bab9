//! `@binance/spot`, the official Node connector, unmodified, on the Binance stream gateway: a
//! combined stream opened through its `WebsocketStreams` API, a second stream subscribed live
//! on the same connection, while the test moves the shared manual clock. Every trade and book
//! ticker it reports equals the native API's for its tick, and the trades come without a gap.

use serde_json::Value;
use ticker_core::{MarketConfig, Seq, SymbolConfig};
use ws_server::WsConfig;

use crate::harness;
use crate::stack::{market_config, rest_config, Stack, NOW_MS};
use crate::streams::Ticking;

const SYMBOL: &str = "BTCUSDT";

fn dec(v: &Value) -> f64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binance_spot_js_streams_trades_and_live_subscribed_book_tickers_equal_to_the_native_api() {
    let Some(node) = harness::binance_node() else {
        return;
    };
    // A 24/7 pair (Binance's instruments), with a few trades a second.
    let market = MarketConfig {
        symbols: vec![SymbolConfig {
            avg_volume: 40_000_000,
            avg_trade_size: 50,
            ..SymbolConfig::new(SYMBOL, 42_000.0)
        }],
        ..market_config()
    };
    let stack = Stack::spawn_on(rest_config(), WsConfig::default(), market, NOW_MS).await;
    let ticking = Ticking::start(&stack);
    let out = node
        .run(
            "binance_stream.cjs",
            &serde_json::json!({
                "wsURL": format!("{}/binance", stack.ws_url()),
                "symbol": SYMBOL, "trades": 30, "books": 5,
            }),
        )
        .await;
    drop(ticking);

    // Trades: consecutive ids, each the native trade with that id.
    let trades = out["trades"].as_array().unwrap();
    assert!(trades.len() >= 30);
    let ids: Vec<u64> = trades.iter().map(|t| t["t"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "a gap: {ids:?}");
    let from = trades[0]["T"].as_i64().unwrap();
    let to = trades[trades.len() - 1]["T"].as_i64().unwrap() + 1;
    let native = stack
        .native_trades(SYMBOL, (from, to), ids[0]..=ids[ids.len() - 1])
        .await;
    assert_eq!(
        native.len(),
        trades.len(),
        "the SDK's trades are the native ones"
    );
    for (t, n) in trades.iter().zip(&native) {
        assert_eq!(t["e"], "trade");
        assert_eq!(t["s"], SYMBOL);
        assert_eq!(t["t"], n["id"]);
        assert_eq!(dec(&t["p"]), num(&n["price"]), "trade {} price", t["t"]);
        assert_eq!(dec(&t["q"]), num(&n["size"]), "trade {} size", t["t"]);
        let ns = n["timestamp_ns"].as_i64().unwrap();
        assert_eq!(t["T"].as_i64().unwrap(), ns.div_euclid(1_000_000));
    }

    // Book tickers: `u` is the tick; bid and ask are the native NBBO at its time.
    let books = out["books"].as_array().unwrap();
    assert!(books.len() >= 5);
    for b in books {
        assert_eq!(b["s"], SYMBOL);
        let at = stack
            .market
            .schedule()
            .time_of(Seq(b["u"].as_u64().unwrap()));
        let n = stack
            .native(&format!("/api/v1/latest/{SYMBOL}?at={at}"))
            .await;
        assert_eq!(n["timestamp"].as_i64().unwrap(), at);
        assert_eq!(dec(&b["b"]), num(&n["bid"]), "bid at {at}");
        assert_eq!(dec(&b["a"]), num(&n["ask"]), "ask at {at}");
        assert_eq!(dec(&b["B"]), num(&n["bid_size"]), "bid size at {at}");
        assert_eq!(dec(&b["A"]), num(&n["ask_size"]), "ask size at {at}");
    }
}
