//! alpaca-py's historical client against `/alpaca`: minute bars of two symbols over four days
//! (more than one 10 000-bar page, so the SDK follows `next_page_token` across the symbols),
//! trades, latest trade and quote and snapshots, each value equal to the native API's for the
//! same ticks.

use serde_json::Value;

use crate::harness;
use crate::stack::{Stack, DAY_MS, NOW_MS};

const SYMBOLS: [&str; 2] = ["AAPL", "MSFT"];

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// An SDK bar `[t_us, o, h, l, c, v, n, vw]` against a native candle.
fn assert_bar(sdk: &Value, native: &Value, what: &str) {
    assert_eq!(
        sdk[0].as_i64().unwrap(),
        native["timestamp"].as_i64().unwrap() * 1000,
        "{what}: time"
    );
    let fields = ["open", "high", "low", "close", "volume", "trades", "vwap"];
    for (i, name) in fields.iter().enumerate() {
        assert_eq!(f(&sdk[i + 1]), f(&native[*name]), "{what}: {name}");
    }
}

async fn requests(stack: &Stack) -> u64 {
    let (_, body) = crate::stack::get_raw(stack.rest, "/metrics", &[]).await;
    String::from_utf8(body)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("ticker_rest_requests_total{route=\"alpaca\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alpaca_py_reads_bars_trades_quotes_and_snapshots_like_the_native_api() {
    let Some(python) = harness::python() else {
        return;
    };
    let stack = Stack::spawn().await;
    let minute = 60_000;
    let bars_to = NOW_MS - NOW_MS % minute;
    let bars_from = bars_to - 4 * DAY_MS;
    let trades_to = NOW_MS - NOW_MS % 1000 - 5_000;
    let trades_from = trades_to - 90_000;
    let before = requests(&stack).await;
    let out = python
        .run(
            "alpaca_rest.py",
            &serde_json::json!({
                "base": format!("{}/alpaca", stack.rest_url()),
                "symbols": SYMBOLS,
                // alpaca's `end` is inclusive, the native `to` exclusive.
                "bars_from_ms": bars_from,
                "bars_to_ms": bars_to - 1,
                "trades_from_ms": trades_from,
                "trades_to_ms": trades_to - 1,
            }),
        )
        .await;
    let made = requests(&stack).await - before;

    // Minute bars: every one of both symbols, across pages.
    let mut total = 0;
    for sym in SYMBOLS {
        let native = stack
            .native(&format!(
                "/api/v1/bars/{sym}?interval=1m&from={bars_from}&to={bars_to}&limit=20000"
            ))
            .await;
        let native = native["bars"].as_array().unwrap();
        let sdk = out["bars"][sym].as_array().unwrap();
        assert_eq!(sdk.len(), native.len(), "{sym}: minute bars");
        for (s, n) in sdk.iter().zip(native) {
            assert_bar(s, n, sym);
        }
        total += sdk.len();
    }
    assert!(
        total > 10_000,
        "{total} bars fit in one page: the test no longer covers pagination"
    );
    // Two pages of bars, two of nothing else: trades, latest trade, latest quote, snapshots.
    assert!(
        made >= 6,
        "the SDK made {made} requests; bars need two pages"
    );

    // Trades: same ids, prices, sizes, exchanges and times (to the microsecond).
    let native = stack
        .native(&format!(
            "/api/v1/trades/AAPL?from={trades_from}&to={trades_to}&limit=50000"
        ))
        .await;
    let native: Vec<&Value> = native["trades"].as_array().unwrap().iter().collect();
    let sdk = out["trades"].as_array().unwrap();
    assert!(!sdk.is_empty(), "AAPL trades in 90 s");
    let in_window: Vec<&&Value> = native
        .iter()
        .filter(|t| t["timestamp_ns"].as_i64().unwrap() <= (trades_to - 1) * 1_000_000)
        .collect();
    assert_eq!(sdk.len(), in_window.len(), "trades in the window");
    for (s, n) in sdk.iter().zip(in_window) {
        assert_eq!(s["i"], n["id"]);
        assert_eq!(f(&s["p"]), f(&n["price"]));
        assert_eq!(f(&s["s"]), f(&n["size"]));
        assert_eq!(s["x"], n["exchange"], "{n}");
        assert_eq!(s["z"], n["tape"]);
        assert_eq!(
            s["t"].as_i64().unwrap(),
            n["timestamp_ns"].as_i64().unwrap() / 1000
        );
    }

    for sym in SYMBOLS {
        // The latest trade, also inside the snapshot.
        let native = stack.native(&format!("/api/v1/trades/{sym}/latest")).await;
        for sdk in [&out["latest_trade"][sym], &out["snapshot_trade"][sym]] {
            assert_eq!(sdk["i"], native["id"], "{sym} latest trade");
            assert_eq!(f(&sdk["p"]), f(&native["price"]));
            assert_eq!(f(&sdk["s"]), f(&native["size"]));
        }
        // The latest quote is the NBBO now.
        let nbbo = stack.native(&format!("/api/v1/nbbo/{sym}")).await;
        let q = &out["latest_quote"][sym];
        assert_eq!(f(&q["bp"]), f(&nbbo["bid"]), "{sym} bid");
        assert_eq!(f(&q["ap"]), f(&nbbo["ask"]), "{sym} ask");
        assert_eq!(f(&q["bs"]), f(&nbbo["bid_size"]), "{sym} bid size");
        assert_eq!(f(&q["as"]), f(&nbbo["ask_size"]), "{sym} ask size");
        assert_eq!(
            q["t"].as_i64().unwrap(),
            nbbo["timestamp"].as_i64().unwrap() * 1000
        );
        // Today's and the previous day's bars are the native daily bars.
        let days = stack
            .native(&format!("/api/v1/bars/{sym}?interval=1d&limit=2"))
            .await;
        let days = days["bars"].as_array().unwrap();
        assert_eq!(days.len(), 2, "{sym}: two daily bars");
        assert_bar(&out["prev_daily_bar"][sym], &days[0], "previous daily bar");
        assert_bar(&out["daily_bar"][sym], &days[1], "daily bar");
    }
}
