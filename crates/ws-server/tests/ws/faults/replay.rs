//! Faults on a replay of the past: its replayed ticks go through the same faults as live ones,
//! decided by each tick's seq, so every connection with the same URL gets the same stream.

use std::collections::HashMap;

use serde_json::Value;
use ticker_core::Seq;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::stream::{expect_stream, expected, Expect};
use super::{faults_metric, faulty_server, recv_raw, spec};
use crate::helpers::{connect, recv_close, recv_type, Ws};

/// The welcome and the replay's first tick (never faulted); returns that tick's seq.
async fn start(ws: &mut Ws) -> u64 {
    let welcome = recv_type(ws, "welcome").await;
    let first = recv_type(ws, "quotes").await;
    assert_eq!(first["seq"], welcome["seq"]);
    first["seq"].as_u64().unwrap()
}

#[tokio::test]
async fn a_faulted_replay_is_the_same_on_every_connection_and_follows_the_plan() {
    let server = faulty_server(|_| {}).await;
    let now = server.seq().0;
    let (first, last) = (now - 300, now - 100);
    let replay = format!(
        "symbols=AAPL&format=batch&from={}&to={}&speed=10",
        server.time_of(Seq(first)),
        server.time_of(Seq(last))
    );
    // No fault_seed: the seed comes from the client id.
    let faults = "fault_drop=0.2&fault_duplicate=0.2&fault_malformed=0.1&fault_reorder=0.2\
                  &fault_reorder_window=4&fault_client=x";
    let spec = spec(faults);

    // The same replay without faults: every tick's frame, by seq.
    let mut healthy = connect(&server, &format!("/ws?{replay}")).await;
    assert_eq!(start(&mut healthy).await, first);
    let mut frames = HashMap::new();
    loop {
        let text = recv_raw(&mut healthy).await;
        let v: Value = serde_json::from_str(&text).unwrap();
        if v["type"] == "replay_end" {
            break;
        }
        assert_eq!(v["type"], "quotes", "{text}");
        assert!(v.get("dropped").is_none(), "{text}");
        frames.insert(v["seq"].as_u64().unwrap(), text);
    }
    assert_eq!(frames.len() as u64, last - first);

    // The plan: the documented rules, and at the end what reorder still holds goes out,
    // oldest first, before `replay_end`.
    let seqs = || first + 1..=last;
    let mut want = expected(&spec, seqs());
    for n in seqs() {
        let plan = spec.plan(Seq(n));
        if !plan.drop && plan.reorder_after.is_some_and(|after| after.0 > last) {
            if plan.malformed {
                want.push(Expect::Malformed(n));
            }
            want.push(Expect::Tick(n));
            if plan.duplicate {
                want.push(Expect::Tick(n));
            }
        }
    }
    let plans: Vec<_> = seqs().map(|n| spec.plan(Seq(n))).collect();
    let count = |f: fn(&ws_server::faults::Plan) -> bool| plans.iter().filter(|p| f(p)).count();
    let (drops, dups) = (count(|p| p.drop), count(|p| p.duplicate));
    assert!(
        drops > 0 && dups > 0 && count(|p| p.reorder_after.is_some()) > 0,
        "the client id's seed exercises the faults"
    );

    // Two connections, one after the other, each get exactly that, then the end and a close.
    for _ in 0..2 {
        let mut ws = connect(&server, &format!("/ws?{replay}&{faults}")).await;
        assert_eq!(
            start(&mut ws).await,
            first,
            "start-up frames are never faulted"
        );
        expect_stream(&mut ws, &want, &frames).await;
        // Nothing else before the end.
        let end: Value = serde_json::from_str(&recv_raw(&mut ws).await).unwrap();
        assert_eq!(end["type"], "replay_end", "{end}");
        assert_eq!(
            (end["reason"].as_str(), end["seq"].as_u64()),
            (Some("to"), Some(last))
        );
        assert_eq!(recv_close(&mut ws).await, Some(CloseCode::Normal));
    }
    for (kind, n) in [("drop", drops), ("duplicate", dups)] {
        server
            .wait_for_metric(&faults_metric(kind), |v| v == 2 * n as u64)
            .await;
    }
}
