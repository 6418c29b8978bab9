//! alpaca-py 0.44.0 reads our MessagePack frames.

use serde_json::{json, Value};
use ticker_core::{Decimal, Symbol};
use ticker_vendors::alpaca::{
    encode, Bar, BarKind, Control, Encoding, Item, Quote, StreamError, Trade, TradingStatus,
};
use ticker_vendors::nanos::Nanos;

use crate::decode;

fn frame(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

#[test]
fn alpaca_py_parses_our_msgpack_frames_into_its_models() {
    let sym = |s| Symbol::parse(s).unwrap();
    // 2026-03-02T15:51:44.208123456Z: nanoseconds that alpaca-py truncates to microseconds.
    let t = Nanos(1_772_466_704_208_123_456);
    let trade = Trade {
        time: t,
        exchange: 'V',
        price: Decimal::new(13_456, 2),
        size: 3,
        conditions: &["@", "I"],
        id: 96_921,
        tape: 'C',
    };
    let quote = Quote {
        time: t,
        ask_exchange: 'Q',
        ask_price: Decimal::new(13_458, 2),
        ask_size: 400,
        bid_exchange: 'V',
        bid_price: Decimal::new(13_455, 2),
        bid_size: 100,
        conditions: &["R"],
        tape: 'C',
    };
    let bar = Bar {
        time: Nanos::from_ms(1_772_466_660_000),
        open: Decimal::new(13_450, 2),
        high: Decimal::new(13_460, 2),
        low: Decimal::new(13_449, 2),
        close: Decimal::new(13_456, 2),
        volume: 1_234,
        trade_count: 17,
        vwap: 134.5512,
    };
    let status = TradingStatus {
        status_code: "H",
        status_message: "Trading Halt",
        reason_code: "T12",
        reason_message: "Trading Halted; For information requested by NASDAQ".into(),
        time: t,
        tape: 'C',
    };
    let mut file = Vec::new();
    frame(&mut file, &encode(&[Control::CONNECTED], Encoding::Msgpack));
    frame(
        &mut file,
        &encode(&[Control::AUTHENTICATED], Encoding::Msgpack),
    );
    frame(
        &mut file,
        &encode(&[Control::from(StreamError::AuthFailed)], Encoding::Msgpack),
    );
    frame(
        &mut file,
        &encode(
            &[
                Item::Trade(sym("FAKEPACA"), trade),
                Item::Quote(sym("FAKEPACA"), quote),
                Item::Bar(BarKind::Minute, sym("AAPL"), bar.clone()),
                Item::Bar(BarKind::Daily, sym("AAPL"), bar),
                Item::Status(sym("AAPL"), status),
            ],
            Encoding::Msgpack,
        ),
    );
    let Some(got) = decode("alpaca", &file) else {
        return;
    };
    assert_eq!(got.len(), 8, "{got:#?}");
    // The exact frames alpaca-py's handshake compares against.
    assert_eq!(
        got[0],
        json!({"control": {"T": "success", "msg": "connected"}})
    );
    assert_eq!(
        got[1],
        json!({"control": {"T": "success", "msg": "authenticated"}})
    );
    assert_eq!(
        got[2],
        json!({"control": {"T": "error", "code": 402, "msg": "auth failed"}})
    );

    let micro = "2026-03-02T15:51:44.208123Z";
    let trade = &got[3];
    assert_eq!(trade["model"], "Trade");
    assert_eq!(trade["symbol"], "FAKEPACA");
    assert_eq!(trade["timestamp"], micro);
    assert_eq!(trade["price"], 134.56);
    assert_eq!(trade["size"], 3.0);
    assert_eq!(trade["exchange"], "V");
    assert_eq!(trade["id"], 96_921);
    assert_eq!(trade["conditions"], json!(["@", "I"]));
    assert_eq!(trade["tape"], "C");

    let quote = &got[4];
    assert_eq!(quote["model"], "Quote");
    assert_eq!(quote["timestamp"], micro);
    assert_eq!(
        (quote["bid_price"].as_f64(), quote["ask_price"].as_f64()),
        (Some(134.55), Some(134.58))
    );
    assert_eq!(
        (quote["bid_size"].as_f64(), quote["ask_size"].as_f64()),
        (Some(100.0), Some(400.0))
    );
    assert_eq!(
        (&quote["bid_exchange"], &quote["ask_exchange"]),
        (&json!("V"), &json!("Q"))
    );

    for bar in [&got[5], &got[6]] {
        assert_eq!(bar["model"], "Bar");
        assert_eq!(bar["symbol"], "AAPL");
        assert_eq!(bar["timestamp"], "2026-03-02T15:51:00Z");
        assert_eq!(
            (bar["open"].as_f64(), bar["close"].as_f64()),
            (Some(134.5), Some(134.56))
        );
        assert_eq!(bar["volume"], 1_234.0);
        assert_eq!(bar["trade_count"], 17.0);
        assert_eq!(bar["vwap"], 134.5512);
    }

    let status: &Value = &got[7];
    assert_eq!(status["model"], "TradingStatus");
    assert_eq!(status["status_code"], "H");
    assert_eq!(status["reason_code"], "T12");
    assert_eq!(status["timestamp"], micro);
}
