//! polygon-api-client 1.16.3 parses our stream frames.

use serde_json::json;
use ticker_core::{Decimal, Symbol};
use ticker_vendors::polygon::{Event, StreamAgg, StreamQuote, StreamTrade};

use crate::decode;

#[test]
fn polygon_client_parses_our_events_into_its_models() {
    let sym = Symbol::parse("AAPL").unwrap();
    let d = |u| Decimal::new(u, 2);
    let agg = StreamAgg {
        sym,
        v: 300,
        av: 12_000,
        op: d(16_000),
        vw: 161.8,
        o: d(16_180),
        c: d(16_187),
        h: d(16_190),
        l: d(16_179),
        a: 160.95,
        z: 100,
        s: 1_651_684_140_000,
        e: 1_651_684_200_000,
    };
    let frames = [
        vec![Event::status("connected", "Connected Successfully")],
        vec![Event::status("auth_success", "authenticated")],
        vec![
            Event::Trade(StreamTrade {
                sym,
                x: 10,
                i: "5096".into(),
                z: 3,
                p: d(16_187),
                s: 300,
                c: vec![14, 41],
                t: 1_651_684_192_462,
                q: 4_009_402,
            }),
            Event::Quote(StreamQuote {
                sym,
                bx: 11,
                bp: d(16_186),
                bs: 200,
                ax: 12,
                ap: d(16_188),
                as_: 100,
                c: 0,
                t: 1_651_684_192_463,
                q: 4_009_403,
                z: 3,
            }),
            Event::Minute(agg.clone()),
            Event::Second(agg),
        ],
    ];
    let text: String = frames
        .iter()
        .map(|f| serde_json::to_string(f).unwrap() + "\n")
        .collect();
    let Some(got) = decode("polygon", text.as_bytes()) else {
        return;
    };
    assert_eq!(got.len(), 6, "{got:#?}");
    assert_eq!(
        got[0],
        json!({"status": "connected", "message": "Connected Successfully"})
    );
    assert_eq!(got[1]["status"], "auth_success");
    let trade = &got[2];
    assert_eq!(trade["model"], "EquityTrade");
    assert_eq!(trade["event_type"], "T");
    assert_eq!(trade["symbol"], "AAPL");
    assert_eq!(
        (&trade["exchange"], &trade["id"], &trade["tape"]),
        (&json!(10), &json!("5096"), &json!(3))
    );
    assert_eq!(
        (&trade["price"], &trade["size"]),
        (&json!(161.87), &json!(300))
    );
    assert_eq!(trade["conditions"], json!([14, 41]));
    assert_eq!(
        (&trade["timestamp"], &trade["sequence_number"]),
        (&json!(1_651_684_192_462_i64), &json!(4_009_402))
    );
    let quote = &got[3];
    assert_eq!(quote["model"], "EquityQuote");
    assert_eq!(
        (&quote["bid_price"], &quote["ask_price"]),
        (&json!(161.86), &json!(161.88))
    );
    assert_eq!(
        (&quote["bid_size"], &quote["ask_size"]),
        (&json!(200), &json!(100))
    );
    assert_eq!(
        (
            &quote["bid_exchange_id"],
            &quote["ask_exchange_id"],
            &quote["condition"]
        ),
        (&json!(11), &json!(12), &json!(0))
    );
    for (agg, ev) in [(&got[4], "AM"), (&got[5], "A")] {
        assert_eq!(agg["model"], "EquityAgg");
        assert_eq!(agg["event_type"], ev);
        assert_eq!(
            (&agg["open"], &agg["close"], &agg["vwap"]),
            (&json!(161.8), &json!(161.87), &json!(161.8))
        );
        assert_eq!(
            (&agg["volume"], &agg["accumulated_volume"]),
            (&json!(300), &json!(12_000))
        );
        assert_eq!(
            (&agg["start_timestamp"], &agg["end_timestamp"]),
            (&json!(1_651_684_140_000_i64), &json!(1_651_684_200_000_i64))
        );
        assert_eq!(agg["aggregate_vwap"], 160.95);
    }
}
