//! REST and core agree: whatever tick the clock is in, the quote served over HTTP is the one
//! `Market::quote` computes for that tick, byte for byte and field by field.

use ticker_core::config::DEFAULT_EPOCH_MS;
use ticker_core::Seq;

use crate::helpers::{spawn_app, SYMBOLS};

/// Ticks visited in this order: the start tick, its neighbours, the last tick of a session and
/// the first of the next, the epoch, a jump far ahead, and backwards again.
const TICKS: [u64; 9] = [
    909_296,
    909_297,
    909_355,
    950_399,
    950_400,
    0,
    100_012_345,
    5,
    909_296,
];

#[tokio::test]
async fn latest_quote_equals_the_core_quote_byte_for_byte_at_every_tick() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    for n in TICKS {
        app.set_tick(n);
        assert_eq!(app.tick(), Seq(n));
        for symbol in SYMBOLS {
            let resp = client.get(&format!("/api/v1/latest/{symbol}")).await;
            assert_eq!(resp.status, 200);
            assert_eq!(
                resp.text(),
                String::from_utf8(app.quote_json(symbol, Seq(n))).unwrap(),
                "{symbol} at tick {n}"
            );
        }
    }
}

#[tokio::test]
async fn latest_quote_equals_the_core_quote_field_by_field_at_every_tick() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    for n in TICKS {
        app.set_tick(n);
        for symbol in SYMBOLS {
            let quote = app.market.quote(app.id(symbol), Seq(n));
            let want = serde_json::to_value(quote).unwrap();
            let got = client
                .get(&format!("/api/v1/latest/{}", symbol.to_lowercase()))
                .await
                .ok_json();
            let (want, got) = (want.as_object().unwrap(), got.as_object().unwrap());
            assert_eq!(
                got.keys().collect::<Vec<_>>(),
                want.keys().collect::<Vec<_>>(),
                "{symbol} at tick {n}"
            );
            for (field, value) in want {
                assert_eq!(&got[field], value, "{symbol}.{field} at tick {n}");
            }
            assert_eq!(got["seq"], n);
            assert_eq!(got["timestamp"], app.market.schedule().time_of(Seq(n)));
        }
    }
}

#[tokio::test]
async fn a_clock_before_the_epoch_serves_tick_zero_at_the_reference_price() {
    let app = spawn_app().await;
    app.clock.set(DEFAULT_EPOCH_MS - 86_400_000);
    let v = app.get("/api/v1/latest/AAPL").await.ok_json();
    assert_eq!(v["seq"], 0);
    let reference = app.market.info(app.id("AAPL")).reference_price;
    assert_eq!(v["price"].as_f64().unwrap(), reference.to_f64());
}

#[tokio::test]
async fn several_quotes_in_one_answer_equal_single_quotes_of_the_same_tick() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    for n in [909_296, 950_400, 1_000] {
        app.set_tick(n);
        let many = client.get("/api/v1/latest").await.ok_json();
        assert_eq!(many["seq"], n);
        let quotes = many["quotes"].as_array().unwrap();
        assert_eq!(quotes.len(), SYMBOLS.len());
        for (quote, symbol) in quotes.iter().zip(SYMBOLS) {
            let one = client
                .get(&format!("/api/v1/latest/{symbol}"))
                .await
                .ok_json();
            assert_eq!(quote, &one, "{symbol} at tick {n}");
        }
    }
}

#[tokio::test]
async fn the_newest_candle_closes_at_the_latest_price_as_the_clock_moves() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    for n in [909_296, 909_297, 909_300, 950_400] {
        app.set_tick(n);
        let latest = client.get("/api/v1/latest/TSLA").await.ok_json();
        let history = client
            .get("/api/v1/history/TSLA?interval=1m&limit=2")
            .await
            .ok_json();
        let candles = history["candles"].as_array().unwrap();
        let newest = candles.last().unwrap();
        assert_eq!(newest["close"], latest["price"], "tick {n}");
        let price = latest["price"].as_f64().unwrap();
        assert!(newest["low"].as_f64().unwrap() <= price);
        assert!(newest["high"].as_f64().unwrap() >= price);
    }
}

#[tokio::test]
async fn quotes_stay_exact_when_the_clock_steps_back_and_forth() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    let now = app.tick().0;
    // Forward, back one tick (a reader that saw the clock just before another moved the
    // tracker on), far back, and forward again: every answer is the core's quote.
    for n in [now + 3, now + 2, now + 3, now - 500, now + 4, now + 1] {
        app.set_tick(n);
        let resp = client.get("/api/v1/latest/MSFT").await;
        assert_eq!(
            resp.text(),
            String::from_utf8(app.quote_json("MSFT", Seq(n))).unwrap(),
            "tick {n}"
        );
    }
}
