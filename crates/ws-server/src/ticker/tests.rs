use ticker_core::{ManualClock, MarketConfig, SymbolId, SymbolSet};

use super::*;
use crate::wire::payload;

fn hub(replay: usize) -> (Hub, Vec<SessionTracker>) {
    let market = Arc::new(Market::new(MarketConfig::default()).unwrap());
    let clock = Arc::new(ManualClock::new(market.schedule().time_of(Seq(1000))));
    Hub::warm_up(market, clock, 4, replay, Arc::new(Stats::default()))
}

#[test]
fn frames_are_the_cores_quotes_with_a_type() {
    let (hub, _) = hub(3);
    let tick = hub.latest();
    assert_eq!(tick.seq, Seq(1000));
    let mut want = b"{\"type\":\"quote\",".to_vec();
    hub.market
        .quote(SymbolId(1), Seq(1000))
        .write_fields(&mut want);
    want.push(b'}');
    assert_eq!(payload(tick.frame(SymbolId(1)).unwrap()), &want[..]);
}

#[test]
fn batch_and_array_frames_are_built_once_per_set() {
    let (hub, _) = hub(3);
    let tick = hub.latest();
    let set: SymbolSet = [SymbolId(0), SymbolId(3)].into_iter().collect();
    let a = tick.batch(&set, &hub.market);
    let b = tick.batch(&set, &hub.market);
    assert_eq!(a.as_ptr(), b.as_ptr(), "shared, not rebuilt");
    let v: serde_json::Value = serde_json::from_slice(payload(&a)).unwrap();
    assert_eq!(v["quotes"].as_array().unwrap().len(), 2);
    assert_eq!(v["quotes"][1]["symbol"], "AMZN");
    let arr: serde_json::Value =
        serde_json::from_slice(payload(&tick.array(&set, &hub.market))).unwrap();
    assert_eq!(arr[0]["stock"], "AAPL");
    let since_previous = hub.market.tick_change(SymbolId(0), tick.seq).change;
    assert_eq!(arr[0]["change"].as_f64(), Some(since_previous.to_f64()));
}

#[test]
fn replay_window_and_gaps() {
    let (hub, _) = hub(3);
    assert_eq!(hub.replay(Seq(997), Seq(1000)).unwrap().len(), 3);
    assert_eq!(hub.replay(Seq(999), Seq(1000)).unwrap().len(), 1);
    assert_eq!(hub.replay(Seq(996), Seq(1000)).unwrap_err(), Seq(998));
    assert!(hub.tick(Seq(998)).is_some());
    assert!(hub.tick(Seq(997)).is_none());
}

#[test]
fn a_hole_in_the_window_is_a_gap_not_a_silent_skip() {
    let (hub, mut trackers) = hub(5);
    // Simulate the loop skipping ahead: ticks 1001..1004 never published.
    hub.publish(Tick::build(&hub.market, &mut trackers, Seq(1005)));
    assert_eq!(hub.replay(Seq(998), Seq(1005)).unwrap_err(), Seq(1005));
    assert_eq!(hub.replay(Seq(1004), Seq(1005)).unwrap().len(), 1);
    assert_eq!(hub.tick(Seq(1005)).unwrap().seq, Seq(1005));
    assert_eq!(hub.tick(Seq(999)).unwrap().seq, Seq(999));
    assert!(hub.tick(Seq(1002)).is_none());
}

#[test]
fn writers_get_the_newest_queue_ticks_and_a_count_of_the_rest() {
    // Queue 4, replay 3: the ring still keeps 5 ticks so writers can catch up.
    let (hub, mut trackers) = hub(3);
    let seqs = |b: &Batch| b.ticks.iter().map(|t| t.seq.0).collect::<Vec<_>>();
    let b = hub.after(Seq(999));
    assert_eq!((seqs(&b), b.lost), (vec![1000], 0));
    assert!(hub.after(Seq(1000)).ticks.is_empty());
    let b = hub.after(Seq(995));
    assert_eq!((seqs(&b), b.lost), (vec![997, 998, 999, 1000], 1));
    // Ticks older than the whole ring were published too, and are lost as well.
    let b = hub.after(Seq(990));
    assert_eq!((seqs(&b), b.lost), (vec![997, 998, 999, 1000], 6));
    // The replay window stays `--replay-ticks` although the ring is longer.
    assert!(hub.tick(Seq(997)).is_none());
    hub.publish(Tick::build(&hub.market, &mut trackers, Seq(1001)));
    let b = hub.after(Seq(1000));
    assert_eq!((seqs(&b), b.lost), (vec![1001], 0));
}

/// A hub at tick 1000 (queue 4, replay 50) driven by a test's manual clock, on a market
/// whose configured clock is `kind`; with its loop's trackers and the tick interval in ms.
fn on_manual_clock(kind: ClockKind) -> (Arc<Hub>, Vec<SessionTracker>, Arc<ManualClock>, i64) {
    let mut config = MarketConfig::default();
    config.clock.kind = Some(kind);
    let market = Arc::new(Market::new(config).unwrap());
    let clock = Arc::new(ManualClock::new(market.schedule().time_of(Seq(1000))));
    let interval = market.schedule().interval_ms() as i64;
    let (hub, trackers) = Hub::warm_up(market, clock.clone(), 4, 50, Arc::new(Stats::default()));
    (Arc::new(hub), trackers, clock, interval)
}

/// Runs the loop on a market whose configured clock is `kind`, driven by a test's
/// manual clock moved 10 ticks at once (more than the queue of 4); returns the hub.
async fn moved_ten_ticks(kind: ClockKind) -> Arc<Hub> {
    let (hub, trackers, clock, interval) = on_manual_clock(kind);
    let (stop, stopped) = watch::channel(false);
    let looping = hub.start(trackers, stopped).unwrap();
    clock.advance(10 * interval);
    let mut published = hub.watch();
    tokio::time::timeout(
        Duration::from_secs(5),
        published.wait_for(|seq| *seq >= Seq(1010)),
    )
    .await
    .unwrap()
    .unwrap();
    stop.send_replace(true);
    looping.finished().await;
    hub
}

#[tokio::test(flavor = "current_thread")]
async fn ticks_go_out_while_the_runtime_is_busy_and_the_loop_ends_with_its_sender() {
    let (hub, trackers, clock, interval) = on_manual_clock(ClockKind::Real);
    let (stop, stopped) = watch::channel(false);
    let looping = hub.start(trackers, stopped).unwrap();
    clock.advance(3 * interval);
    // Block the runtime's only thread: a loop that were one of its tasks could not tick.
    let deadline = Instant::now() + Duration::from_secs(5);
    while hub.latest().seq < Seq(1003) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        hub.latest().seq,
        Seq(1003),
        "published with the runtime blocked"
    );
    drop(stop);
    tokio::time::timeout(Duration::from_secs(5), looping.finished())
        .await
        .expect("the loop ends once its shutdown sender is gone");
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_the_handle_stops_the_loop() {
    let (hub, trackers, clock, interval) = on_manual_clock(ClockKind::Real);
    let (_stop, stopped) = watch::channel(false);
    drop(hub.start(trackers, stopped).unwrap());
    // The loop's thread holds the hub until it ends: then only this reference is left.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Arc::strong_count(&hub) > 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        Arc::strong_count(&hub),
        1,
        "the loop ended and let go of the hub"
    );
    clock.advance(3 * interval);
    std::thread::sleep(Duration::from_millis(120));
    assert_eq!(
        hub.latest().seq,
        Seq(1000),
        "nothing published after the drop"
    );
}

#[tokio::test]
async fn a_test_clock_is_followed_tick_by_tick_and_only_the_manual_kind_jumps() {
    // A test's clock standing in for time that runs: every tick in between, as time is.
    let hub = moved_ten_ticks(ClockKind::Real).await;
    assert!((1001..=1010).all(|n| hub.tick(Seq(n)).is_some()));
    assert_eq!(hub.stats.clock_jumps.load(Ordering::Relaxed), 0);
    // `--clock manual`, stepped further than the queue: the new tick alone, as a jump.
    let hub = moved_ten_ticks(ClockKind::Manual).await;
    assert!(hub.tick(Seq(1009)).is_none());
    assert!(hub.tick(Seq(1010)).is_some());
    assert_eq!(hub.stats.clock_jumps.load(Ordering::Relaxed), 1);
}

#[test]
fn only_live_ticks_cache_frames() {
    let (hub, mut trackers) = hub(50);
    for seq in 1001..1020 {
        hub.publish(Tick::build(&hub.market, &mut trackers, Seq(seq)));
    }
    let set: SymbolSet = [SymbolId(1)].into_iter().collect();
    // Older than the queue (4): replayed frames are built but not kept.
    let old = hub.tick(Seq(1005)).unwrap();
    let (a, b) = (old.batch(&set, &hub.market), old.batch(&set, &hub.market));
    assert_ne!(a.as_ptr(), b.as_ptr());
    assert_eq!(a, b);
    // A live one keeps them.
    let live = hub.latest();
    let (a, b) = (live.batch(&set, &hub.market), live.batch(&set, &hub.market));
    assert_eq!(a.as_ptr(), b.as_ptr());
}
