//! binance-sdk-spot's strict models and ccxt's binance parsers, on our REST bodies and stream
//! payloads.

use serde_json::{json, Value};
use ticker_core::Decimal;
use ticker_vendors::bars::Bar;
use ticker_vendors::binance::depth::book;
use ticker_vendors::binance::events::{self, Book, Kline, Trade};
use ticker_vendors::binance::exchange_info::{self, SymbolSpec};
use ticker_vendors::binance::interval::KlineInterval;
use ticker_vendors::binance::num::TimeUnit;
use ticker_vendors::binance::rest::TickerType;
use ticker_vendors::binance::rolling::Stats;
use ticker_vendors::binance::{body, session};

use crate::harness;

const MS: TimeUnit = TimeUnit::Millisecond;
const NOW: i64 = 1_772_465_504_208;

fn d(units: i64) -> Decimal {
    Decimal::new(units, 2)
}

fn bar(start_ms: i64, ohlc: [i64; 4], volume: u64, first_id: u64) -> Bar {
    Bar {
        start_ms,
        open: d(ohlc[0]),
        high: d(ohlc[1]),
        low: d(ohlc[2]),
        close: d(ohlc[3]),
        volume,
        trades: volume,
        notional: volume as f64 * d(ohlc[3]).to_f64(),
        trade_ids: Some((first_id, first_id + volume - 1)),
    }
}

fn kline(b: Bar) -> Kline {
    Kline {
        interval: KlineInterval::parse("1m").unwrap(),
        bar: b,
        closed: true,
        taker_buy_volume: b.volume / 2,
        taker_buy_notional: b.notional / 2.0,
    }
}

const TOP: Book = Book {
    update_id: 91_366_718,
    bid: Decimal::new(4_200_011, 2),
    bid_qty: 3,
    ask: Decimal::new(4_200_013, 2),
    ask_qty: 2,
};

const TRADE: Trade = Trade {
    id: 777,
    price: Decimal::new(4_200_012, 2),
    qty: 2,
    time_ms: NOW,
    buyer_maker: true,
};

fn stats() -> Stats {
    Stats {
        open_ms: NOW - NOW % 60_000 - 86_400_000,
        close_ms: NOW,
        open: d(4_100_000),
        high: d(4_250_000),
        low: d(4_050_000),
        last: d(4_200_012),
        prev_close: d(4_099_999),
        volume: 30_000,
        notional: 30_000.0 * 41_500.0,
        trade_ids: Some((100, 29_999)),
        count: 29_900,
    }
}

fn payloads() -> Value {
    let minute = NOW - NOW % 60_000;
    let k1 = kline(bar(
        minute - 60_000,
        [4_190_000, 4_210_000, 4_180_000, 4_200_000],
        12,
        1,
    ));
    let k2 = kline(bar(
        minute,
        [4_200_000, 4_200_500, 4_199_000, 4_200_012],
        5,
        13,
    ));
    let spec = SymbolSpec {
        symbol: "BTCUSDT".into(),
        tick_size: d(1),
    };
    let s = stats();
    let mut stream = serde_json::Map::new();
    let mut put = |name: &str, f: &dyn Fn(&mut String)| {
        let mut out = String::new();
        f(&mut out);
        stream.insert(name.into(), Value::String(out));
    };
    put("trade", &|o| events::trade(o, "BTCUSDT", NOW, &TRADE, MS));
    put("aggTrade", &|o| {
        events::agg_trade(o, "BTCUSDT", NOW, &TRADE, MS);
    });
    put("kline", &|o| events::kline(o, "BTCUSDT", NOW, &k2, MS));
    put("miniTicker", &|o| {
        events::mini_ticker(o, "BTCUSDT", NOW, &s, MS);
    });
    put("ticker", &|o| {
        events::ticker(o, "BTCUSDT", NOW, &s, 2, &TOP, MS);
    });
    put("bookTicker", &|o| events::book_ticker(o, "BTCUSDT", &TOP));
    put("allMiniTickers", &|o| {
        let mut one = String::new();
        events::mini_ticker(&mut one, "BTCUSDT", NOW, &s, MS);
        events::mini_ticker_array(o, [one.as_str(), one.as_str()].into_iter());
    });
    json!({
        "rest": {
            "exchangeInfo": exchange_info::body(&[spec], NOW),
            "klines": body::klines(&[k1, k2], MS),
            "uiKlines": body::klines(&[k1, k2], MS),
            "ticker24hr": body::ticker_24h("BTCUSDT", &s, 2, &TOP, TickerType::Full, MS),
            "price": body::price("BTCUSDT", TRADE.price),
            "bookTicker": body::book_ticker("BTCUSDT", &TOP),
            "depth": body::depth(&book(&TOP, d(1), 5, 11)),
            "trades": body::trades(&[TRADE], MS),
        },
        "stream": stream,
    })
}

#[test]
fn binance_sdk_models_and_ccxt_parse_our_payloads() {
    let Some(sdks) = harness::sdk_python("finnhub-binance") else {
        return;
    };
    let input = payloads();
    let out = harness::python(&sdks, "binance_parsers.py", &input);

    for group in ["sdk_rest", "sdk_stream"] {
        for (name, verdict) in out[group].as_object().unwrap() {
            assert_eq!(verdict, "ok", "binance-sdk-spot {group} model {name}");
        }
    }
    assert_eq!(out["sdk_rest"].as_object().unwrap().len(), 6);
    assert_eq!(out["sdk_stream"].as_object().unwrap().len(), 7);

    assert_eq!(
        out["market"],
        json!({"id":"BTCUSDT","symbol":"BTC/USDT","base":"BTC","quote":"USDT","spot":true,
               "active":true,"type":"spot","precision_price":0.01,"precision_amount":1.0})
    );
    let minute = NOW - NOW % 60_000;
    assert_eq!(
        out["ohlcv"],
        json!([
            [
                minute - 60_000,
                41_900.0,
                42_100.0,
                41_800.0,
                42_000.0,
                12.0
            ],
            [minute, 42_000.0, 42_005.0, 41_990.0, 42_000.12, 5.0]
        ])
    );
    let t = &out["ticker"];
    assert_eq!(t["symbol"], "BTC/USDT");
    assert_eq!(t["timestamp"], NOW);
    assert_eq!(
        (t["last"].as_f64(), t["close"].as_f64()),
        (Some(42_000.12), Some(42_000.12))
    );
    assert_eq!(
        (t["open"].as_f64(), t["previousClose"].as_f64()),
        (Some(41_000.0), Some(40_999.99))
    );
    assert_eq!(
        (t["high"].as_f64(), t["low"].as_f64()),
        (Some(42_500.0), Some(40_500.0))
    );
    assert_eq!(
        (t["bid"].as_f64(), t["bidVolume"].as_f64()),
        (Some(42_000.11), Some(3.0))
    );
    assert_eq!(
        (t["ask"].as_f64(), t["askVolume"].as_f64()),
        (Some(42_000.13), Some(2.0))
    );
    assert_eq!(t["change"].as_f64(), Some(1_000.12));
    assert_eq!(t["percentage"].as_f64(), Some(2.439));
    assert_eq!(t["baseVolume"].as_f64(), Some(30_000.0));
    assert_eq!(t["quoteVolume"].as_f64(), Some(1_245_000_000.0));
    assert_eq!(t["vwap"].as_f64(), Some(41_500.0));

    assert_eq!(
        out["trades"],
        json!([{"id":"777","timestamp":NOW,"price":42_000.12,"amount":2.0,"cost":84_000.24,
                "side":"sell","takerOrMaker":null}])
    );
    let b = &out["book"];
    assert_eq!(b["bids"][0], json!([42_000.11, 3.0]));
    assert_eq!(b["asks"][0], json!([42_000.13, 2.0]));
    assert_eq!(b["bids"][1][0].as_f64(), Some(42_000.10));
    assert_eq!(b["asks"][1][0].as_f64(), Some(42_000.14));

    // The combined wrapper the session adds is what @binance/spot and binance-sdk-spot route on.
    let wrapped =
        session::wrap_combined("btcusdt@trade", input["stream"]["trade"].as_str().unwrap());
    let v: Value = serde_json::from_str(&wrapped).unwrap();
    assert_eq!(v["stream"], "btcusdt@trade");
    assert_eq!(v["data"]["p"], "42000.12000000");
}
