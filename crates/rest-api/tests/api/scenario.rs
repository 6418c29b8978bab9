//! Both services under `--scenario halt-resume` on one manual clock (as `scripts/run.sh`
//! would start them): stepped tick by tick through the halt and the reopening, every streamed
//! quote is REST's quote for that tick, byte for byte, and `/api/v1/market/status` reports
//! the halt while it lasts.

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::Value;
use ticker_core::time::format_rfc3339;
use ticker_core::{Clock, ManualClock, MarketArgs, MarketConfig, Seq};
use ws_server::WsConfig;

use crate::clocks::{get_json, get_text, next_json, next_text, spawn_pair_on, ws_connect};
use crate::control::{with_control, AUTH, TOKEN};
use crate::helpers::{Client, NOW_MS};

/// The market both services read from `--scenario halt-resume --clock manual --clock-start`.
fn halt_resume(start_ms: i64) -> MarketConfig {
    MarketArgs {
        scenario: Some("halt-resume".into()),
        clock: Some("manual".into()),
        clock_start: Some(format_rfc3339(start_ms)),
        ..MarketArgs::default()
    }
    .resolve()
    .unwrap()
}

/// What `scripts/clock.sh ticks N` does: the same command to each service.
async fn step(services: [SocketAddr; 2], ticks: u64) {
    for addr in services {
        let resp = Client::connect(addr)
            .await
            .post_json(
                "/control/clock",
                &[AUTH],
                &format!(r#"{{"ticks":{ticks}}}"#),
            )
            .await;
        assert_eq!(resp.status, 200, "{}", resp.text());
    }
}

/// The streamed quote of tick `n` as REST would write it: a quote frame without its `type`,
/// or after a long step (a `gap`, then a `snapshot` of the new tick) the snapshot's quote.
/// Earlier ticks' frames (the tick current when the stream opened) are skipped.
async fn streamed_quote(ws: &mut crate::relayed::Ws, n: u64) -> String {
    loop {
        let frame = next_text(ws).await;
        let v: Value = serde_json::from_str(&frame).unwrap();
        if v["seq"].as_u64() < Some(n) || v["type"] == "gap" {
            continue;
        }
        assert_eq!(v["seq"], n, "{frame}");
        return match v["type"].as_str() {
            Some("quote") => frame.replacen("\"type\":\"quote\",", "", 1),
            Some("snapshot") => serde_json::to_string(&v["quotes"][0]).unwrap(),
            _ => panic!("unexpected frame {frame}"),
        };
    }
}

#[tokio::test]
async fn both_services_agree_through_a_halt_and_rest_reports_it() {
    let config = halt_resume(NOW_MS);
    let clocks: [Arc<dyn Clock>; 2] = [
        Arc::new(ManualClock::new(NOW_MS)),
        Arc::new(ManualClock::new(NOW_MS)),
    ];
    let mut ws_config = WsConfig::default();
    ws_config.control.control_token = Some(TOKEN.to_owned());
    let pair = spawn_pair_on(with_control(), ws_config, clocks, &config).await;
    let services = [pair.rest, pair.ws];
    let market = &pair.market;
    let aapl = market.lookup("AAPL").unwrap();
    let schedule = *market.schedule();
    let first = schedule.tick_at(NOW_MS);
    // The halt: AAPL, 15 minutes after the clock's start, for 5 minutes.
    let [halt] = market.halts(aapl).try_into().unwrap();
    assert_eq!(halt.from, schedule.tick_at_or_after(NOW_MS + 900_000));
    assert_eq!(halt.until, schedule.tick_at_or_after(NOW_MS + 1_200_000));
    assert_eq!(&*halt.reason, "news pending");

    let before = get_json(pair.rest, "/api/v1/market/status?symbol=AAPL").await;
    assert_eq!(before["scenario"], "halt-resume");
    assert_eq!(before["halts"], serde_json::json!([]));
    assert_eq!(before["next_halt"]["since"], halt.from_ms);
    assert_eq!(before["next_halt"]["reason"], "news pending");

    // Up to a few ticks before the halt, then tick by tick through it and the reopening.
    let mut ws = ws_connect(pair.ws, "/ws?symbols=AAPL").await;
    next_json(&mut ws).await; // welcome
                              // A second client on the status channel: it is told of the halt and of the reopening.
    let mut statuses = ws_connect(pair.ws, "/ws?symbols=AAPL&channels=status").await;
    let mut now = first.0;
    let mut quotes: Vec<Value> = Vec::new();
    let stretches = [
        (halt.from.0 - 3, halt.from.0 + 3),
        (halt.until.0 - 3, halt.until.0 + 30),
    ];
    for (lo, hi) in stretches {
        // A long step: the stream says `gap` and sends a snapshot, then quotes resume.
        step(services, lo - now).await;
        for n in lo..=hi {
            if n > lo {
                step(services, 1).await;
            }
            now = n;
            let frame = streamed_quote(&mut ws, n).await;
            let rest = get_text(pair.rest, "/api/v1/latest/AAPL").await;
            if n == lo {
                // A snapshot's quote went through serde_json::Value: compare as values.
                let rest: Value = serde_json::from_str(&rest).unwrap();
                assert_eq!(
                    serde_json::from_str::<Value>(&frame).unwrap(),
                    rest,
                    "tick {n}"
                );
            } else {
                assert_eq!(frame, rest, "tick {n}");
            }
            let status = get_json(pair.rest, "/api/v1/market/status?symbol=AAPL").await;
            let halted = (halt.from.0..halt.until.0).contains(&n);
            assert_eq!(market.status(aapl, Seq(n)).is_halted(), halted);
            if halted {
                assert_eq!(status["calendars"][0]["status"], "halted", "tick {n}");
                let h = &status["halts"][0];
                assert_eq!(h["symbol"], "AAPL");
                assert_eq!(h["reason"], "news pending");
                assert_eq!(
                    (h["since"].as_i64(), h["until"].as_i64()),
                    (Some(halt.from_ms), Some(halt.until_ms))
                );
                assert_eq!(h["reopen_gap_percent"], -8.0);
            } else {
                assert_eq!(status["halts"], serde_json::json!([]), "tick {n}");
                assert_eq!(status["calendars"][0]["status"], "open");
            }
            quotes.push(serde_json::from_str(&frame).unwrap());
        }
    }
    // While halted the streamed price and trade count stand still; after the reopening the
    // price is 8 % below the halted one (to the tick) and trades resume.
    let at = |n: u64| quotes.iter().find(|q| q["seq"] == n).unwrap();
    let halted = at(halt.from.0);
    for n in [halt.from.0 + 1, halt.from.0 + 3, halt.until.0 - 1] {
        assert_eq!(at(n)["price"], halted["price"], "tick {n}");
        assert_eq!(at(n)["trades"], halted["trades"], "tick {n}");
        assert_eq!(at(n)["volume"], halted["volume"], "tick {n}");
    }
    let frozen = halted["price"].as_f64().unwrap();
    let reopened = quotes
        .iter()
        .filter(|q| q["seq"].as_u64().unwrap() >= halt.until.0)
        .find(|q| q["trades"] != halted["trades"])
        .expect("trading resumes within 30 ticks");
    let ratio = reopened["price"].as_f64().unwrap() / frozen;
    assert!(
        (ratio - 0.92).abs() < 0.002,
        "reopened at {ratio} of the halted price"
    );
    // The status channel: `halted` (with the reason) at the halt's first tick, then the
    // calendar's phase again at the reopening tick.
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let v = next_json(&mut statuses).await;
        if v["type"] == "status" {
            seen.push((v["seq"].as_u64(), v["status"].clone(), v["reason"].clone()));
        }
    }
    assert_eq!(
        seen,
        [
            (
                Some(halt.from.0),
                Value::from("halted"),
                Value::from("news pending")
            ),
            (Some(halt.until.0), Value::from("open"), Value::Null),
        ]
    );
    // Every other symbol traded on.
    let msft = get_json(pair.rest, "/api/v1/market/status?symbol=MSFT").await;
    assert_eq!(msft["halts"], serde_json::json!([]));
    assert!(msft.get("next_halt").is_none());
}

#[tokio::test]
async fn market_status_without_a_scenario_is_unchanged() {
    let app = crate::helpers::spawn_app().await;
    let v = app.get("/api/v1/market/status").await.ok_json();
    for field in ["scenario", "halts", "next_halt"] {
        assert!(v.get(field).is_none(), "{field}: {v}");
    }
}
