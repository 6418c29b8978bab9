//! Faults on the stream itself: drops, duplicates, malformed frames, reordering, delays and
//! stalls.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::Value;
use ticker_core::Seq;
use ws_server::faults::Spec;

use super::{advance, faults_metric, faulty_server, recv_raw, spec, start_batch};
use crate::helpers::{assert_usable, connect, recv_json, send_json, stalled_client, Ws};

/// What a client should receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    /// The tick's frame, byte for byte the unfaulted one.
    Tick(u64),
    /// A malformed frame standing before that tick's frame.
    Malformed(u64),
}

/// The documented rules, applied to the plans of ticks `seqs`: a dropped tick sends nothing;
/// a duplicated one its frame twice; a malformed one is preceded by a broken frame; one held
/// back by reorder goes out, oldest first, right after the tick it waits for has been through
/// the faults (dropped or not).
pub(super) fn expected(spec: &Spec, seqs: impl Iterator<Item = u64>) -> Vec<Expect> {
    let mut out = Vec::new();
    let mut held: Vec<(u64, u64, Vec<Expect>)> = Vec::new();
    for n in seqs {
        let plan = spec.plan(Seq(n));
        if !plan.drop {
            let mut unit = Vec::new();
            if plan.malformed {
                unit.push(Expect::Malformed(n));
            }
            unit.push(Expect::Tick(n));
            if plan.duplicate {
                unit.push(Expect::Tick(n));
            }
            match plan.reorder_after {
                Some(after) => held.push((after.0, n, unit)),
                None => out.extend(unit),
            }
        }
        held.sort_by_key(|(_, seq, _)| *seq);
        let (ready, waiting): (Vec<_>, Vec<_>) = held.into_iter().partition(|(a, _, _)| *a <= n);
        out.extend(ready.into_iter().flat_map(|(_, _, unit)| unit));
        held = waiting;
    }
    out
}

pub(super) async fn expect_stream(
    ws: &mut Ws,
    want: &[Expect],
    frames: &std::collections::HashMap<u64, String>,
) {
    for (i, e) in want.iter().enumerate() {
        let got = recv_raw(ws).await;
        match *e {
            Expect::Tick(seq) => assert_eq!(&got, &frames[&seq], "frame {i}: tick {seq}"),
            Expect::Malformed(seq) => {
                assert!(
                    serde_json::from_str::<Value>(&got).is_err(),
                    "frame {i} should be malformed: {got}"
                );
                assert!(
                    frames[&seq].starts_with(&got) && got.len() < frames[&seq].len(),
                    "frame {i} is the first half of tick {seq}'s frame: {got}"
                );
            }
        }
    }
}

#[tokio::test]
async fn drops_duplicates_malformed_frames_and_reordering_follow_the_plan_exactly() {
    let server = faulty_server(|_| {}).await;
    let query = "symbols=AAPL&format=batch&fault_seed=11&fault_drop=0.2&fault_duplicate=0.2\
                 &fault_malformed=0.1&fault_reorder=0.2&fault_reorder_window=4";
    let spec = spec(query);
    let mut healthy = connect(&server, "/ws?symbols=AAPL&format=batch").await;
    // Two connections with the same URL: the same faults at the same ticks.
    let mut a = connect(&server, &format!("/ws?{query}")).await;
    let mut b = connect(&server, &format!("/ws?{query}")).await;
    let start = start_batch(&mut healthy).await;
    assert_eq!(
        start_batch(&mut a).await,
        start,
        "start-up frames are never faulted"
    );
    assert_eq!(start_batch(&mut b).await, start);

    const TICKS: u64 = 150;
    let frames = advance(&server, &mut healthy, TICKS).await;
    let seqs = || start.0 + 1..=start.0 + TICKS;
    let want = expected(&spec, seqs());
    let plans: Vec<_> = seqs().map(|n| spec.plan(Seq(n))).collect();
    let count = |f: fn(&ws_server::faults::Plan) -> bool| plans.iter().filter(|p| f(p)).count();
    let (drops, dups, bad, late) = (
        count(|p| p.drop),
        count(|p| p.duplicate),
        count(|p| p.malformed),
        count(|p| p.reorder_after.is_some()),
    );
    assert!(
        drops > 0 && dups > 0 && bad > 0 && late > 0,
        "seed 11 exercises every fault"
    );
    assert!(
        want.windows(2)
            .any(|w| matches!(w, [Expect::Tick(x), Expect::Tick(y)] if y < x)),
        "some tick arrives after a later one"
    );
    expect_stream(&mut a, &want, &frames).await;
    expect_stream(&mut b, &want, &frames).await;

    // Each fault is counted once per connection.
    for (kind, n) in [
        ("drop", drops),
        ("duplicate", dups),
        ("malformed", bad),
        ("reorder", late),
    ] {
        server
            .wait_for_metric(&faults_metric(kind), |v| v == 2 * n as u64)
            .await;
    }
    // The connections carry on.
    assert_usable(&mut a, 1).await;
}

#[tokio::test]
async fn the_same_url_gets_the_same_faults_whenever_it_connects() {
    let server = faulty_server(|_| {}).await;
    // No fault_seed: the seed is derived from the fault parameters, so the URL is the seed.
    let query = "symbols=AAPL&format=batch&fault_drop=0.3";
    let other = "symbols=AAPL&format=batch&fault_drop=0.3&fault_seed=99";
    let mut healthy = connect(&server, "/ws?symbols=AAPL&format=batch").await;
    let mut early = connect(&server, &format!("/ws?{query}")).await;
    let start = start_batch(&mut healthy).await;
    start_batch(&mut early).await;
    advance(&server, &mut healthy, 40).await;
    let mut late = connect(&server, &format!("/ws?{query}")).await;
    let mut reseeded = connect(&server, &format!("/ws?{other}")).await;
    let joined = start_batch(&mut late).await;
    assert_eq!(joined.0, start.0 + 40);
    start_batch(&mut reseeded).await;
    advance(&server, &mut healthy, 40).await;

    let end = joined.0 + 40;
    let seen_early = received(&mut early, &spec(query), start.0 + 1..=end, joined).await;
    let seen_late = received(&mut late, &spec(query), joined.0 + 1..=end, joined).await;
    let seen_other = received(&mut reseeded, &spec(other), joined.0 + 1..=end, joined).await;
    assert_eq!(seen_early, seen_late, "same URL, same ticks dropped");
    assert_ne!(seen_early, seen_other, "another seed drops other ticks");
    assert!(
        seen_early.len() < 40 && seen_early.len() > 10,
        "{seen_early:?}"
    );
}

/// Reads what a drop-only connection must receive for `seqs`; returns the seqs after `after`
/// it got.
async fn received(
    ws: &mut Ws,
    spec: &Spec,
    seqs: std::ops::RangeInclusive<u64>,
    after: Seq,
) -> BTreeSet<u64> {
    let mut got = BTreeSet::new();
    for e in expected(spec, seqs) {
        let Expect::Tick(seq) = e else {
            panic!("a drop-only plan sends ticks only")
        };
        let v: Value = serde_json::from_str(&recv_raw(ws).await).unwrap();
        assert_eq!(v["seq"], seq);
        if seq > after.0 {
            got.insert(seq);
        }
    }
    got
}

#[tokio::test]
async fn delayed_ticks_arrive_late_in_order_and_unchanged() {
    let server = faulty_server(|_| {}).await;
    let query = "symbols=AAPL&format=batch&fault_seed=3&fault_delay_ms=0-400";
    let spec = spec(query);
    let mut healthy = connect(&server, "/ws?symbols=AAPL&format=batch").await;
    let mut ws = connect(&server, &format!("/ws?{query}")).await;
    let start = start_batch(&mut healthy).await;
    start_batch(&mut ws).await;
    let mut published = Vec::new();
    let mut frames = std::collections::HashMap::new();
    for _ in 0..8 {
        let before = Instant::now();
        frames.extend(advance(&server, &mut healthy, 1).await);
        published.push(before);
    }
    let mut delayed = 0;
    for (i, at) in published.iter().enumerate() {
        let seq = start.0 + 1 + i as u64;
        let got = recv_raw(&mut ws).await;
        assert_eq!(got, frames[&seq], "in order, unchanged");
        let delay = spec.plan(Seq(seq)).delay_ms;
        delayed += u64::from(delay > 0);
        assert!(
            at.elapsed() >= Duration::from_millis(delay),
            "tick {seq} came {:?} after its publication, before its {delay} ms delay",
            at.elapsed()
        );
    }
    assert!(delayed >= 4, "seed 3 delays most ticks");
    server
        .wait_for_metric(&faults_metric("delay"), |v| v == delayed)
        .await;
}

#[tokio::test]
async fn a_stall_sends_nothing_for_its_length_then_the_newest_ticks_with_dropped() {
    // Four queued ticks at most: what piles up during the stall beyond them is dropped.
    let server = faulty_server(|ws| ws.queue_ticks = 4).await;
    let mut healthy = connect(&server, "/ws?symbols=AAPL&format=batch").await;
    start_batch(&mut healthy).await;
    let opened = Instant::now();
    let stall = Duration::from_millis(2500);
    let mut ws = connect(
        &server,
        &format!(
            "/ws?symbols=AAPL&format=batch&fault_stall_ms={}",
            stall.as_millis()
        ),
    )
    .await;
    let start = start_batch(&mut ws).await;
    // Even answers wait: the socket is silent.
    send_json(&mut ws, &serde_json::json!({"type": "ping", "id": 5})).await;
    advance(&server, &mut healthy, 10).await;

    let pong = recv_json(&mut ws).await;
    assert!(opened.elapsed() >= stall, "the pong came during the stall");
    assert_eq!(
        (pong["type"].as_str(), pong["id"].as_u64()),
        (Some("pong"), Some(5))
    );
    let (mut ticks, mut dropped, mut last) = (0, 0, start.0);
    while last < start.0 + 10 {
        let v = recv_json(&mut ws).await;
        assert_eq!(v["type"], "quotes", "{v}");
        let seq = v["seq"].as_u64().unwrap();
        assert!(seq > last);
        ticks += 1;
        dropped += v["dropped"].as_u64().unwrap_or(0);
        last = seq;
    }
    assert_eq!(
        ticks + dropped,
        10,
        "every tick is either sent or counted as dropped"
    );
    assert!(dropped >= 1, "ten ticks do not fit in a queue of four");
    assert_eq!(server.metric(&faults_metric("stall")).await, 1);
    assert_usable(&mut ws, 6).await;
}

#[tokio::test]
async fn a_stall_longer_than_the_heartbeat_does_not_end_the_connection() {
    // Silence for 2 × 100 ms would close a client; the stall sends no pings, so it expects no
    // pongs.
    let server = faulty_server(|ws| ws.ping_interval_ms = 100).await;
    let opened = Instant::now();
    let mut ws = connect(&server, "/ws?symbols=AAPL&format=batch&fault_stall_ms=800").await;
    let start = start_batch(&mut ws).await;
    let next = server.advance(1);
    let v = recv_json(&mut ws).await;
    assert!(opened.elapsed() >= Duration::from_millis(800));
    assert_eq!(
        (v["type"].as_str(), v["seq"].as_u64()),
        (Some("quotes"), Some(next.0))
    );
    assert_eq!(next.0, start.0 + 1);
    assert_usable(&mut ws, 1).await;
    assert_eq!(server.metric("ticker_ws_closed_heartbeat_total").await, 0);
}

#[tokio::test]
async fn a_resume_replay_is_never_faulted() {
    let server = faulty_server(|_| {}).await;
    let mut healthy = connect(&server, "/ws?symbols=AAPL&format=batch").await;
    let start = start_batch(&mut healthy).await;
    let frames = advance(&server, &mut healthy, 5).await;
    // Every live tick dropped; the `since` replay still comes whole.
    let mut ws = connect(
        &server,
        &format!(
            "/ws?symbols=AAPL&format=batch&fault_drop=1&since={}",
            start.0
        ),
    )
    .await;
    recv_json(&mut ws).await; // welcome
    for seq in start.0 + 1..=start.0 + 5 {
        assert_eq!(recv_raw(&mut ws).await, frames[&seq]);
    }
    advance(&server, &mut healthy, 3).await;
    server
        .wait_for_metric(&faults_metric("drop"), |v| v == 3)
        .await;
    assert_usable(&mut ws, 2).await;
}

#[tokio::test]
async fn a_faulted_client_that_reads_nothing_is_bounded_and_closed_like_any_slow_consumer() {
    let server = faulty_server(|ws| {
        ws.send_buffer_bytes = 4096;
        ws.queue_ticks = 4;
        ws.stall_timeout_ms = 300;
    })
    .await;
    let mut healthy = connect(&server, "/ws").await;
    let names = server.symbols().len();
    recv_json(&mut healthy).await; // welcome
    for _ in 0..names {
        recv_json(&mut healthy).await;
    }
    // Every tick twice, a little late: the faults must not let the server queue without bound.
    let mut stalled = stalled_client(&server, "/ws?fault_duplicate=1&fault_delay_ms=5").await;
    let mut ticks = 0;
    while server.metric("ticker_ws_closed_slow_total").await == 0 {
        assert!(
            ticks < 3000,
            "the faulted client that reads nothing was never closed"
        );
        server.advance(1);
        for _ in 0..names {
            recv_json(&mut healthy).await;
        }
        ticks += 1;
    }
    assert!(server.metric("ticker_ws_frames_dropped_total").await > 0);
    server
        .wait_for_metric("ticker_ws_connections", |open| open == 1)
        .await;
    // What it did get is a prefix of the faulted stream, then the end.
    let ended = tokio::time::timeout(crate::helpers::PATIENCE, async {
        while let Some(Ok(_)) = futures_util::StreamExt::next(&mut stalled).await {}
    })
    .await;
    assert!(ended.is_ok(), "the connection was not closed");
}
